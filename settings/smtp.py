"""SMTP_URL, parsed: where and how digests are sent (the sending itself is alerts/transport.py).

Forms:
- smtp://user:pass@host:587 — STARTTLS, required because there are credentials;
- smtps://user:pass@host:465 — implicit TLS;
- smtp://host:25 — a local relay: STARTTLS when the server offers it, plain otherwise
  (`?starttls=require` insists on it, `?starttls=off` never tries).
Parsed when the settings are read, so that a malformed SMTP_URL stops a command at start, not mid-send.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit


class SmtpUrlError(ValueError):
    """SMTP_URL is malformed; the message completes "SMTP_URL ..." (and never repeats the password)."""


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to connect."""

    host: str
    port: int
    security: str  # ssl, starttls (required), auto (if offered), none
    username: str | None
    password: str | None
    timeout: float
    ca_file: str | None

    def describe(self) -> str:
        """The server, for messages (never the password)."""
        return f"{'smtps' if self.security == 'ssl' else 'smtp'}://{self.host}:{self.port}"


def parse_smtp_url(url: str, timeout: float = 30.0, ca_file: str | None = None) -> SmtpConfig:
    """An SmtpConfig from SMTP_URL; SmtpUrlError explains what is wrong with it."""
    parts = urlsplit(url)  # the URL holds the password: no message below repeats it
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        problem = "it names no host" if parts.scheme in ("smtp", "smtps") else f"its scheme is {parts.scheme!r}"
        raise SmtpUrlError(f"must look like smtp://user:pass@host:587 or smtps://host:465 ({problem})")
    try:
        parts.port  # noqa: B018 - parsed here so that a bad port is an SmtpUrlError, not a traceback
    except ValueError:
        raise SmtpUrlError("has a port that is not a number between 0 and 65535") from None
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    option = parse_qs(parts.query).get("starttls", [""])[0].lower()
    if parts.scheme == "smtps":
        security, port = "ssl", parts.port or 465
    else:
        port = parts.port or (587 if user else 25)
        security = {"off": "none", "require": "starttls"}.get(option, "starttls" if user else "auto")
    if user and security == "none":
        raise SmtpUrlError("has credentials, which are never sent without TLS; drop ?starttls=off")
    return SmtpConfig(parts.hostname, port, security, user, password, timeout, ca_file)


def smtp_url(value: str) -> str:
    """SMTP_URL, checked (see parse_smtp_url), as written."""
    parse_smtp_url(value)
    return value
