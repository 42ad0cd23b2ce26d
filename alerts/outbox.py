"""The digest outbox in PostgreSQL: built once per target and period, claimed before sending.

Every channel (alerts.channels: email, chat bots, webhooks) goes through it alike: a row holds the
channel's payload and idempotency key; "DATA" below is, for a webhook, the moment the request is sent.
Rows are claimed in batches, by one query.

A row is claimed with `FOR UPDATE SKIP LOCKED` and a lease, so that two processes never send one digest.
Just before DATA the row records `stage = 'data'`; a lease that expires tells the next run what happened:
- stage before DATA: the message never reached the server; it goes back to pending and is sent;
- stage 'data': the server may have accepted it; the row becomes `unknown` and is not resent blindly
  (`cywatch outbox resend ID` sends it again, under the same Message-ID).
The same holds for a sender that lives: a connection that drops, resets or stays silent once DATA has begun
makes the row `unknown` at once. 4xx replies and network errors before DATA put the row back to pending with
a growing delay; 5xx fails it.

Each claim carries a token (`claimed_by`). The lease is renewed with the mark before each message; every
later update names the token, so a sender whose lease expired and was taken over can no longer touch the
row (and does not send it).

Claims are committed to disk; the marks before DATA and the outcomes are committed without waiting for
it (one fsync per message would cap a sender at the disk's pace, well below an SMTP server's). Such a
commit is visible at once and survives the sender's death; only a crash of PostgreSQL can lose it, and
that crash also empties the unlogged `send_claims`, so the next run calls that claim's rows unknown
instead of sending them again (a lost mark can never become a second copy).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import LiteralString

from psycopg import sql

from alerts.channels.base import Outgoing, Payload
from db.connection import Connection, Row, one

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8


class LeaseLost(RuntimeError):
    """Another process took over a digest this one had claimed (its lease expired): leave it alone."""


def new_claimer() -> str:
    """A token naming one sending process's claims."""
    return str(uuid.uuid4())


def retry_after(attempts: int, base: float) -> timedelta:
    """Delay before a digest that got a 4xx is tried again: `base` seconds (CYWATCH_SMTP_RETRY_AFTER) doubled
    per try, at most 6 hours."""
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def store_rendering(conn: Connection, period: str, full_html: str) -> int:
    """Keep a group's full digest (with placeholders) once; returns its id."""
    return int(one(conn.execute("INSERT INTO digest_renderings (period, full_html) VALUES (%s, %s) RETURNING id",
                                [period, full_html]))["id"])


def enqueue(conn: Connection, *, subscriber_id: int, target_id: int, channel: str, period: str,
            payload: Payload, rendering_id: int | None, counts: dict[str, int], change_mark: int,
            article_mark: int) -> bool:
    """Store a built digest as pending; False if this target already has one for this period.

    The caller commits (a group of digests is stored in one transaction).
    """
    row = conn.execute(
        """
        INSERT INTO digests (subscriber_id, target_id, channel, period, recipient, subject, idempotency_key,
                             payload, rendering_id, counts, change_mark, article_mark)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s)
        ON CONFLICT DO NOTHING RETURNING id
        """,
        [subscriber_id, target_id, channel, period, payload.recipient, payload.subject, payload.idempotency_key,
         payload.body, rendering_id, json.dumps(counts), change_mark, article_mark]).fetchone()
    return row is not None


