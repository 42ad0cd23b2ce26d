"""What readers change themselves on the web: subscribe (after confirming), preferences, unsubscribe.

Every write is recorded in `web_events` (what, for whom, from where). These are the only
functions through which the web writes subscribers, so that a change to how subscribers are stored has few
places to follow.
"""

from __future__ import annotations

from psycopg.types.json import Jsonb

from alerts import subscribers
from db.connection import Connection


def record(conn: Connection, action: str, email: str, subscriber_id: int | None, remote: str,
           **detail: object) -> None:
    """One row of web_events (not committed: the caller's write commits it)."""
    conn.execute("INSERT INTO web_events (action, subscriber_id, email, detail, remote) VALUES (%s, %s, %s, %s, %s)",
                 [action, subscriber_id, email, Jsonb(detail), remote])


def unsubscribe(conn: Connection, subscriber_id: int, remote: str) -> str | None:
    """Unsubscribe through a signed link, recorded; returns the address."""
    row = conn.execute("SELECT email FROM subscribers WHERE id = %s", [subscriber_id]).fetchone()
    if row is None:
        return None
    record(conn, "unsubscribed", row["email"], subscriber_id, remote)
    return subscribers.unsubscribe(conn, subscriber_id)  # commits both


def request_subscription(conn: Connection, email: str, remote: str, **wanted: object) -> None:
    """Record that a confirmation link was mailed to `email` (nothing is subscribed until it is followed)."""
    record(conn, "subscribe_requested", email, None, remote, **wanted)
    conn.commit()


def confirm_subscription(conn: Connection, email: str, regions: list[str], metrics: list[str],
                         frequency: str, remote: str) -> subscribers.Added:
    """Subscribe an address whose reader followed the mailed link, with the filters they chose.

    The reader asked, so an address that had unsubscribed comes back (a new generation of links).
    """
    added = subscribers.add(conn, email, regions=regions, metrics=metrics, frequency=frequency,
                            resubscribe=True, clear_filters=True)
    row = conn.execute("SELECT id FROM subscribers WHERE email = %s", [added.email]).fetchone()
    record(conn, "subscribe_confirmed", added.email, row["id"] if row else None, remote,
           regions=regions, metrics=metrics, frequency=frequency)
    conn.commit()
    return added


def update_preferences(conn: Connection, subscriber_id: int, email: str, regions: list[str],
                       metrics: list[str], frequency: str, remote: str) -> None:
    """A subscriber's own change of filters and frequency (from the manage page), recorded."""
    subscribers.add(conn, email, regions=regions, metrics=metrics, frequency=frequency, clear_filters=True)
    record(conn, "preferences", email, subscriber_id, remote, regions=regions, metrics=metrics, frequency=frequency)
    conn.commit()
