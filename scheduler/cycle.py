"""One daily cycle: crawl, diff, digest, recorded in the `runs` table (one row per scheduled date).

- The crawl runs in its own process (Scrapy's reactor cannot be restarted within one).
- A date whose cycle finished does nothing again unless forced; a cycle that died resumes at the first step
  that did not finish (what was stored or sent stays stored and sent: nothing is done twice).
- A PostgreSQL advisory lock around the cycle keeps two processes (two schedulers, a scheduler and a
  manual `cywatch run`) from running cycles at once.
- A stop request (SIGTERM) lets the current step end cleanly: the crawl process is asked to shut down
  (Scrapy closes its spiders), a digest being sent is finished, and the state is recorded.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from crawler.sources import sync as sync_sources
from db.connection import Connection, connect, one
from db.migrate import migrate
from settings import Settings

log = logging.getLogger("cywatch.cycle")
Step = dict[str, Any]  # one step's record in runs.steps (JSON): status, counts, detail
STEPS = ("crawl", "diff", "digest")
_LOCK = "cywatch:cycle"


class StopRequest:
    """A request to stop, shared by the signal handler and the cycle (and passed on to the crawl process)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    def request(self) -> None:
        """Ask the cycle to stop; a running crawl process gets SIGTERM and shuts down cleanly."""
        self.event.set()
        with self._lock:
            if self._child is not None and self._child.poll() is None:
                self._child.send_signal(signal.SIGTERM)

    def watch(self, child: subprocess.Popen[bytes] | None) -> None:
        with self._lock:
            self._child = child
            if child is not None and self.event.is_set():
                child.send_signal(signal.SIGTERM)


@dataclass
class CycleResult:
    """What one call did."""

    run_date: date
    status: str  # ok, failed, interrupted, skipped
    steps: dict[str, Step] = field(default_factory=dict)
    reason: str | None = None  # why it was skipped
    attempt: int = 0
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return {"ok": 0, "skipped": 0, "interrupted": 143}.get(self.status, 1)


def _lock(conn: Connection, stop: StopRequest, wait: float | None) -> bool:
    """Take the cycle lock, waiting up to `wait` seconds (None: as long as it takes) unless a stop comes first.

    Polled rather than blocking in PostgreSQL, so that SIGTERM ends the wait at once.
    """
    deadline = None if wait is None else time.monotonic() + wait
    said = False
    while not stop.requested:
        if one(conn.execute("SELECT pg_try_advisory_lock(hashtext(%s)) AS ok", [_LOCK]))["ok"]:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        if not said:
            log.info("another cycle is running; waiting for it to finish")
            said = True
        stop.event.wait(1.0)
    return False


def _save(conn: Connection, day: date, steps: dict[str, Step], **fields: object) -> None:
    assignments = ", ".join(f"{name} = %s" for name in fields)
    conn.execute(f"UPDATE runs SET steps = %s::jsonb{', ' + assignments if fields else ''} WHERE run_date = %s",  # noqa: S608 - names are ours
                 [json.dumps(steps, default=str), *fields.values(), day])


