"""`cywatch web`: the unsubscribe endpoint (and the full digests behind "N more")."""

from __future__ import annotations

import argparse

from cywatch.commands import Commands
from settings import Settings


def register(commands: Commands) -> None:
    """Add `web`."""
    web = commands.add_parser("web", help="serve the unsubscribe endpoint")
    web.add_argument("--host", help="address to listen on (default: $CYWATCH_WEB_HOST or 127.0.0.1)")
    web.add_argument("--port", type=int, help="port to listen on (default: $CYWATCH_WEB_PORT or 8080)")
    web.set_defaults(handler=cmd_web)


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the unsubscribe endpoint."""
    from alerts.web import serve

    serve(settings, args.host or settings.web_host, args.port or settings.web_port)
    return 0
