"""`cywatch web`: the analyst's web (web/): pages, feeds, the API, subscriptions, the digests' signed links."""

from __future__ import annotations

import argparse

from cywatch.commands import Commands
from settings import Settings


def register(commands: Commands) -> None:
    """Add `web`."""
    web = commands.add_parser("web", help="serve the web: pages, feeds, API, subscriptions, digest links")
    web.add_argument("--host", help="address to listen on (default: $CYWATCH_WEB_HOST or 127.0.0.1)")
    web.add_argument("--port", type=int, help="port to listen on (default: $CYWATCH_WEB_PORT or 8080)")
    web.set_defaults(handler=cmd_web)


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the web: pages, feeds, the API, subscriptions, the digests' signed links."""
    from web.app import serve

    serve(settings, args.host or settings.web_host, args.port or settings.web_port)
    return 0
