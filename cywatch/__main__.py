import sys

from cywatch.cli import main

if __name__ == "__main__":  # not when a worker process (crawler/pipelines.py) imports it again
    sys.exit(main())
