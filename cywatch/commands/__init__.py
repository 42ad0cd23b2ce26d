"""The subcommands of `cywatch`, one module per group.

Each module exposes `register(commands)`: it adds its parser(s) to `commands` (the root parser's
subparsers) with `set_defaults(handler=fn)`, where `fn(args, settings) -> int` returns the exit status.
`cywatch/cli.py` lists the modules in `GROUPS`; a new group is a new module and one entry there.
Handlers parse, call the stages and lay out what they return; SQL, MIME and value formatting live below.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeAlias

from settings import Settings

Handler: TypeAlias = Callable[[argparse.Namespace, Settings], int]
# what `register` receives: the root parser's subparsers object
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
