"""What `cywatch status` shows, read in one place: recent cycles, each source's health, the outbox by
state, and how many subscribers are active. Typed rows; the command line only lays them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from psycopg.rows import class_row

from db.connection import Connection


@dataclass(frozen=True, slots=True)
class CycleRun:
    """One daily cycle (the runs table); `steps` maps crawl, diff, digest to what each recorded."""

    run_date: date
    status: str
    attempts: int
    started_at: datetime
    finished_at: datetime | None
    steps: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source's last run and how many bad runs in a row it has had (the source_health view)."""

    source: str
    name: str
    last_status: str | None
    last_ok: datetime | None
    consecutive_bad: int
    last_detail: str | None


@dataclass(frozen=True, slots=True)
class OutboxState:
    """How many digests are in one state, and the latest lease of those being sent."""

    state: str
    n: int
    lease: datetime | None


@dataclass(frozen=True, slots=True)
class SubscriberCounts:
    """Subscribers who still get digests, and the operators among them."""

    active: int
    operators: int


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything `cywatch status` reports."""

    runs: list[CycleRun]
    health: list[SourceHealth]
    outbox: dict[str, OutboxState]  # by state; a state no digest is in is absent
    subscribers: SubscriberCounts

    def count(self, state: str) -> int:
        """How many digests are in `state` (0 when none)."""
        held = self.outbox.get(state)
        return held.n if held else 0


def overview(conn: Connection, runs: int) -> Overview:
    """The `runs` most recent cycles (newest first), source health, the outbox and subscriber counts."""
    cycles = conn.cursor(row_factory=class_row(CycleRun)).execute(
        "SELECT run_date, status, attempts, started_at, finished_at, steps FROM runs "
        "ORDER BY run_date DESC LIMIT %s", [runs]).fetchall()
    health = conn.cursor(row_factory=class_row(SourceHealth)).execute(
        "SELECT source, name, last_status, last_ok, consecutive_bad, last_detail FROM source_health "
        "ORDER BY source").fetchall()
    states = conn.cursor(row_factory=class_row(OutboxState)).execute(
        "SELECT state, count(*)::int AS n, max(lease_until) AS lease FROM digests GROUP BY state").fetchall()
    counts = conn.cursor(row_factory=class_row(SubscriberCounts)).execute(
        "SELECT count(*) FILTER (WHERE unsubscribed_at IS NULL)::int AS active, "
        "count(*) FILTER (WHERE operator AND unsubscribed_at IS NULL)::int AS operators FROM subscribers").fetchone()
    assert counts is not None  # an aggregate without GROUP BY always returns one row
    return Overview(cycles, health, {s.state: s for s in states}, counts)
