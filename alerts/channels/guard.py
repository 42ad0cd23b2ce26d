"""Where a chat bot or webhook may be sent: checked when the connection is made, not only when it was added.

A reader adds a webhook by its host name on the manage page, which checks that the name is on the public
internet (alerts.selfservice). A name can later be pointed elsewhere (DNS rebinding: public when added,
127.0.0.1 or 10.0.0.5 at send time), so every new connection resolves the host again, refuses it when any
address is loopback, private, link-local or otherwise not global, and connects to the addresses it checked
(never resolving a second time). A refusal fails the digest with the reason in the outbox's last_error.

CYWATCH_UNSAFE_LOOPBACK_WEBHOOKS=1 lets loopback addresses (127.0.0.1, ::1) through, for development and
tests whose receivers listen on this machine; it is off by default and never lets private networks through.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

Resolved = list[tuple[int, int, int, str, tuple[object, ...]]]  # socket.getaddrinfo's answer


class HostRefused(ValueError):
    """A host that resolves to an address a digest may not be sent to; the message names it."""


def allowed(address: str, loopback: bool = False) -> bool:
    """Whether an IP address is on the public internet (or, with `loopback`, this machine's loopback)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    return ip.is_global or (loopback and ip.is_loopback)


def checked_addresses(host: str, port: int, loopback: bool = False) -> Resolved:
    """host:port resolved now, every address checked; HostRefused for one that is not allowed, OSError when
    the name does not resolve."""
    found: Resolved = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)  # type: ignore[assignment]
    for *_, sockaddr in found:
        if not allowed(str(sockaddr[0]), loopback):
            raise HostRefused(f"{host} resolves to {sockaddr[0]}, which is not a public address "
                              "(loopback, private or link-local): not sent")
    return found


def connector(resolved: Resolved) -> Callable[..., socket.socket]:
    """A replacement for socket.create_connection that connects to these (checked) addresses, in turn."""

    def connect(_address: object, timeout: float | None = None, source: object = None) -> socket.socket:
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in resolved:
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not None:
                    sock.settimeout(timeout)
                sock.connect(sockaddr)
                return sock
            except OSError as failed:
                sock.close()
                error = failed
        raise error or OSError("no address to connect to")

    return connect
