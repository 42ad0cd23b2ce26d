"""What the web reads: figures, series, changes, articles and sources' health, as typed rows.

Every query is bounded (a limit, and a cursor for what comes after) and walks an index, so that a page
costs the same on a database of a million figures as on one of a hundred. Re-published copies are left
out, as in the diff. Values stay exact (`Decimal`); formatting is the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from psycopg import sql
from psycopg.rows import tuple_row

from db.connection import Connection, Row


@dataclass(frozen=True, slots=True)
class Key:
    """What makes one indicator: its series is every figure of this metric, region, kind and unit."""

    metric: str
    region: str
    kind: str
    unit: str


@dataclass(frozen=True, slots=True)
class Figure:
    """One stored figure with the article it came from."""

    id: int
    metric: str
    region: str
    kind: str
    unit: str
    status: str  # actual or target
    period: str | None
    period_end: date | None
    value: Decimal
    qualifier: str | None
    surface: str
    sentence: str
    start_offset: int
    end_offset: int
    article_id: int
    title: str
    url: str
    source: str
    source_name: str
    published_at: datetime
    baseline: bool  # the figure is the baseline's own

    @property
    def key(self) -> Key:
        """The indicator this figure belongs to."""
        return Key(self.metric, self.region, self.kind, self.unit)


@dataclass(frozen=True, slots=True)
class Change:
    """A compared figure: its outcome, and the baseline figure it was compared with (None: a new one)."""

    seq: int  # commit order (db.commit_order): the cursor of feeds and the API
    outcome: str  # changed, new, confirmed
    figure: Figure
    delta: Decimal | None
    delta_ratio: Decimal | None
    baseline_value: Decimal | None
    baseline_qualifier: str | None
    baseline_period: str | None
    baseline_published_at: datetime | None
    computed_at: datetime


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """An article as a list shows it."""

    id: int
    title: str
    url: str
    source: str
    source_name: str
    published_at: datetime
    figures: int


@dataclass(frozen=True, slots=True)
class ArticleText:
    """An article whole, with its figures (by their offsets in the text)."""

    summary: ArticleSummary
    section: str | None
    body: str
    relevant: bool
    figures: list[Figure]


@dataclass(frozen=True, slots=True)
class Health:
    """One source's health, as the digest and `cywatch status` report it."""

    source: str
    name: str
    last_ok: datetime | None
    last_status: str | None
    last_finished: datetime | None
    last_detail: str | None
    consecutive_bad: int


@dataclass(frozen=True, slots=True)
class IndicatorSummary:
    """An indicator as the browse list shows it: how many figures, the latest one."""

    key: Key
    figures: int
    first_published: datetime
    last_published: datetime
    last_value: Decimal
    last_period: str | None
    last_status: str


_FIGURE = """o.id, o.metric, o.region, o.kind, o.unit, o.status, o.period, o.period_end, o.value, o.qualifier,
       o.surface, o.sentence, o.start_offset, o.end_offset, o.article_id, a.title, a.canonical_url AS url,
       a.source, s.name AS source_name, a.published_at,
       EXISTS (SELECT 1 FROM baselines bl WHERE bl.article_id = a.id) AS baseline"""
_FIGURE_FIELDS = Figure.__dataclass_fields__.keys()


def _figure(row: Row) -> Figure:
    return Figure(**{name: row[name] for name in _FIGURE_FIELDS})


_SERIES_WHERE = """WHERE o.metric = %s AND o.region = %s AND o.kind = %s AND o.unit = %s AND a.duplicate_of IS NULL
        ORDER BY coalesce(o.period_end, (o.published_at AT TIME ZONE 'Asia/Shanghai')::date), o.published_at, o.id"""


def series(conn: Connection, key: Key) -> list[Figure]:
    """Every figure of one indicator, actual and target, oldest period first (then oldest article)."""
    rows = conn.execute(
        f"""SELECT {_FIGURE} FROM indicator_observations o
        JOIN articles a ON a.id = o.article_id JOIN sources s ON s.id = a.source
        {_SERIES_WHERE}""",  # noqa: S608 (constants)
        [key.metric, key.region, key.kind, key.unit]).fetchall()
    return [_figure(row) for row in rows]


