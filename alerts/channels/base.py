"""The channel protocol and its registry: how the outbox builds, names and sends a digest on one channel.

A channel is one class registered here under a name (the `channel` of a target and of an outbox row):
- `parse(url)` checks a target's address (an email address, `wecom://KEY`, `https://…#secret=S`) and returns
  it normalised, as stored; `redact(address)` is what may be printed of it (tokens and secrets hidden);
- `payload(digest)` builds, once, at build time, what the outbox stores: the bytes to send and the
  idempotency key (an email's Message-ID; a webhook's Idempotency-Key), so a row sent again is the same;
- `sender(settings, endpoint)` opens what sends many payloads in a row (one SMTP connection, one HTTP
  keep-alive connection per host); its `send(item, before_send)` calls `before_send` right before the
  point after which the message may have been delivered, and returns an `Outcome`.

The outbox (alerts.outbox, alerts.delivery) drives every channel the same way: one row per target and
period, claimed with a lease, marked before that point, `unknown` when no answer came after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from alerts.transport import Outcome

if TYPE_CHECKING:
    from alerts.digest import Content, Period, Template
    from db.connection import Row
    from settings import Settings

__all__ = ["Channel", "DigestInput", "Outcome", "Outgoing", "Payload", "Sender", "TargetError", "channel_for",
           "get", "names", "parse_target", "redact", "register"]


class TargetError(ValueError):
    """A channel address that cannot be accepted; the message says why (and never holds the secret)."""


@dataclass(frozen=True, slots=True)
class DigestInput:
    """What a channel may use to build one target's digest: the group's rendering and content, the reader."""

    template: Template  # the email rendering shared by the group (HTML and text with placeholders)
    content: Content
    period: Period
    subscriber: Row
    target_id: int
    address: str  # the target's stored address
    full_url: str  # the signed link to the whole digest on the web page
    settings: Settings
    manage_url: str = ""  # the subscriber's signed links: their preferences page, unsubscribe
    unsubscribe_url: str = ""


@dataclass(frozen=True, slots=True)
class Payload:
    """What the outbox stores for one target and period."""

    recipient: str  # shown in `cywatch outbox` (redacted for channels with tokens)
    subject: str
    body: bytes
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed outbox row, as a sender gets it."""

    id: int
    channel: str
    address: str  # the target's stored address (may hold a token: never log it)
    recipient: str  # printable
    period: str
    body: bytes
    idempotency_key: str
    attempts: int


class Sender(Protocol):
    """Sends many payloads of one channel in a row, reusing its connection."""

    def send(self, item: Outgoing, before_send: Callable[[], None]) -> Outcome:
        """Send one payload; `before_send` raises (LeaseLost) to stop it before it can be delivered."""
        ...

    def close(self) -> None:
        """Close the connection (a transaction cut short delivers nothing)."""
        ...


class Channel(Protocol):
    """One way of delivering digests (see the module's docstring)."""

    name: ClassVar[str]
    schemes: ClassVar[tuple[str, ...]]  # URL schemes of its addresses ("" for plain email addresses); () : its name

    def parse(self, url: str) -> str:
        """The address normalised as stored; TargetError if it cannot be used."""
        ...

    def redact(self, address: str) -> str:
        """The address as it may be printed."""
        ...

    def payload(self, digest: DigestInput) -> Payload:
        """What to store in the outbox for this target."""
        ...

    def sender(self, settings: Settings, endpoint: str | None = None) -> Sender:
        """A sender for a run; `endpoint` replaces the API's base URL (a local receiver, a proxy)."""
        ...


_REGISTRY: dict[str, Channel] = {}
_SCHEMES: dict[str, Channel] = {}


def register(channel: type[Channel]) -> type[Channel]:
    """Class decorator: make a channel known by its name and its URL schemes."""
    instance = channel()
    _REGISTRY[channel.name] = instance
    for scheme in channel.schemes or (channel.name,):
        _SCHEMES[scheme] = instance
    return channel


def get(name: str) -> Channel:
    """The channel registered as `name`; KeyError if there is none."""
    return _REGISTRY[name]


def names() -> list[str]:
    """Every registered channel name."""
    return sorted(_REGISTRY)


def channel_for(url: str) -> Channel:
    """The channel an address belongs to, by its scheme (an address without one is email)."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in _SCHEMES:
        known = ", ".join(f"{s}://" for s in sorted(_SCHEMES) if s)
        raise TargetError(f"unknown channel {scheme + '://'!r}: use an email address or one of {known}")
    return _SCHEMES[scheme]


def parse_target(url: str) -> tuple[str, str]:
    """(channel name, normalised address) of a target's URL; TargetError if it cannot be used."""
    channel = channel_for(url.strip())
    return channel.name, channel.parse(url.strip())


def redact(channel: str, address: str) -> str:
    """What may be printed of a stored address (an unknown channel's address is hidden whole)."""
    found = _REGISTRY.get(channel)
    return found.redact(address) if found else f"{channel}://…"
