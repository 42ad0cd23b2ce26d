"""Subscribers: who gets a digest, how often, filtered to which regions and metrics."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from email_validator import EmailNotValidError, validate_email

from crawler.extract.lexicon import lexicon


class SubscriberError(ValueError):
    """An address or a preference that cannot be accepted; the message says why."""


@dataclass(frozen=True, slots=True)
class Added:
    """What `add` did."""

    email: str
    created: bool  # False: the address existed (its preferences were updated, a past unsubscribe lifted)


def normalise_email(address: str) -> str:
    """A syntactically valid address, normalised (domain in lower case); SubscriberError otherwise."""
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise SubscriberError(f"not a valid email address: {address!r} ({error})") from None


def canonical_regions(names: list[str]) -> list[str]:
    """Region filters as canonical names (重庆市 -> 重庆); SubscriberError names unknown ones."""
    lex = lexicon()
    regions, unknown = [], []
    for name in names:
        region = lex.region(name.strip())
        (regions.append(region.name) if region else unknown.append(name))
    if unknown:
        raise SubscriberError(f"unknown region(s): {', '.join(unknown)} (see crawler/extract/data/regions.tsv)")
    return sorted(set(regions))


def canonical_metrics(names: list[str]) -> list[str]:
    """Metric filters, canonicalised through the lexicon (规模以上工业增加值 -> 规上工业增加值)."""
    lex = lexicon()
    return sorted({lex.canonical_metric(name.strip()) for name in names if name.strip()})


def add(conn: psycopg.Connection, email: str, *, name: str | None = None, regions: list[str] | None = None,
        metrics: list[str] | None = None, frequency: str = "daily", operator: bool = False) -> Added:
    """Add a subscriber, or update an existing one's preferences (and lift a past unsubscribe)."""
    if frequency not in ("daily", "weekly"):
        raise SubscriberError(f"frequency must be daily or weekly, not {frequency!r}")
    address = normalise_email(email)
    row = conn.execute(
        """
        INSERT INTO subscribers (email, name, regions, metrics, frequency, operator) VALUES (%s, %s, %s, %s, %s, %s)
        ON CONFLICT (email) DO UPDATE SET name = coalesce(excluded.name, subscribers.name),
            regions = excluded.regions, metrics = excluded.metrics, frequency = excluded.frequency,
            operator = excluded.operator, unsubscribed_at = NULL
        RETURNING (xmax = 0) AS created
        """,
        [address, name, canonical_regions(regions or []), canonical_metrics(metrics or []), frequency, operator],
    ).fetchone()
    conn.commit()
    return Added(address, bool(row["created"]))


def remove(conn: psycopg.Connection, email: str) -> bool:
    """Delete a subscriber and their digests; False if there was none."""
    deleted = conn.execute("DELETE FROM subscribers WHERE email = %s", [normalise_email(email)]).rowcount
    conn.commit()
    return bool(deleted)


def unsubscribe(conn: psycopg.Connection, subscriber_id: int) -> str | None:
    """Mark a subscriber unsubscribed (kept, so that the address is not mailed again); returns the email."""
    row = conn.execute(
        "UPDATE subscribers SET unsubscribed_at = coalesce(unsubscribed_at, now()) WHERE id = %s RETURNING email",
        [subscriber_id]).fetchone()
    conn.commit()
    return row["email"] if row else None


def all_subscribers(conn: psycopg.Connection) -> list[dict]:
    """Every subscriber, active first, by address."""
    return conn.execute("SELECT * FROM subscribers ORDER BY unsubscribed_at IS NOT NULL, email").fetchall()
