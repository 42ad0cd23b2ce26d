"""`cywatch digest`, `cywatch send-test-email` and `cywatch outbox`: building, sending and following digests."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from cywatch.commands import Commands
from cywatch.commands.common import date_arg, ensure_baseline, open_db, say
from settings import Settings


def register(commands: Commands) -> None:
    """Add `digest`, `send-test-email` and `outbox`."""
    digest = commands.add_parser("digest", help="build and send the digests of a day")
    digest.add_argument("--date", type=date_arg, help="the digest's day (default: today in CYWATCH_TIMEZONE)")
    digest.add_argument("--dry-run", metavar="DIR", help="write the digests to DIR as .eml; store and send nothing")
    digest.set_defaults(handler=cmd_digest)

    test_mail = commands.add_parser("send-test-email", help="send a test message and show the server's replies")
    test_mail.add_argument("address", metavar="ADDRESS")
    test_mail.set_defaults(handler=cmd_send_test_email)

    box = commands.add_parser("outbox", help="digests not sent yet, failed or of unknown fate")
    box.add_argument("--all", action="store_true", help="sent ones too")
    box.add_argument("--format", choices=["table", "json"], default="table",
                     help="a table (the default) or one JSON object per line")
    box.set_defaults(handler=cmd_outbox, outbox_command="list")
    box_commands = box.add_subparsers(dest="outbox_command")
    resend = box_commands.add_parser("resend", help="queue a failed or unknown digest again")
    resend.add_argument("id", type=int)


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    """Build and send the digests of a day (default: today in CYWATCH_TIMEZONE)."""
    from alerts.delivery import run

    day = args.date or datetime.now(settings.zone).date()
    with open_db(settings) as conn:
        ensure_baseline(conn)
        report = run(conn, settings, day, Path(args.dry_run) if args.dry_run else None)
    if report.diff_error:
        say(f"cywatch digest: the diff failed ({report.diff_error}); digests hold what was compared before")
    if args.dry_run:
        print(f"dry run: {len(report.dry_run)} digest(s) written to {args.dry_run}, nothing stored or sent")
        return 0
    print(f"digests for {day}: {report.built} built, {report.sent} sent"
          + (f", {len(report.retrying)} to retry later" if report.retrying else "")
          + (f", {len(report.failed)} failed" if report.failed else "")
          + (f", {report.unknown} of unknown fate (see cywatch outbox)" if report.unknown else ""))
    for line in report.retrying:
        print(f"  retry later: {line}")
    for line in report.failed:
        print(f"  failed: {line}")
    if report.written_to and report.sent:
        print(f"no SMTP_URL: digests written as .eml files under {report.written_to}")
    # a digest that waits for a retry, or whose delivery is unknown, is not done: scripts must see it
    return 1 if report.failed or report.retrying or report.unknown else 0


def cmd_send_test_email(args: argparse.Namespace, settings: Settings) -> int:
    """Send one test message through SMTP_URL and print every reply of the server."""
    from alerts.subscribers import SubscriberError, normalise_email
    from alerts.transport import SmtpSender, probe_message

    smtp = settings.smtp
    if smtp is None:
        say("cywatch send-test-email: SMTP_URL is not set (without it, digests are written as files)")
        return 2
    try:
        recipient = normalise_email(args.address)
    except SubscriberError as error:
        say(f"cywatch send-test-email: {error}")
        return 2
    sender, message = probe_message(settings.mail_from, recipient)
    transport = SmtpSender(smtp)
    outcome = transport.send(sender, recipient, message)
    transport.close()
    for line in transport.log:
        print(line)
    print(f"result: {outcome.kind}: {outcome.reply}")
    return 0 if outcome.kind == "sent" else 1


def cmd_outbox(args: argparse.Namespace, settings: Settings) -> int:
    """List digests not sent (or all), with their last error; or queue one again."""
    from alerts import outbox
    from cywatch.table import render_table

    with open_db(settings) as conn:
        if args.outbox_command == "resend":
            if not outbox.resend(conn, args.id):
                say(f"cywatch outbox resend: no failed or unknown digest with id {args.id}")
                return 1
            print(f"digest {args.id} queued; the next `cywatch digest` sends it")
            return 0
        rows = outbox.listing(conn, include_sent=args.all)
    if args.format == "json":
        for r in rows:
            print(json.dumps({key: r[key] for key in ("id", "channel", "target", "period", "state", "attempts",
                                                      "last_error", "delivered_to")}
                             | {"next_attempt_at": r["next_attempt_at"].isoformat(),
                                "sent_at": r["sent_at"] and r["sent_at"].isoformat()}, ensure_ascii=False))
        return 0
    if not rows:
        print("the outbox is empty: every digest was sent")
        return 0
    print(render_table(["id", "channel", "target", "period", "state", "tries", "next try", "last error / delivered"], [
        [r["id"], r["channel"], r["target"], r["period"], r["state"], r["attempts"],
         f"{r['next_attempt_at']:%Y-%m-%d %H:%M}" if r["state"] == "pending" else "",
         (r["last_error"] or r["delivered_to"] or "")[:100]] for r in rows]))
    return 0