@dataclass(frozen=True, slots=True)
class Point:
    """One figure of a series as its chart and its table's order need it: no sentence, no article text.

    Everything a chart draws from a figure is here, so that a series' points, compared as a whole, tell
    whether a chart drawn before still shows it (web.chart caches by them).
    """

    id: int
    status: str
    period: str | None
    period_end: date | None
    value: Decimal
    qualifier: str | None
    published_at: datetime
    source_name: str
    baseline: bool


def series_points(conn: Connection, key: Key) -> list[Point]:
    """Every figure of one indicator as chart points, in `series` order (a light query: no text)."""
    rows = conn.cursor(row_factory=tuple_row).execute(
        f"""SELECT o.id, o.status, o.period, o.period_end, o.value, o.qualifier, a.published_at, s.name,
               EXISTS (SELECT 1 FROM baselines bl WHERE bl.article_id = a.id)
        FROM indicator_observations o JOIN articles a ON a.id = o.article_id JOIN sources s ON s.id = a.source
        {_SERIES_WHERE}""",  # noqa: S608 (constants)
        [key.metric, key.region, key.kind, key.unit]).fetchall()
    return [Point(*row) for row in rows]


def figures_by_id(conn: Connection, ids: list[int]) -> list[Figure]:
    """The figures of these ids, whole (sentence, article), in the order given."""
    rows = conn.execute(
        f"""SELECT {_FIGURE} FROM indicator_observations o
        JOIN articles a ON a.id = o.article_id JOIN sources s ON s.id = a.source WHERE o.id = ANY(%s)""",  # noqa: S608
        [ids]).fetchall()
    found = {row["id"]: _figure(row) for row in rows}
    return [found[i] for i in ids if i in found]


# One index walk per outcome (indicator_changes_outcome_seq, newest first), merged. Neither
# `outcome = ANY(...)` nor a join on unnest(...) would do: planned without knowing which outcome, both walk
# every change in commit order and filter, reading all the "new" rows to find 20 "changed" ones.
_CHANGES_BRANCH = f"""(
    SELECT c.commit_seq AS seq, c.outcome, c.delta, c.delta_ratio, c.computed_at,
           b.value AS baseline_value, b.qualifier AS baseline_qualifier, b.period AS baseline_period,
           b.published_at AS baseline_published_at, {_FIGURE}
    FROM indicator_changes c
    JOIN indicator_observations o ON o.id = c.observation_id
    JOIN articles a ON a.id = o.article_id
    JOIN sources s ON s.id = a.source
    LEFT JOIN indicator_observations b ON b.id = c.baseline_observation_id
    WHERE c.outcome = {{outcome}}
      AND (%(before)s::bigint IS NULL OR c.commit_seq < %(before)s)
      AND (%(after)s::bigint IS NULL OR c.commit_seq > %(after)s)
      AND (%(since)s::date IS NULL OR o.published_at >= %(since)s::date::timestamptz)
      AND (%(region)s::text IS NULL OR o.region = %(region)s)
      AND (%(metric)s::text IS NULL OR strpos(o.metric, %(metric)s) > 0)
    ORDER BY c.commit_seq DESC
    LIMIT %(limit)s
)"""  # noqa: S608 (a constant)


def _changes_query(count: int) -> sql.Composed:
    """The changes of `count` outcomes (placeholders o0, o1, …), newest first."""
    branches = [sql.SQL(_CHANGES_BRANCH).format(outcome=sql.Placeholder(f"o{i}")) for i in range(count)]
    return sql.SQL("SELECT * FROM ({}) found ORDER BY seq DESC LIMIT %(limit)s").format(
        sql.SQL(" UNION ALL ").join(branches))