def run_cycle(settings: Settings, day: date, *, force: bool = False, stop: StopRequest | None = None,
              lock_wait: float | None = None) -> CycleResult:
    """Run (or resume) the cycle of `day`; see the module's description.

    Another cycle holding the lock is waited for (up to `lock_wait` seconds; None: without limit); then the
    runs table decides, so a cycle that the other one finished is not run again.
    """
    stop = stop or StopRequest()
    started = time.monotonic()
    conn = connect(settings, autocommit=True)
    try:
        migrate(conn)
        conn.autocommit = True
        sync_sources(conn)  # before status and digests read source health
        if not _lock(conn, stop, lock_wait):
            reason = ("stopped while waiting for another cycle" if stop.requested
                      else f"another cycle held the lock for more than {lock_wait:.0f} s")
            return CycleResult(day, "skipped", reason=reason)
        row = conn.execute("SELECT * FROM runs WHERE run_date = %s", [day]).fetchone()
        if row and row["finished_at"] and not force:
            return CycleResult(day, "skipped", dict(row["steps"]), attempt=row["attempts"],
                               reason=f"the cycle of {day} already finished ({row['status']}) at "
                                      f"{row['finished_at']:%Y-%m-%d %H:%M}; use --force to run it again "
                                      "(make run FORCE=1, make demo FORCE=1)")
        if row is None:
            conn.execute("INSERT INTO runs (run_date) VALUES (%s)", [day])
            steps: dict[str, Step] = {}
            attempt = 1
        else:
            steps = {} if force else {k: v for k, v in dict(row["steps"]).items()
                                      if v.get("status") in ("ok", "failed")}
            attempt = row["attempts"] + 1
            conn.execute("UPDATE runs SET status = 'running', finished_at = NULL, attempts = %s, "
                         "started_at = now(), detail = NULL WHERE run_date = %s", [attempt, day])
            if steps:
                log.info("resuming the cycle of %s after: %s", day, ", ".join(steps))
        _save(conn, day, steps)
        interrupted = False
        for name in STEPS:
            if name in steps:
                continue
            if stop.requested:
                interrupted = True
                break
            steps[name] = {"status": "running", "started": datetime.now().astimezone().isoformat()}
            _save(conn, day, steps)
            log.info("%s: %s …", day, name)
            outcome = _run_step(name, conn, settings, day, stop)
            steps[name] |= outcome | {"finished": datetime.now().astimezone().isoformat()}
            _save(conn, day, steps)
            if outcome["status"] == "interrupted":
                interrupted = True
                break
        if interrupted:
            _save(conn, day, steps, status="interrupted", detail="stopped on request; the next run resumes it")
            return CycleResult(day, "interrupted", steps, attempt=attempt, seconds=time.monotonic() - started)
        status = "failed" if any(s["status"] == "failed" for s in steps.values()) else "ok"
        _save(conn, day, steps, status=status, finished_at=datetime.now().astimezone())
        return CycleResult(day, status, steps, attempt=attempt, seconds=time.monotonic() - started)
    finally:
        conn.close()  # also releases the advisory lock


# --- the steps ------------------------------------------------------------------------------------------------

def _run_step(name: str, conn: Connection, settings: Settings, day: date, stop: StopRequest) -> Step:
    """One step; an exception fails that step (recorded with its reason) and the cycle goes on to the next.

    The digest must still go out when the diff broke: operators hear about it, readers get what was new.
    """
    try:
        return _STEPS[name](conn, settings, day, stop)
    except Exception as error:  # recorded, logged with its traceback, and the next step runs
        log.exception("%s: the %s step failed", day, name)  # its transaction was ended by _transactions
        return {"status": "failed", "detail": f"{type(error).__name__}: {' '.join(str(error).split())}"}


@contextlib.contextmanager
def _transactions(conn: Connection) -> Iterator[None]:
    """Explicit transactions for a step's work, back to autocommit afterwards (rolling back what is left)."""
    conn.autocommit = False
    try:
        yield
    finally:
        if not conn.closed:
            conn.rollback()  # nothing when the step committed; an aborted transaction otherwise
            conn.autocommit = True


def _crawl(conn: Connection, settings: Settings, day: date, stop: StopRequest) -> Step:
    """`python -m crawler.run --until DAY` in a process of its own; its per-source runs are the counts.

    The child reads the same environment (it inherits it); a mirror given on the command line is passed on.
    With CYWATCH_SCRAPYD_URLS the sources crawl as jobs on Scrapyd nodes instead, counted the same way.
    """
    from crawler.run import summaries
    from crawler.sources import SOURCES

    jobs: dict[str, dict[str, Any]] = {}
    if settings.scrapyd_urls:  # on Scrapyd nodes instead: one job per source (scheduler/nodes.py)
        from scheduler.nodes import crawl_on_nodes

        runs, jobs = crawl_on_nodes(settings, day, stop.event)
        code = 0
    else:
        since = datetime.now().astimezone()
        command = [sys.executable, "-m", "crawler.run", "--until", day.isoformat()]
        if settings.mirror:
            command += ["--mirror", settings.mirror]
        child = subprocess.Popen(command, stdout=sys.stderr)
        stop.watch(child)
        try:
            code = child.wait()
        finally:
            stop.watch(None)
        runs = summaries(settings, since, list(SOURCES))
    sources = {r.source: {"status": r.status, "new": r.new_articles, "relevant": r.relevant_articles,
                          "indicators": r.indicators, "errors": r.errors, "detail": r.detail}
               | jobs.get(r.source, {}) for r in runs}
    if stop.requested:
        return {"status": "interrupted", "sources": sources}
    bad = [r.source for r in runs if r.status in ("failed", "blocked")]
    return {"status": "failed" if bad or code not in (0, 1) else "ok", "sources": sources,
            "new": sum(r.new_articles for r in runs), "indicators": sum(r.indicators for r in runs)}


