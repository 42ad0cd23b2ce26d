"""`cywatch digest`: bring the diff up to date, build each due digest once, send what is due.

Building and sending are separate: a digest is built into the outbox (one row per target and period,
never an empty one: a subscriber's email address and each chat bot or webhook they added), then rows are
claimed and sent. Running it again, or in two processes at once, sends each digest once.

Sending runs CYWATCH_SEND_WORKERS workers side by side, each like a process of its own: its own database
session and claim token, its own connection per channel (one SMTP connection for many messages). Each
message costs one write to disk before it can be delivered (the mark before DATA); workers in parallel
share those writes (PostgreSQL commits them together) while each waits on its server.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import psycopg

from alerts import channels, conditions, outbox
from alerts.channels import DigestInput, Outgoing, Sender
from alerts.digest import Period, gather, period_for, render_for_group, signed_links, source_trouble
from alerts.subscribers import label
from alerts.transport import FileSender
from crawler.extract.identity import MatchOptions
from db import confirm, diff
from db.commit_order import Marks, committed_marks
from db.connection import Connection, Row, connect
from settings import Settings

log = logging.getLogger("cywatch.digest")


@dataclass
class Report:
    """What one `cywatch digest` did."""

    compared: int = 0
    built: int = 0
    sent: int = 0
    retrying: list[str] = field(default_factory=list)  # "address: reply"
    failed: list[str] = field(default_factory=list)
    requeued: int = 0
    unknown: int = 0
    diff_error: str | None = None  # the diff failed: the digests hold what was compared before
    written_to: Path | None = None
    dry_run: list[Path] = field(default_factory=list)


def build(conn: Connection, settings: Settings, day: date, report: Report,
          dry_run: Path | None = None) -> None:
    """Build the due digest of every active subscriber that has none for its period, for each of its targets.

    Subscribers whose digests hold the same thing (same filters and conditions, same last digest) are gathered and rendered
    once; each target still gets its own payload (an email with its address, signed links and Message-ID; a
    chat message). A target added after a subscriber's digest of a period was built starts with the next.
    Ends with ANALYZE of the outbox: right after a build its statistics are blind, and the claims would
    scan and sort every pending row.
    """
    subscribers = conn.execute(
        """
        SELECT s.*, coalesce(max(d.change_mark), 0) AS mark_change, coalesce(max(d.article_mark), 0) AS mark_article,
               (SELECT coalesce(json_agg(json_build_object('id', t.id, 'channel', t.channel, 'address', t.address)
                                         ORDER BY t.id), '[]') FROM subscriber_targets t
                WHERE t.subscriber_id = s.id) AS targets
        FROM subscribers s LEFT JOIN digests d ON d.subscriber_id = s.id
        WHERE s.unsubscribed_at IS NULL
        GROUP BY s.id ORDER BY s.id
        """).fetchall()
    done = {r["subscriber_id"] for r in conn.execute("SELECT DISTINCT subscriber_id FROM digests WHERE period = ANY(%s)",
                                                     [[p.key for p in _periods(day)]])}
    groups: dict[tuple[object, ...], list[Row]] = {}
    for subscriber in subscribers:
        period = period_for(subscriber["frequency"], day)
        if period is None or (subscriber["id"] in done and not dry_run) or not subscriber["targets"]:
            continue
        key = (period.key, tuple(subscriber["regions"]), tuple(subscriber["metrics"]), subscriber["operator"],
               conditions.key(subscriber["conditions"]), subscriber["mark_change"], subscriber["mark_article"])
        groups.setdefault(key, []).append(subscriber)
    health = source_trouble(conn)
    upto = committed_marks(conn)  # after the marks above: a digest never covers less than the last one
    for members in groups.values():
        try:
            _build_group(conn, settings, period_for(members[0]["frequency"], day), members, health, upto,
                         report, dry_run)
        except Exception as error:  # one bad group must not cost everyone else their digest
            conn.rollback()
            log.exception("could not build the digest of %s", ", ".join(label(m) for m in members))
            report.failed.extend(f"{label(m)}: could not build the digest: {error}" for m in members)
    if report.built and not dry_run:
        conn.execute("ANALYZE digests")
        conn.commit()


def _build_group(conn: Connection, settings: Settings, period: Period | None, members: list[Row],
                 health: list[Row], upto: Marks, report: Report, dry_run: Path | None) -> None:
    """Gather and render once for subscribers whose digests hold the same thing; store one per target."""
    assert period is not None
    first = members[0]
    content = gather(conn, first, health, upto, settings.zone)
    if not content.worth_sending(first["operator"]):
        return
    template = render_for_group(content, period, first, settings)
    rendering = None if dry_run else outbox.store_rendering(conn, period.key, template.full_html)
    for subscriber in members:
        links = signed_links(subscriber, period.key, settings)
        for target in subscriber["targets"]:
            shown = channels.redact(target["channel"], target["address"])
            try:
                with conn.transaction():  # a savepoint: one target's failure leaves the others stored
                    channel = channels.get(target["channel"])
                    payload = channel.payload(DigestInput(
                        template=template, content=content, period=period, subscriber=subscriber,
                        target_id=target["id"], address=target["address"], full_url=links["full"], settings=settings,
                        manage_url=links["manage"], unsubscribe_url=links["unsubscribe"]))
                    if dry_run:
                        report.dry_run.append(_write_preview(dry_run, period, target["channel"], target["id"],
                                                             payload.recipient, payload.body))
                        continue
                    if outbox.enqueue(conn, subscriber_id=subscriber["id"], target_id=target["id"],
                                      channel=target["channel"], period=period.key, payload=payload,
                                      rendering_id=rendering, counts=content.counts(),
                                      change_mark=content.change_mark, article_mark=content.article_mark):
                        report.built += 1
            except Exception as error:  # reported per target; the rest of the group goes on
                log.exception("could not build the digest of %s", shown)
                report.failed.append(f"{shown}: could not build the digest: {error}")
    conn.commit()


def _write_preview(folder: Path, period: Period, channel: str, target_id: int, recipient: str, body: bytes) -> Path:
    """A dry run's file: RECIPIENT.eml for email, CHANNEL-TARGET.json for the others."""
    if channel == "email":
        return Path(FileSender(folder).send("", recipient, body, period=period.key).delivered_to)
    path = folder / period.key / f"{channel}-{target_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return path