def resolve_expired(conn: Connection) -> tuple[int, int]:
    """Rows whose sender died: (sent again, marked unknown).

    Before DATA and with the claim still vouched for (`send_claims`: PostgreSQL has not crashed since),
    the message never left: it goes back to pending. After DATA, or when a crash of PostgreSQL may have
    lost the marks, it may have been delivered: unknown.
    """
    requeued = conn.execute(
        "UPDATE digests SET state = 'pending', stage = NULL, lease_until = NULL, next_attempt_at = now(), "
        "last_error = 'the sending process stopped before the message reached the server; sending again' "
        "WHERE state = 'sending' AND lease_until < now() AND stage IS DISTINCT FROM 'data' "
        "AND EXISTS (SELECT 1 FROM send_claims c WHERE c.claimed_by = digests.claimed_by)").rowcount
    unknown = conn.execute(
        "UPDATE digests SET state = 'unknown', lease_until = NULL, last_error = CASE WHEN stage = 'data' THEN "
        "'the sending process stopped after handing the message to the server: it may have been delivered; "
        "`cywatch outbox resend ID` sends it again' ELSE 'PostgreSQL restarted after a crash while the digest "
        "was being sent: it may have been delivered; `cywatch outbox resend ID` sends it again' END "
        "WHERE state = 'sending' AND lease_until < now() AND (stage = 'data' "
        "OR NOT EXISTS (SELECT 1 FROM send_claims c WHERE c.claimed_by = digests.claimed_by))").rowcount
    forget_claims(conn)
    return requeued, unknown


def forget_claims(conn: Connection) -> None:
    """Drop the `send_claims` rows no digest being sent refers to any more; commits."""
    conn.execute("DELETE FROM send_claims c WHERE NOT EXISTS "
                 "(SELECT 1 FROM digests d WHERE d.claimed_by = c.claimed_by AND d.state = 'sending')")
    conn.commit()


def run_started(conn: Connection) -> datetime:
    """The moment a run starts claiming: it claims only digests due by then (see claim)."""
    return one(conn.execute("SELECT clock_timestamp() AS t"))["t"]  # type: ignore[no-any-return]


def claim(conn: Connection, claimer: str, due_by: datetime, batch: int = 25) -> list[Outgoing]:
    """Take up to `batch` digests due by `due_by`, in one query, leased to `claimer`; oldest first.

    A run passes the moment it started (run_started): a digest it put back (a 4xx, a pause) is due later
    than that, so each digest is tried once per run, whatever the number of rows. Committed to disk, with
    the claimer's row in `send_claims`."""
    rows = conn.execute(
        """
        WITH vouch AS (INSERT INTO send_claims (claimed_by) VALUES (%s) ON CONFLICT DO NOTHING),
             picked AS (SELECT id FROM digests WHERE state = 'pending' AND next_attempt_at <= %s
                        ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
        UPDATE digests d SET state = 'sending', stage = 'claimed', attempts = d.attempts + 1,
                             lease_until = now() + %s, claimed_by = %s
        FROM picked, subscriber_targets t WHERE d.id = picked.id AND t.id = d.target_id
        RETURNING d.id, d.channel, t.address, d.recipient, d.period, d.payload, d.idempotency_key, d.attempts
        """, [claimer, due_by, batch, LEASE, claimer]).fetchall()
    conn.commit()
    return sorted((Outgoing(id=r["id"], channel=r["channel"], address=r["address"], recipient=r["recipient"],
                            period=r["period"], body=bytes(r["payload"]), idempotency_key=r["idempotency_key"],
                            attempts=r["attempts"]) for r in rows), key=lambda o: o.id)


def _update_claimed(conn: Connection, digest_id: int, claimer: str, assignments: LiteralString,
                    params: list[object], *, within_lease: bool = False, durable: bool = True) -> bool:
    """Apply `assignments` (SQL of this module) to a digest this claimer still holds; False if it lost it.

    `within_lease`: only while the lease runs (once it has ended, another run may take the row over).
    `durable=False` commits without waiting for the disk (synchronous_commit off): the update is visible
    at once and survives the sender; a crash of PostgreSQL may lose it, and then empties `send_claims`,
    which makes the claimed rows unknown (see resolve_expired).
    """
    # synchronous_commit is read at commit time; set_config(..., true) sets it for this transaction alone,
    # in the statement itself (a sender's session runs in autocommit: one round trip per update)
    query = sql.SQL("{}UPDATE digests SET {} {}WHERE id = %s AND state = 'sending' AND claimed_by = %s{}").format(
        sql.SQL("" if durable else "WITH lazy AS (SELECT set_config('synchronous_commit', 'off', true)) "),
        sql.SQL(assignments), sql.SQL("" if durable else "FROM lazy "),
        sql.SQL(" AND lease_until > now()" if within_lease else ""))
    done = conn.execute(query, [*params, digest_id, claimer]).rowcount
    conn.commit()
    return bool(done)


