"""Parsing one environment variable's text: each function returns the value or raises ValueError.

The message of the ValueError completes the sentence "VARIABLE ..., got 'TEXT'" (see `settings.Variable`),
so that a bad value is one clear line naming the variable: `CYWATCH_WEB_PORT must be a port number, got '80a'`.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|m|h)?", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def text(value: str) -> str:
    """Any text, as written."""
    return value


def seconds(value: str) -> float:
    """A duration: plain seconds (`300`, `2.5`) or with a unit (`300s`, `5m`, `2h`); zero or more."""
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        raise ValueError("must be a duration in seconds (300, 300s, 5m or 2h)")
    return float(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "s").lower()]


def switch(value: str) -> bool:
    """On or off: 1, true, yes, on / 0, false, no, off (or empty)."""
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("", "0", "false", "no", "off"):
        return False
    raise ValueError("must be 1 or 0 (true or false)")


def positive_seconds(value: str) -> float:
    """A duration of more than zero (a pause between two polls: zero would poll without pause)."""
    duration = seconds(value)
    if duration <= 0:
        raise ValueError("must be a duration of more than 0 seconds (1, 0.5, 2s)")
    return duration


def positive_int(value: str) -> int:
    """A whole number of at least 1."""
    try:
        number = int(value.strip())
    except ValueError:
        raise ValueError("must be a whole number of at least 1") from None
    if number < 1:
        raise ValueError("must be a whole number of at least 1")
    return number


def fraction(value: str) -> float:
    """A number from 0 to 1, such as 0.8."""
    try:
        number = float(value.strip())
    except ValueError:
        raise ValueError("must be a number from 0 to 1, such as 0.8") from None
    if not 0 <= number <= 1:
        raise ValueError("must be a number from 0 to 1, such as 0.8")
    return number


def port(value: str) -> int:
    """A TCP port, 1 to 65535."""
    try:
        number = int(value.strip())
    except ValueError:
        raise ValueError("must be a port number") from None
    if not 1 <= number <= 65535:
        raise ValueError("must be a port number (1 to 65535)")
    return number


def http_url(value: str) -> str:
    """An http:// or https:// URL with a host, without a trailing slash."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value.strip().rstrip("/")


def timezone(value: str) -> str:
    """An IANA time zone name, such as Asia/Shanghai."""
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be a time zone name such as Asia/Shanghai") from None
    return value.strip()


def cron(value: str) -> str:
    """A cron schedule of five fields: minute hour day month weekday (the scheduler checks each field)."""
    if len(value.split()) != 5:
        raise ValueError("must be a cron schedule of five fields (minute hour day month weekday), e.g. '30 7 * * *'")
    return " ".join(value.split())


def log_level(value: str) -> str:
    """One of Python's log levels, in any case."""
    level = value.strip().upper()
    if level not in LOG_LEVELS:
        raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
    return level


def mail_from(value: str) -> str:
    """A From header with an ASCII address; the display name may be Chinese."""
    address = parseaddr(value)[1]
    if "@" not in address or not address.isascii() or any(c in value for c in "\r\n"):
        raise ValueError("needs an ASCII address, as in '成渝观察 <digest@example.org>' (the name may be "
                         "Chinese; SMTP cannot carry a non-ASCII address here)")
    return value


def http_urls(value: str) -> tuple[str, ...]:
    """A comma-separated list of http:// or https:// URLs (each may carry user:password@), at least one."""
    urls = tuple(http_url(part) for part in value.split(",") if part.strip())
    if not urls:
        raise ValueError("must be one or more http:// or https:// URLs, separated by commas")
    return urls


_PIN = re.compile(r"\s*([A-Za-z0-9_]+)\s*=\s*(\d+)\s*")


def pins(value: str) -> tuple[tuple[str, int], ...]:
    """`NAME=N,NAME=N`: a name and a whole number of at least 1 (the Nth entry of a list), per pair."""
    found: dict[str, int] = {}
    for part in value.split(","):
        if not part.strip():
            continue
        match = _PIN.fullmatch(part)
        if match is None or int(match.group(2)) < 1:
            raise ValueError("must be pairs SOURCE=N (N from 1), separated by commas")
        found[match.group(1)] = int(match.group(2))
    return tuple(found.items())