def _diff(conn: Connection, settings: Settings, day: date, stop: StopRequest) -> Step:
    from crawler.extract.identity import MatchOptions
    from db import confirm, diff

    with _transactions(conn):
        before = one(conn.execute("SELECT coalesce(max(id), 0) AS n FROM indicator_changes"))["n"]
        compared = diff.compute(conn, options=MatchOptions.of(settings))
        confirmed = confirm.refresh(conn)
        counts = {r["outcome"]: r["n"] for r in conn.execute(
            "SELECT outcome, count(*) AS n FROM indicator_changes WHERE id > %s GROUP BY outcome", [before])}
        conn.commit()
    return {"status": "ok", "compared": compared, "outcomes": counts,
            "confirmation": {"reprints": confirmed.reprints, "confirmed": confirmed.confirmed,
                             "conflicts": confirmed.conflicts}}


def _digest(conn: Connection, settings: Settings, day: date, stop: StopRequest) -> Step:
    from alerts.delivery import run

    with _transactions(conn):
        report = run(conn, settings, day, should_stop=lambda: stop.requested)
    result = {"built": report.built, "sent": report.sent, "retrying": len(report.retrying),
              "diff_error": report.diff_error,
              "failed": report.failed, "unknown": report.unknown,
              "written_to": str(report.written_to) if report.written_to and report.sent else None}
    if stop.requested:
        return result | {"status": "interrupted"}
    nothing_out = report.retrying and not report.sent  # e.g. the SMTP server is down: nobody heard anything
    return result | {"status": "failed" if report.failed or nothing_out else "ok"}


_STEPS: dict[str, Callable[..., Step]] = {"crawl": _crawl, "diff": _diff, "digest": _digest}


OFFLINE_HINT = "no network? `make demo` runs the same cycle offline"


def looks_offline(outcomes: list[tuple[str, str | None]]) -> bool:
    """Whether every source (status, detail) failed because no host name resolved: no network, most likely."""
    return bool(outcomes) and all(status == "failed" and "DNS lookup failed" in (detail or "")
                                  for status, detail in outcomes)


def _crawl_lines(crawl: Step) -> list[str]:
    sources = crawl.get("sources", {})
    listed = " · ".join(f"{name} {s['status']}" + (f" {s['new']} new" if s.get("new") else "")
                        + (f" ({s['errors']} errors)" if s.get("errors") else "") for name, s in sources.items())
    return [f"  crawl   {crawl['status']:<11} {listed or 'no source ran'}"] + [
        f"          {name}: {s['detail']}" for name, s in sources.items()
        if s["status"] in ("failed", "blocked") and s.get("detail")]


def _diff_lines(diff: Step) -> list[str]:
    outcomes = ", ".join(f"{n} {k}" for k, n in sorted(diff.get("outcomes", {}).items()))
    return [f"  diff    {diff['status']:<11} {diff.get('compared', 0)} figures compared"
            + (f" ({outcomes})" if outcomes else "")]


def _digest_lines(digest: Step) -> list[str]:
    text = f"{digest.get('built', 0)} built, {digest.get('sent', 0)} sent"
    if digest.get("retrying"):
        text += f", {digest['retrying']} to retry later"
    if digest.get("failed"):
        text += f", {len(digest['failed'])} failed"
    if digest.get("written_to"):
        text += f"; written under {digest['written_to']}"
    lines = [f"  digest  {digest['status']:<11} {text}"]
    if digest.get("diff_error"):
        lines.append("          the diff failed: digests hold what was compared before")
    return lines


_STEP_LINES: dict[str, Callable[[Step], list[str]]] = {"crawl": _crawl_lines, "diff": _diff_lines,
                                                       "digest": _digest_lines}


def summary(result: CycleResult) -> str:
    """A one-screen account of a cycle."""
    if result.status == "skipped":
        return f"cycle of {result.run_date}: nothing done — {result.reason}"
    lines = [f"cycle of {result.run_date}: {result.status} (attempt {result.attempt}, {result.seconds:.1f} s)"]
    for name in STEPS:
        step = result.steps.get(name)
        if step is None:
            continue
        if "detail" in step:  # the step itself broke: its reason is all there is to say
            lines.append(f"  {name:<7} {step['status']:<11} {step['detail']}")
            continue
        lines += _STEP_LINES[name](step)
    for name in STEPS:
        if name not in result.steps:
            lines.append(f"  {name:<7} {'not run':<11} " + ("the next run resumes here"
                                                           if result.status == "interrupted" else ""))
    sources = result.steps.get("crawl", {}).get("sources", {})
    if looks_offline([(s["status"], s.get("detail")) for s in sources.values()]):
        lines.append(OFFLINE_HINT)
    return "\n".join(lines)
