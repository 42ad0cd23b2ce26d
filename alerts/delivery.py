"""`cywatch digest`: bring the diff up to date, build each due digest once, send what is due.

Building and sending are separate: a digest is built into the outbox (one row per subscriber and period,
never an empty one), then rows are claimed and sent. Running it again, or in two processes at once, sends
each digest once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from email.utils import parseaddr
from pathlib import Path

import psycopg

from alerts import outbox
from alerts.digest import Period, gather, period_for, personalise, render_for_group, source_trouble
from alerts.subscribers import envelope_address
from alerts.transport import FileSender, SmtpSender
from crawler.extract.identity import MatchOptions
from db import diff
from db.commit_order import Marks, committed_marks
from db.connection import Connection, Row
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
    """Build the due digest of every active subscriber that has none for its period.

    Subscribers whose digests hold the same thing (same filters, same last digest) are gathered and rendered
    once; each still gets their own address, signed links and Message-ID.
    """
    subscribers = conn.execute(
        """
        SELECT s.*, coalesce(max(d.change_mark), 0) AS mark_change, coalesce(max(d.article_mark), 0) AS mark_article
        FROM subscribers s LEFT JOIN digests d ON d.subscriber_id = s.id
        WHERE s.unsubscribed_at IS NULL
        GROUP BY s.id ORDER BY s.id
        """).fetchall()
    done = {r["subscriber_id"] for r in conn.execute("SELECT subscriber_id FROM digests WHERE period = ANY(%s)",
                                                     [[p.key for p in _periods(day)]])}
    groups: dict[tuple[object, ...], list[Row]] = {}
    for subscriber in subscribers:
        period = period_for(subscriber["frequency"], day)
        if period is None or (subscriber["id"] in done and not dry_run):
            continue
        key = (period.key, tuple(subscriber["regions"]), tuple(subscriber["metrics"]), subscriber["operator"],
               subscriber["mark_change"], subscriber["mark_article"])
        groups.setdefault(key, []).append(subscriber)
    health = source_trouble(conn)
    upto = committed_marks(conn)  # after the marks above: a digest never covers less than the last one
    for members in groups.values():
        try:
            _build_group(conn, settings, period_for(members[0]["frequency"], day), members, health, upto,
                         report, dry_run)
        except Exception as error:  # one bad group must not cost everyone else their digest
            conn.rollback()
            log.exception("could not build the digest of %s", ", ".join(m["email"] for m in members))
            report.failed.extend(f"{m['email']}: could not build the digest: {error}" for m in members)


def _build_group(conn: Connection, settings: Settings, period: Period | None, members: list[Row],
                 health: list[Row], upto: Marks, report: Report, dry_run: Path | None) -> None:
    """Gather and render once for subscribers whose digests hold the same thing; store one each."""
    assert period is not None
    first = members[0]
    content = gather(conn, first, health, upto, settings.zone)
    if not content.worth_sending(first["operator"]):
        return
    template = render_for_group(content, period, first, settings)
    rendering = None if dry_run else outbox.store_rendering(conn, period.key, template.full_html)
    for subscriber in members:
        try:
            with conn.transaction():  # a savepoint: one subscriber's failure leaves the others stored
                rendered = personalise(template, subscriber, settings)
                data = rendered.message.as_bytes()
                recipient = envelope_address(subscriber["email"])
                if dry_run:
                    written = FileSender(dry_run).send("", recipient, data, period=period.key)
                    report.dry_run.append(Path(written.delivered_to))
                    continue
                if outbox.enqueue(conn, subscriber_id=subscriber["id"], period=period.key, recipient=recipient,
                                  subject=rendered.subject, message_id=rendered.message["Message-ID"],
                                  message=data, rendering_id=rendering, counts=content.counts(),
                                  change_mark=content.change_mark, article_mark=content.article_mark):
                    report.built += 1
        except Exception as error:  # reported per subscriber; the rest of the group goes on
            log.exception("could not build the digest of %s", subscriber["email"])
            report.failed.append(f"{subscriber['email']}: could not build the digest: {error}")
    conn.commit()


def _periods(day: date) -> list[Period]:
    return [p for p in (period_for("daily", day), period_for("weekly", day)) if p]


def send_due(conn: Connection, settings: Settings, report: Report,
             should_stop: Callable[[], bool] = lambda: False) -> None:
    """Send every digest that is due, until none is left to claim (or a stop is requested between two)."""
    requeued, unknown = outbox.resolve_expired(conn)
    report.requeued += requeued
    report.unknown += unknown
    sender_address = parseaddr(settings.mail_from)[1]
    smtp = settings.smtp
    transport: SmtpSender | FileSender
    if smtp is not None:
        transport = SmtpSender(smtp)
    else:
        report.written_to = settings.data_dir / "outbox"
        transport = FileSender(report.written_to)
    tried: set[int] = set()  # a digest is tried once per run: a 4xx waits for a later run
    claimer = outbox.new_claimer()
    try:
        while not should_stop() and (rows := outbox.claim(conn, claimer, tried=tried)):
            for index, row in enumerate(rows):
                if should_stop():  # the claimed rest goes back, untouched
                    outbox.release(conn, [r["id"] for r in rows[index:]], claimer)
                    return
                tried.add(row["id"])
                try:
                    _send_one(conn, transport, sender_address, row, claimer, report, settings.smtp_retry_after)
                except outbox.LeaseLost as lost:  # too slow: another run has it now, and sends it
                    transport.close()  # a transaction cut before DATA delivers nothing
                    log.warning("%s: %s", row["recipient"], lost)
    finally:
        transport.close()


def _send_one(conn: Connection, transport: SmtpSender | FileSender, sender_address: str, row: Row,
              claimer: str, report: Report, retry_base: float) -> None:
    """Send one claimed digest and record what became of it."""
    outbox.renew(conn, row["id"], claimer)
    outcome = transport.send(sender_address, row["recipient"], bytes(row["message"]), period=row["period"],
                             before_data=lambda: outbox.mark_stage(conn, row["id"], claimer, "data"))
    line = f"{row['recipient']}: {outcome.reply}"
    if outcome.kind == "sent":
        recorded = outbox.mark_sent(conn, row["id"], claimer, outcome.delivered_to, outcome.reply)
        report.sent += recorded
    elif outcome.kind == "unknown":
        recorded = outbox.mark_unknown(conn, row["id"], claimer, outcome.reply)
        report.unknown += recorded
    elif outcome.kind == "retry":
        state = outbox.mark_retry(conn, row["id"], claimer, row["attempts"], outcome.reply, retry_base)
        recorded = state is not None
        if recorded:
            (report.failed if state == "failed" else report.retrying).append(line)
    else:
        recorded = outbox.mark_failed(conn, row["id"], claimer, outcome.reply)
        if recorded:
            report.failed.append(line)
    if not recorded:  # the process that took it over reports it
        log.warning("%s: %s, but another process had taken the digest over meanwhile", row["recipient"],
                    outcome.kind)
    log.info("%s %s: %s", row["recipient"], outcome.kind, outcome.reply)


def run(conn: Connection, settings: Settings, day: date, dry_run: Path | None = None,
        should_stop: Callable[[], bool] = lambda: False) -> Report:
    """The whole digest step for `day`."""
    report = Report()
    try:
        report.compared = diff.compute(conn, options=MatchOptions.of(settings))
    except (psycopg.Error, diff.NoBaseline) as error:  # digests still carry what was compared before
        conn.rollback()
        report.diff_error = " ".join(str(error).split())
        log.error("the diff failed, digests hold what was compared before: %s", report.diff_error)
    build(conn, settings, day, report, dry_run)
    if not dry_run:
        send_due(conn, settings, report, should_stop)
    return report
