"""The cycle's crawl on Scrapyd nodes (CYWATCH_SCRAPYD_URLS): one job per source, on the source's node.

Each job is `scrapy crawl SOURCE -a until=DAY` on its node (crawler/scrapyd.py says which node and what a
job is given). The cycle polls each node's listjobs.json until every job has finished, then reads each
source's outcome from `crawl_runs`, as after a local crawl: PostgreSQL is the only state, so a node lost
loses nothing but the work of its running job. A node that cannot be reached (when scheduling, or on
`MISSES` polls in a row, CYWATCH_SCRAPYD_POLL apart), a job that the node no longer lists (it restarted), or a job that ended without
finishing its run (killed) is a failed source with that reason; the next crawl of the source starts where
its last clean crawl ended, whichever node runs it.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from crawler.run import RunSummary, summaries
from crawler.scrapyd import Client, Job, Node, NodeError, nodes, placement
from crawler.sources import SOURCES
from settings import ConfigError, Settings

log = logging.getLogger("cywatch.nodes")
MISSES = 3  # polls in a row that fail before a node counts as down


@dataclass
class Placed:
    """One source's job: where it runs, its id, and (once known) how it ended or why it failed."""

    source: str
    node: Node
    job: str | None = None
    finished: bool = False
    log_url: str | None = None
    failure: str | None = None  # the node's failure, when the job's own outcome cannot be known

    @property
    def record(self) -> dict[str, Any]:
        """What the cycle's step record keeps of it (runs.steps)."""
        return {"node": self.node.number, "job": self.job}


def crawl_on_nodes(settings: Settings, day: date,
                   stop: threading.Event) -> tuple[list[RunSummary], dict[str, dict[str, Any]]]:
    """Crawl every source up to `day` on its node; returns the runs (as `crawl_runs` says, with the failures
    of nodes laid over them) and, per source, the node and job it ran as."""
    names = list(SOURCES)
    pins = dict(settings.scrapyd_pins or ())
    unknown = sorted(set(pins) - set(names))
    if unknown:  # a misspelt pin would put its source on another node without a word
        raise ConfigError(f"CYWATCH_SCRAPYD_PINS names unknown source(s) {', '.join(unknown)}; known: "
                          f"{', '.join(names)}")
    found = nodes(settings)
    clients = {n.number: Client(n) for n in found}
    placed = [Placed(name, where) for name, where in placement(names, found, pins).items()]
    since = datetime.now().astimezone()
    args = {"until": day.isoformat()}
    job_settings = {"CYWATCH_MIRROR": settings.mirror} if settings.mirror else {}

    def schedule(number: int) -> None:  # a node's first schedule.json lists its spiders first: seconds
        for p in (p for p in placed if p.node.number == number):
            try:
                p.job = clients[number].schedule(p.source, args, job_settings)
                log.info("%s: job %s on %s", p.source, p.job, p.node.shown)
            except NodeError as error:
                p.failure = f"not scheduled: {error}"
                log.error("%s: %s", p.source, p.failure)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:  # the nodes at once, each node's jobs in order
        list(pool.map(schedule, sorted({p.node.number for p in placed})))
    _wait(placed, clients, stop, settings.scrapyd_poll)
    if stop.is_set():
        for p in _outstanding(placed):
            try:
                clients[p.node.number].cancel(p.job or "")
            except NodeError as error:
                log.error("%s: could not cancel job %s: %s", p.source, p.job, error)
    runs = [_outcome(run, p) for run, p in zip(summaries(settings, since, names), placed, strict=True)]
    return runs, {p.source: p.record for p in placed}


def _outstanding(placed: list[Placed]) -> list[Placed]:
    return [p for p in placed if p.job and not p.finished and p.failure is None]


def _wait(placed: list[Placed], clients: dict[int, Client], stop: threading.Event, poll: float) -> None:
    """Poll each node with outstanding jobs until none is left (or a stop is requested)."""
    misses: dict[int, int] = {}
    while _outstanding(placed) and not stop.is_set():
        for number in sorted({p.node.number for p in _outstanding(placed)}):
            waiting = [p for p in _outstanding(placed) if p.node.number == number]
            try:
                listed = {j.id: j for j in clients[number].jobs()}
            except NodeError as error:
                misses[number] = misses.get(number, 0) + 1
                if misses[number] >= MISSES:
                    for p in waiting:
                        p.failure = f"lost while its job ran: {error}"
                        log.error("%s: %s", p.source, p.failure)
                continue
            misses[number] = 0
            for p in waiting:
                _update(p, listed.get(p.job or ""))
        if _outstanding(placed):
            stop.wait(poll)


def _update(p: Placed, job: Job | None) -> None:
    if job is None:
        p.failure = f"{p.node.shown} no longer lists job {p.job} (did it restart?)"
        log.error("%s: %s", p.source, p.failure)
    elif job.state == "finished":
        p.finished, p.log_url = True, job.log_url


def _outcome(run: RunSummary, p: Placed) -> RunSummary:
    """The run as crawl_runs has it, unless the job's fate says more: a run that never finished there."""
    unfinished = run.status == "running" or run.detail == _NOT_STARTED
    if not unfinished:
        return run
    if p.failure:
        detail = p.failure
    elif p.finished and run.status == "running":
        detail = f"the job ended on {p.node.shown} before its run finished (killed?)"
    else:
        detail = (f"the job on {p.node.shown} recorded no run (another crawl of the source held its lock, or "
                  "the job could not start)")
    if p.log_url:
        detail += f"; its log: {p.node.url}{p.log_url}"
    return RunSummary(run.source, "failed", run.pages, run.not_modified, run.new_articles, run.relevant_articles,
                      run.indicators, max(run.errors, 1), detail)


_NOT_STARTED = "did not start (see the log above)"  # crawler.run.summaries' word for a source without a run


@dataclass
class NodeStatus:
    """A node as `cywatch status` shows it: reachable or why not, and the project's jobs there."""

    node: Node
    error: str | None = None
    jobs: list[Job] = field(default_factory=list)


def node_status(settings: Settings, *, finished: int = 8, timeout: float = 5.0) -> list[NodeStatus]:
    """Every node's pending and running jobs and its last `finished` ones (newest first)."""
    found: list[NodeStatus] = []
    for n in nodes(settings):
        try:
            jobs = Client(n, timeout=timeout).jobs()
        except NodeError as error:
            found.append(NodeStatus(n, str(error)))
            continue
        done = sorted((j for j in jobs if j.state == "finished"), key=lambda j: j.end_time or "", reverse=True)
        found.append(NodeStatus(n, None, [j for j in jobs if j.state != "finished"] + done[:finished]))
    return found


def node_rows(statuses: list[NodeStatus]) -> list[list[str]]:
    """Table rows (node, job, spider, state, since): one per job, or one saying the node is idle or down."""
    rows: list[list[str]] = []
    for status in statuses:
        if status.error:
            rows.append([status.node.shown, "", "", "down", status.error])
        elif not status.jobs:
            rows.append([status.node.shown, "", "", "idle", ""])
        for job in status.jobs:
            when = job.end_time if job.state == "finished" else job.start_time
            rows.append([status.node.shown, job.id, job.spider, job.state, (when or "")[:19]])
    return rows