def release(conn: Connection, digest_ids: list[int], claimer: str) -> None:
    """Give claimed digests back untouched (a stop was requested before they were tried)."""
    for digest_id in digest_ids:
        _update_claimed(conn, digest_id, claimer, "state = 'pending', stage = NULL, lease_until = NULL, "
                        "claimed_by = NULL, attempts = attempts - 1", [])


def renew(conn: Connection, digest_ids: list[int], claimer: str) -> None:
    """Extend the lease of claimed digests still waiting their turn (one query); those taken over meanwhile
    are left to their new holder (their mark before sending then fails)."""
    conn.execute("UPDATE digests SET lease_until = now() + %s WHERE id = ANY(%s) AND state = 'sending' "
                 "AND claimed_by = %s", [LEASE, digest_ids, claimer])
    conn.commit()


def defer(conn: Connection, digest_id: int, claimer: str, seconds: float) -> bool:
    """Back to pending, untried (the server asked to slow down before it was sent), due in `seconds`."""
    return _update_claimed(conn, digest_id, claimer, "state = 'pending', stage = NULL, lease_until = NULL, "
                           "claimed_by = NULL, attempts = attempts - 1, next_attempt_at = now() + %s",
                           [timedelta(seconds=seconds)], durable=False)


def mark_data(conn: Connection, digest_id: int, claimer: str,
              sent: tuple[int, str] | None = None) -> tuple[bool, bool]:
    """Record that a message is about to be handed over (stage 'data'), extending its lease; with `sent`
    (id, delivered to), record in the same statement that the previous message was accepted.

    One round trip, committed at once (it must survive the sender), not waiting for the disk (a crash of
    PostgreSQL that loses it also empties `send_claims`: see claim). Returns (the previous one recorded as
    sent, this one marked). Not marked: the row was taken over, or its lease ended meanwhile; a run that
    takes it over then must find it before DATA, and send it, rather than find it in DATA and call its fate
    unknown: the caller must not send it (LeaseLost).
    """
    row = one(conn.execute(
        """
        WITH lazy AS (SELECT set_config('synchronous_commit', 'off', true)),
        done AS (UPDATE digests SET state = 'sent', stage = NULL, sent_at = now(), lease_until = NULL,
                                    delivered_to = %(delivered)s, last_error = NULL
                 FROM lazy WHERE id = %(sent)s AND state = 'sending' AND claimed_by = %(claimer)s RETURNING 1),
        marked AS (UPDATE digests SET stage = 'data', lease_until = now() + %(lease)s
                   FROM lazy WHERE id = %(id)s AND state = 'sending' AND claimed_by = %(claimer)s
                                   AND lease_until > now() RETURNING 1)
        SELECT (SELECT count(*) FROM done) AS done, (SELECT count(*) FROM marked) AS marked
        """, {"delivered": sent[1] if sent else None, "sent": sent[0] if sent else None, "claimer": claimer,
              "lease": LEASE, "id": digest_id}))
    conn.commit()
    return bool(row["done"]), bool(row["marked"])


def mark_stage(conn: Connection, digest_id: int, claimer: str, stage: str = "data") -> None:
    """mark_data alone; LeaseLost if the row was taken over, or its lease ended meanwhile."""
    if not mark_data(conn, digest_id, claimer)[1]:
        raise LeaseLost(f"digest {digest_id} was taken over by another process (or its lease ended)")