def _periods(day: date) -> list[Period]:
    return [p for p in (period_for("daily", day), period_for("weekly", day)) if p]


class _Run:
    """What the workers of one send share: the report (under a lock), when it started claiming, the stop."""

    def __init__(self, settings: Settings, report: Report, should_stop: Callable[[], bool],
                 endpoints: Mapping[str, str], started: datetime) -> None:
        self.settings, self.report, self.should_stop, self.endpoints = settings, report, should_stop, endpoints
        self.lock = threading.Lock()
        self.due_by = started  # a digest is tried once per run: one put back is due after this
        self.errors: list[BaseException] = []


def send_due(conn: Connection, settings: Settings, report: Report,
             should_stop: Callable[[], bool] = lambda: False, endpoints: Mapping[str, str] | None = None) -> None:
    """Send every digest that is due, until none is left to claim (or a stop is requested between two).

    `endpoints` replaces a channel's API base URL (by channel name): a local receiver, a proxy.
    """
    requeued, unknown = outbox.resolve_expired(conn)
    report.requeued += requeued
    report.unknown += unknown
    run = _Run(settings, report, should_stop, endpoints or {}, outbox.run_started(conn))
    conn.commit()
    if settings.send_workers == 1:
        autocommit, conn.autocommit = conn.autocommit, True  # every mark is one statement, one round trip
        try:
            _worker(conn, run)
        finally:
            conn.autocommit = autocommit
    else:
        threads = [threading.Thread(target=_worker_with_own_session, args=(run,), name=f"cywatch-send-{i}")
                   for i in range(settings.send_workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if run.errors:
            raise run.errors[0]
    outbox.forget_claims(conn)
    if settings.smtp is None and report.sent:
        report.written_to = settings.data_dir / "outbox"


def _worker_with_own_session(run: _Run) -> None:
    try:
        with connect(run.settings, autocommit=True) as conn:  # every mark: one statement, one round trip
            _worker(conn, run)
    except BaseException as error:  # handed to send_due, which raises it in the caller's thread
        log.exception("a sending worker stopped")
        with run.lock:
            run.errors.append(error)


class _Marks:
    """One worker's writes around a send. A message accepted waits to be recorded as sent together with the
    next message's mark before DATA: one round trip per message, not two. Until then it is in stage
    'data', so a sender that dies meanwhile leaves it unknown (never sent twice); flush() records it alone
    at the end of a batch, before anything else is recorded, and when the worker stops."""

    def __init__(self, conn: Connection, claimer: str, run: _Run) -> None:
        self.conn, self.claimer, self.run = conn, claimer, run
        self.pending: tuple[Outgoing, str] | None = None  # (row, delivered to)

    def _credit(self, row: Outgoing, recorded: bool) -> None:
        if recorded:
            with self.run.lock:
                self.run.report.sent += 1
        else:  # the process that took it over reports it
            log.warning("%s: sent, but another process had taken the digest over meanwhile", row.recipient)

    def before_send(self, row: Outgoing) -> None:
        """The mark before DATA (with the previous message's "sent"); LeaseLost if the row is no longer ours."""
        pending, self.pending = self.pending, None
        recorded, marked = outbox.mark_data(self.conn, row.id, self.claimer,
                                            (pending[0].id, pending[1]) if pending else None)
        if pending:
            self._credit(pending[0], recorded)
        if not marked:
            raise outbox.LeaseLost(f"digest {row.id} was taken over by another process (or its lease ended)")

    def sent(self, row: Outgoing, delivered_to: str) -> None:
        """Accepted: recorded with the next mark, or by flush()."""
        self.flush()
        self.pending = (row, delivered_to)

    def flush(self) -> None:
        """Record a waiting "sent" now."""
        if self.pending:
            (row, delivered_to), self.pending = self.pending, None
            self._credit(row, outbox.mark_sent(self.conn, row.id, self.claimer, delivered_to, ""))


def _worker(conn: Connection, run: _Run) -> None:
    """Claim a batch at a time and send it, one connection per channel kept for the whole run."""
    claimer = outbox.new_claimer()
    senders: dict[str, Sender] = {}
    marks = _Marks(conn, claimer, run)
    with ExitStack() as closing:
        def sender_for(channel: str) -> Sender:
            if channel not in senders:
                found = channels.get(channel).sender(run.settings, run.endpoints.get(channel))
                senders[channel] = found
                closing.callback(found.close)
            return senders[channel]

        closing.callback(marks.flush)  # runs last (after the senders close): a waiting "sent" is recorded whatever happens
        while not run.should_stop() and (rows := _claim(conn, claimer, run)):
            claimed_at = time.monotonic()
            for index, row in enumerate(rows):
                if run.should_stop():  # the claimed rest goes back, untouched
                    outbox.release(conn, [r.id for r in rows[index:]], claimer)
                    return
                if time.monotonic() - claimed_at > outbox.LEASE.total_seconds() / 2:  # slow going: keep the rest
                    outbox.renew(conn, [r.id for r in rows[index:]], claimer)
                    claimed_at = time.monotonic()
                try:
                    sender = sender_for(row.channel)
                except (KeyError, ValueError) as error:  # a channel this version does not know
                    outbox.mark_failed(conn, row.id, claimer, f"cannot send on channel {row.channel!r}: {error}")
                    continue
                try:
                    _send_one(conn, sender, row, claimer, run, marks)
                except outbox.LeaseLost as lost:  # too slow: another run has it now, and sends it
                    sender.close()  # a transaction cut before DATA delivers nothing
                    log.warning("%s: %s", row.recipient, lost)
            marks.flush()


def _claim(conn: Connection, claimer: str, run: _Run) -> list[Outgoing]:
    return outbox.claim(conn, claimer, run.due_by)


def _send_one(conn: Connection, sender: Sender, row: Outgoing, claimer: str, run: _Run, marks: _Marks) -> None:
    """Send one claimed digest and record what became of it."""
    outcome = sender.send(row, before_send=lambda: marks.before_send(row))
    line = f"{row.recipient}: {outcome.reply}"
    report = run.report
    log.info("%s %s: %s", row.recipient, outcome.kind, outcome.reply)
    if outcome.kind == "sent":
        marks.sent(row, outcome.delivered_to or outcome.reply)
        return
    if outcome.kind == "unknown":
        recorded = outbox.mark_unknown(conn, row.id, claimer, outcome.reply)
        with run.lock:
            report.unknown += recorded
    elif outcome.kind == "deferred":
        recorded = outbox.defer(conn, row.id, claimer, outcome.retry_after)
        if recorded:
            with run.lock:
                report.retrying.append(line)
    elif outcome.kind == "retry":
        state = outbox.mark_retry(conn, row.id, claimer, row.attempts, outcome.reply, run.settings.smtp_retry_after,
                                  outcome.retry_after)
        recorded = state is not None
        if recorded:
            with run.lock:
                (report.failed if state == "failed" else report.retrying).append(line)
    else:
        recorded = outbox.mark_failed(conn, row.id, claimer, outcome.reply)
        if recorded:
            with run.lock:
                report.failed.append(line)
    if not recorded:  # the process that took it over reports it
        log.warning("%s: %s, but another process had taken the digest over meanwhile", row.recipient, outcome.kind)


def run(conn: Connection, settings: Settings, day: date, dry_run: Path | None = None,
        should_stop: Callable[[], bool] = lambda: False) -> Report:
    """The whole digest step for `day`."""
    report = Report()
    try:
        report.compared = diff.compute(conn, options=MatchOptions.of(settings))
        confirm.refresh(conn)  # which figures other sources confirm or contradict
    except (psycopg.Error, diff.NoBaseline) as error:  # digests still carry what was compared before
        conn.rollback()
        report.diff_error = " ".join(str(error).split())
        log.error("the diff failed, digests hold what was compared before: %s", report.diff_error)
    build(conn, settings, day, report, dry_run)
    if not dry_run:
        send_due(conn, settings, report, should_stop)
    return report