def changes(conn: Connection, outcomes: tuple[str, ...] = ("changed",), *, limit: int = 20,
            before: int | None = None, since: date | None = None, region: str | None = None,
            metric: str | None = None, after: int | None = None) -> list[Change]:
    """Compared figures, the most recently compared first (commit order).

    `before`: only those before this `seq` (a cursor); `after`: only those after this `seq`; `since`: of articles published on or after this day
    (in the session's time zone, as `cywatch diff --since`); `region` exact, `metric` contained (as subscribers' filters match).
    """
    chosen = {f"o{i}": outcome for i, outcome in enumerate(outcomes)}
    rows = conn.execute(_changes_query(len(outcomes)), chosen | {
        "before": before, "after": after, "since": since, "region": region, "metric": metric, "limit": limit}).fetchall()
    return [Change(seq=r["seq"], outcome=r["outcome"], figure=_figure(r), delta=r["delta"],
                   delta_ratio=r["delta_ratio"], baseline_value=r["baseline_value"],
                   baseline_qualifier=r["baseline_qualifier"], baseline_period=r["baseline_period"],
                   baseline_published_at=r["baseline_published_at"], computed_at=r["computed_at"])
            for r in rows]


def _summary(row: Row) -> ArticleSummary:
    return ArticleSummary(id=row["id"], title=row["title"], url=row["canonical_url"], source=row["source"],
                          source_name=row["source_name"], published_at=row["published_at"],
                          figures=row["figures"])


def articles(conn: Connection, *, limit: int = 20, before: tuple[datetime, int] | None = None,
             source: str | None = None) -> list[ArticleSummary]:
    """Relevant articles (not re-published copies), newest first; `before` is a (published_at, id) cursor."""
    rows = conn.execute(
        """SELECT a.id, a.title, a.canonical_url, a.source, s.name AS source_name, a.published_at,
                  (SELECT count(*) FROM indicator_observations o WHERE o.article_id = a.id) AS figures
        FROM articles a JOIN sources s ON s.id = a.source
        WHERE a.relevant AND a.duplicate_of IS NULL
          AND (%(source)s::text IS NULL OR a.source = %(source)s)
          AND (%(at)s::timestamptz IS NULL OR (a.published_at, a.id) < (%(at)s, %(id)s))
        ORDER BY a.published_at DESC, a.id DESC LIMIT %(limit)s""",
        {"source": source, "at": before[0] if before else None, "id": before[1] if before else None,
         "limit": limit}).fetchall()
    return [_summary(row) for row in rows]


def article(conn: Connection, article_id: int) -> ArticleText | None:
    """One article with its figures, in the order they appear; None if there is none of that id."""
    row = conn.execute(
        """SELECT a.id, a.title, a.canonical_url, a.source, s.name AS source_name, a.published_at, a.section,
                  a.body, a.relevant, 0 AS figures
        FROM articles a JOIN sources s ON s.id = a.source WHERE a.id = %s""", [article_id]).fetchone()
    if row is None:
        return None
    figures = [_figure(r) for r in conn.execute(
        f"""SELECT {_FIGURE} FROM indicator_observations o
        JOIN articles a ON a.id = o.article_id JOIN sources s ON s.id = a.source
        WHERE o.article_id = %s ORDER BY o.start_offset, o.id""", [article_id]).fetchall()]  # noqa: S608
    return ArticleText(summary=_summary(row | {"figures": len(figures)}), section=row["section"],
                       body=row["body"], relevant=row["relevant"], figures=figures)


def health(conn: Connection) -> list[Health]:
    """Every crawled source's health (the `source_health` view)."""
    return [Health(source=r["source"], name=r["name"], last_ok=r["last_ok"], last_status=r["last_status"],
                   last_finished=r["last_finished"], last_detail=r["last_detail"],
                   consecutive_bad=r["consecutive_bad"])
            for r in conn.execute("SELECT * FROM source_health ORDER BY source").fetchall()]