def mark_sent(conn: Connection, digest_id: int, claimer: str, delivered_to: str, reply: str) -> bool:
    """The server accepted the message (False: the claim was lost meanwhile, and nothing was recorded)."""
    return _update_claimed(conn, digest_id, claimer, "state = 'sent', stage = NULL, sent_at = now(), "
                           "lease_until = NULL, delivered_to = %s, last_error = NULL", [delivered_to or reply],
                           durable=False)


def mark_retry(conn: Connection, digest_id: int, claimer: str, attempts: int, reply: str,
               retry_base: float, at_least: float = 0.0) -> str | None:
    """Back to pending after a 4xx or a network error (failed after MAX_ATTEMPTS); returns the new state.

    The next try waits `retry_after(attempts, retry_base)`, or `at_least` seconds (what a 429 asked).

    None: the claim was lost meanwhile, and the process that holds it now decides.
    """
    state = "failed" if attempts >= MAX_ATTEMPTS else "pending"
    recorded = _update_claimed(conn, digest_id, claimer, "state = %s, stage = NULL, lease_until = NULL, "
                               "last_error = %s, next_attempt_at = now() + %s",
                               [state, reply, max(retry_after(attempts, retry_base), timedelta(seconds=at_least))],
                               durable=False)
    return state if recorded else None


def mark_unknown(conn: Connection, digest_id: int, claimer: str, reply: str) -> bool:
    """No reply after DATA: it may have been delivered, so it waits for `cywatch outbox resend ID`."""
    return _update_claimed(conn, digest_id, claimer, "state = 'unknown', stage = NULL, lease_until = NULL, "
                           "last_error = %s", [f"{reply}; `cywatch outbox resend ID` sends it again"], durable=False)


def mark_failed(conn: Connection, digest_id: int, claimer: str, reply: str) -> bool:
    """Refused for good (a 5xx, or a message that cannot be sent at all); False if the claim was lost."""
    return _update_claimed(conn, digest_id, claimer, "state = 'failed', stage = NULL, lease_until = NULL, "
                           "last_error = %s", [reply], durable=False)


def resend(conn: Connection, digest_id: int) -> bool:
    """Queue a failed or unknown digest again, with a fresh count of attempts; False if there is none such."""
    done = conn.execute("UPDATE digests SET state = 'pending', stage = NULL, attempts = 0, next_attempt_at = now() "
                        "WHERE id = %s AND state IN ('failed', 'unknown')", [digest_id]).rowcount
    conn.commit()
    return bool(done)


def listing(conn: Connection, include_sent: bool = False) -> list[Row]:
    """Outbox rows (not sent ones unless asked), oldest first; `target` (and `recipient`) is where the row
    goes, redacted by its channel (a bot's token, a webhook's secret hidden: alerts.channels.redact)."""
    from alerts import channels

    rows = conn.execute(
        "SELECT d.id, d.channel, t.address, d.period, d.state, d.attempts, d.next_attempt_at, d.last_error, "
        "d.sent_at, d.delivered_to FROM digests d JOIN subscriber_targets t ON t.id = d.target_id "
        "WHERE %s OR d.state <> 'sent' ORDER BY d.id", [include_sent]).fetchall()
    for row in rows:
        row["target"] = row["recipient"] = channels.redact(row["channel"], row.pop("address"))
    return rows


def full_digest(conn: Connection, subscriber_id: object, period: object) -> Row | None:
    """A sent digest's untruncated HTML (`full_html`, with placeholders) and its subscriber, for its link."""
    return conn.execute(
        "SELECT r.full_html, s.id, s.email, s.generation FROM digests d "
        "JOIN digest_renderings r ON r.id = d.rendering_id JOIN subscribers s ON s.id = d.subscriber_id "
        "WHERE d.subscriber_id = %s AND d.period = %s "
        "ORDER BY d.id LIMIT 1",  # every target of a subscriber's period shares its rendering
        [subscriber_id, period]).fetchone()
