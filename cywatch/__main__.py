import sys

from cywatch.cli import main

sys.exit(main())
