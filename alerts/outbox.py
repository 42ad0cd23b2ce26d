"""The digest outbox in PostgreSQL: built once per subscriber and period, claimed before sending.

A row is claimed with `FOR UPDATE SKIP LOCKED` and a lease, so that two processes never send one digest.
Just before DATA the row records `stage = 'data'`; a lease that expires tells the next run what happened:
- stage before DATA: the message never reached the server; it goes back to pending and is sent;
- stage 'data': the server may have accepted it; the row becomes `unknown` and is not resent blindly
  (`cywatch outbox resend ID` sends it again, under the same Message-ID).
4xx replies and network errors put the row back to pending with a growing delay; 5xx fails it.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta

import psycopg

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8


def retry_after(attempts: int) -> timedelta:
    """Delay before a digest that got a 4xx is tried again: CYWATCH_SMTP_RETRY_AFTER (300 s) doubled per try."""
    base = float(os.environ.get("CYWATCH_SMTP_RETRY_AFTER", "300"))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def store_rendering(conn: psycopg.Connection, period: str, full_html: str) -> int:
    """Keep a group's full digest (with placeholders) once; returns its id."""
    return conn.execute("INSERT INTO digest_renderings (period, full_html) VALUES (%s, %s) RETURNING id",
                        [period, full_html]).fetchone()["id"]


def enqueue(conn: psycopg.Connection, *, subscriber_id: int, period: str, recipient: str, subject: str,
            message_id: str, message: bytes, rendering_id: int | None, counts: dict[str, int],
            last_change_id: int, last_article_id: int) -> bool:
    """Store a built digest as pending; False if this subscriber already has one for this period.

    The caller commits (a group of digests is stored in one transaction).
    """
    row = conn.execute(
        """
        INSERT INTO digests (subscriber_id, period, recipient, subject, message_id, message, rendering_id, counts,
                             last_change_id, last_article_id)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s)
        ON CONFLICT DO NOTHING RETURNING id
        """,
        [subscriber_id, period, recipient, subject, message_id, message, rendering_id, json.dumps(counts),
         last_change_id, last_article_id]).fetchone()
    return row is not None


def resolve_expired(conn: psycopg.Connection) -> tuple[int, int]:
    """Rows whose sender died: (sent again, marked unknown)."""
    requeued = conn.execute(
        "UPDATE digests SET state = 'pending', stage = NULL, lease_until = NULL, next_attempt_at = now(), "
        "last_error = 'the sending process stopped before the message reached the server; sending again' "
        "WHERE state = 'sending' AND lease_until < now() AND stage IS DISTINCT FROM 'data'").rowcount
    unknown = conn.execute(
        "UPDATE digests SET state = 'unknown', lease_until = NULL, last_error = 'the sending process stopped "
        "after handing the message to the server: it may have been delivered; `cywatch outbox resend ID` "
        "sends it again' WHERE state = 'sending' AND lease_until < now() AND stage = 'data'").rowcount
    conn.commit()
    return requeued, unknown


def claim(conn: psycopg.Connection, batch: int = 20, tried: set[int] | None = None) -> list[dict]:
    """Take up to `batch` digests that are due, leased to this process; those in `tried` wait for a later run."""
    rows = conn.execute(
        """
        UPDATE digests SET state = 'sending', stage = 'claimed', attempts = attempts + 1,
                           lease_until = now() + %s
        WHERE id IN (SELECT id FROM digests WHERE state = 'pending' AND next_attempt_at <= now()
                     AND id <> ALL(%s) ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
        RETURNING id, subscriber_id, period, recipient, message, attempts
        """, [LEASE, list(tried or ()), batch]).fetchall()
    conn.commit()
    return rows


def release(conn: psycopg.Connection, digest_ids: list[int]) -> None:
    """Give claimed digests back untouched (a stop was requested before they were tried)."""
    conn.execute("UPDATE digests SET state = 'pending', stage = NULL, lease_until = NULL, attempts = attempts - 1 "
                 "WHERE id = ANY(%s) AND state = 'sending'", [digest_ids])
    conn.commit()


def mark_stage(conn: psycopg.Connection, digest_id: int, stage: str) -> None:
    """Record how far a send got (committed at once: it must survive a crash)."""
    conn.execute("UPDATE digests SET stage = %s WHERE id = %s", [stage, digest_id])
    conn.commit()


def mark_sent(conn: psycopg.Connection, digest_id: int, delivered_to: str, reply: str) -> None:
    conn.execute("UPDATE digests SET state = 'sent', stage = NULL, sent_at = now(), lease_until = NULL, "
                 "delivered_to = %s, last_error = NULL WHERE id = %s", [delivered_to or reply, digest_id])
    conn.commit()


def mark_retry(conn: psycopg.Connection, digest_id: int, attempts: int, reply: str) -> str:
    """Back to pending after a 4xx or a network error (failed after MAX_ATTEMPTS); returns the new state."""
    state = "failed" if attempts >= MAX_ATTEMPTS else "pending"
    conn.execute("UPDATE digests SET state = %s, stage = NULL, lease_until = NULL, last_error = %s, "
                 "next_attempt_at = now() + %s WHERE id = %s", [state, reply, retry_after(attempts), digest_id])
    conn.commit()
    return state


def mark_failed(conn: psycopg.Connection, digest_id: int, reply: str) -> None:
    conn.execute("UPDATE digests SET state = 'failed', stage = NULL, lease_until = NULL, last_error = %s "
                 "WHERE id = %s", [reply, digest_id])
    conn.commit()


def resend(conn: psycopg.Connection, digest_id: int) -> bool:
    """Queue a failed or unknown digest again; False if there is no such row in those states."""
    done = conn.execute("UPDATE digests SET state = 'pending', stage = NULL, next_attempt_at = now() "
                        "WHERE id = %s AND state IN ('failed', 'unknown')", [digest_id]).rowcount
    conn.commit()
    return bool(done)


def listing(conn: psycopg.Connection, include_sent: bool = False) -> list[dict]:
    """Outbox rows (not sent ones unless asked), oldest first."""
    return conn.execute(
        "SELECT id, recipient, period, state, attempts, next_attempt_at, last_error, sent_at, delivered_to "
        "FROM digests WHERE %s OR state <> 'sent' ORDER BY id", [include_sent]).fetchall()
