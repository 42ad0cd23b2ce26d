"""Signed tokens for links in digests: one-click unsubscribe, and the full digest behind "N more".

Signed with CYWATCH_SECRET (itsdangerous, HMAC-SHA256), time-stamped, and salted per purpose so that a
token for one link can never be used for another.
"""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

UNSUBSCRIBE_MAX_AGE = 400 * 24 * 3600  # a digest kept for a year must still let its reader leave
DIGEST_MAX_AGE = 90 * 24 * 3600
MANAGE_MAX_AGE = UNSUBSCRIBE_MAX_AGE  # the preferences link of every digest, as long as its unsubscribe link
SUBSCRIBE_MAX_AGE = 2 * 24 * 3600  # a confirmation link (double opt-in) mailed from the subscribe page


class InvalidToken(ValueError):
    """A token that was tampered with, or has expired; the message says which."""


SIGNER_OPTIONS = {"digest_method": hashlib.sha256}  # itsdangerous defaults to SHA-1


def _serializer(secret: str, purpose: str, issued_at: float | None = None) -> URLSafeTimedSerializer:
    if issued_at is None:
        return URLSafeTimedSerializer(secret, salt=f"chengyu-watch/{purpose}", signer_kwargs=SIGNER_OPTIONS)

    stamp = int(issued_at)

    class Backdated(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp

    return URLSafeTimedSerializer(secret, salt=f"chengyu-watch/{purpose}", signer=Backdated,
                                  signer_kwargs=SIGNER_OPTIONS)


def make(secret: str, purpose: str, payload: dict[str, object], issued_at: float | None = None) -> str:
    """A signed, URL-safe token carrying payload (issued now, unless `issued_at` says when)."""
    return _serializer(secret, purpose, issued_at).dumps(payload)


def read(secret: str, purpose: str, token: str, max_age: int) -> dict[str, object]:
    """The payload of a valid token; InvalidToken if it was altered or is older than max_age seconds."""
    try:
        payload: dict[str, object] = _serializer(secret, purpose).loads(token, max_age=max_age)
        return payload
    except SignatureExpired:
        raise InvalidToken("链接已过期。 This link has expired.") from None
    except BadSignature:
        raise InvalidToken("链接无效（可能被改动或截断）。 "
                           "This link is not valid (it may have been altered or cut short).") from None