def indicators(conn: Connection, *, metric: str | None = None, region: str | None = None,
               kind: str | None = None, source: str | None = None, since: date | None = None,
               until: date | None = None, limit: int = 100, after: Key | None = None) -> list[IndicatorSummary]:
    """Indicators with figures matching the filters, by metric, region, kind and unit.

    `metric` is contained (投资 matches every investment); `since`/`until` bound the articles' publication
    days (in the session's time zone); `after` is a cursor (the last key of the previous page).
    """
    rows = conn.execute(
        """SELECT o.metric, o.region, o.kind, o.unit, count(*) AS figures,
                  min(o.published_at) AS first_published, max(o.published_at) AS last_published,
                  (array_agg(o.value ORDER BY o.published_at DESC, o.id DESC))[1] AS last_value,
                  (array_agg(o.period ORDER BY o.published_at DESC, o.id DESC))[1] AS last_period,
                  (array_agg(o.status ORDER BY o.published_at DESC, o.id DESC))[1] AS last_status
        FROM indicator_observations o JOIN articles a ON a.id = o.article_id
        WHERE a.duplicate_of IS NULL
          AND (%(metric)s::text IS NULL OR strpos(o.metric, %(metric)s) > 0)
          AND (%(region)s::text IS NULL OR o.region = %(region)s)
          AND (%(kind)s::text IS NULL OR o.kind = %(kind)s)
          AND (%(source)s::text IS NULL OR a.source = %(source)s)
          AND (%(since)s::date IS NULL OR o.published_at >= %(since)s::date::timestamptz)
          AND (%(until)s::date IS NULL OR o.published_at < (%(until)s::date + 1)::timestamptz)
          AND (%(after)s::text[] IS NULL OR ARRAY[o.metric, o.region, o.kind, o.unit] > %(after)s::text[])
        GROUP BY o.metric, o.region, o.kind, o.unit
        ORDER BY o.metric, o.region, o.kind, o.unit LIMIT %(limit)s""",
        {"metric": metric, "region": region, "kind": kind, "source": source, "since": since, "until": until,
         "limit": limit, "after": [after.metric, after.region, after.kind, after.unit] if after else None},
    ).fetchall()
    return [IndicatorSummary(key=Key(r["metric"], r["region"], r["kind"], r["unit"]), figures=r["figures"],
                             first_published=r["first_published"], last_published=r["last_published"],
                             last_value=r["last_value"], last_period=r["last_period"], last_status=r["last_status"])
            for r in rows]


def sources(conn: Connection) -> list[tuple[str, str]]:
    """Every source's id and name (for the browse form)."""
    return [(r["id"], r["name"]) for r in conn.execute("SELECT id, name FROM sources ORDER BY id").fetchall()]


@dataclass(frozen=True, slots=True)
class Cycle:
    """One daily cycle (the `runs` table): its steps' outcomes as recorded."""

    run_date: date
    status: str
    started_at: datetime
    finished_at: datetime | None
    attempts: int
    steps: dict[str, dict[str, object]]
    detail: str | None


def cycles(conn: Connection, limit: int = 14) -> list[Cycle]:
    """The most recent cycles, newest first."""
    return [Cycle(run_date=r["run_date"], status=r["status"], started_at=r["started_at"],
                  finished_at=r["finished_at"], attempts=r["attempts"], steps=r["steps"] or {}, detail=r["detail"])
            for r in conn.execute("SELECT * FROM runs ORDER BY run_date DESC LIMIT %s", [limit]).fetchall()]


@dataclass(frozen=True, slots=True)
class DigestDay:
    """One day for which daily digests were sent, and what they covered in commit order: (after, upto]."""

    period: date
    after: int  # the change watermark of the day before's digests (0: the first day)
    upto: int  # the highest change watermark of this day's sent digests
    first_sent: datetime


def digest_days(conn: Connection, *, limit: int = 7, before: date | None = None) -> list[DigestDay]:
    """Days with sent daily digests, newest first; `before` is a cursor (the last day of the previous page).

    Reads only periods, watermarks and times: nothing of a subscriber (address, preferences, links). Weekly
    digests cover what the daily ones of their week did, so they are left out.
    """
    rows = conn.execute(
        r"""WITH days AS (
              SELECT period::date AS period, max(change_mark) AS upto, min(sent_at) AS first_sent
              FROM digests WHERE state = 'sent' AND period ~ '^\d{4}-\d{2}-\d{2}$' GROUP BY period),
            ranged AS (
              SELECT period, upto, first_sent, coalesce(max(upto) OVER (
                  ORDER BY period ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS after FROM days)
        SELECT * FROM ranged WHERE (%(before)s::date IS NULL OR period < %(before)s)
        ORDER BY period DESC LIMIT %(limit)s""",
        {"before": before, "limit": limit}).fetchall()
    return [DigestDay(period=r["period"], after=r["after"], upto=r["upto"], first_sent=r["first_sent"])
            for r in rows]
