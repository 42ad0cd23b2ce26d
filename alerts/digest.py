"""One subscriber's digest for one period: what moved, what is new, the new articles, source health.

`gather` selects from PostgreSQL everything not yet sent to that subscriber (watermarks in the outbox),
filtered by their preferences and conditions (alerts.conditions); `render_for_group` renders it once (jinja2 HTML, autoescaped and
CSS-inlined, plus plain text) for everyone who gets the same content, and `personalise` makes each
subscriber's email of it (their address, signed one-click unsubscribe, Message-ID). A digest with nothing
in it is never built.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import quote

import css_inline
from jinja2 import Environment, PackageLoader, select_autoescape

from alerts import conditions, sparks, targets, tokens
from alerts.confirmation import Shown, shown, split
from alerts.readable import for_readers, readable
from alerts.subscribers import envelope_address, label
from crawler.extract.numbers import display_value, format_change
from crawler.extract.periods import reader_period
from db import confirm, diff, history, periods, reprocess
from db import targets as target_store
from db.commit_order import Marks
from db.connection import Connection, Row
from db.diff import ChangeRow
from settings import Settings

HEALTH_THRESHOLD = 2  # runs in a row that found nothing, failed or were blocked


@dataclass(frozen=True, slots=True)
class Period:
    """A digest period: one day (daily) or one ISO week (weekly, built on Mondays)."""

    key: str
    label: str
    frequency: str


def period_for(frequency: str, day: date) -> Period | None:
    """The period a digest built on `day` covers, or None when no digest is due (weekly, not Monday)."""
    if frequency == "daily":
        return Period(day.isoformat(), f"{day.year}年{day.month}月{day.day}日", "daily")
    if day.weekday() != 0:
        return None
    year, week, _ = day.isocalendar()
    return Period(f"{year}-W{week:02d}", f"{year}年第{week}周", "weekly")


# What a figure is, when it is not an amount: on the figure's line, since 20% → 18% may be a growth rate.
KIND_LABELS = {"growth": "增速", "share": "占比", "rank": "排名", "change": "差值"}


# A source's last run, Chinese first (the digest's one language policy: Chinese, then English).
STATUS_LABELS = {"failed": "失败 failed", "blocked": "被拦截 blocked", "empty": "无新内容 empty", "ok": "正常 ok"}


@dataclass
class Item:
    """One figure as a digest shows it."""

    metric: str
    region: str
    kind: str
    period: str | None  # as readers write it: 1—7月, 2024年上半年
    new: str
    old: str | None
    delta: str | None
    period_relation: str | None
    restated: bool
    status: str
    sentence_before: str
    surface: str
    sentence_after: str
    title: str
    url: str
    link: str
    source: str
    published: str
    kind_label: str = ""
    old_period: str = ""  # the baseline figure's period, as readers write it
    old_published: str = ""  # the baseline article's date
    direction: str = ""  # up, down or "" (no change, or nothing to compare): colours the new value
    also_in: int = 0
    match: str = "exact"  # exact, inferred (named otherwise than the baseline), possible (for review), none
    match_reason: str = ""
    baseline_metric: str = ""  # the baseline's name for an inferred or possible match
    correction: str = ""  # a comparison already reported that has changed since (a reprocess, a review)
    observation_id: int = 0
    page: str = ""  # the figure's short link on the web, a path (/figure/ID: its row on its indicator's page)
    history: tuple[Decimal, ...] = ()  # a moved figure's indicator up to it, oldest first (alerts.sparks)
    spark: str = ""  # the same as a sparkline (▁▃▅█)
    confirmation: str = "single"  # confirmed, conflict (db/confirm.py), or single
    official: bool = False  # the figure is a statistics bureau's
    confirmed_by: str = ""  # the independent sources that state it too
    conflict: Shown | None = None  # another source's other value for the same indicator and period
    headline: str = ""  # the bureau's figure heading a news figure it confirms in other digits (8.12% for 8.1%)
    headline_source: str = ""
    headline_id: int = 0
    reported: str = ""  # news figures folded into a bureau's line, as they were reported: 1.5万亿元（重庆日报）
    provenance: str = ""  # the attachment, sheet or page and cell this figure was read from
    attachment_url: str = ""


@dataclass
class Content:
    """Everything one digest holds."""

    changed: list[Item] = field(default_factory=list)
    new: list[Item] = field(default_factory=list)
    articles: list[Row] = field(default_factory=list)
    health: list[Row] = field(default_factory=list)
    targets: list[targets.TargetItem] = field(default_factory=list)  # the targets of the figures shown
    confirmed: int = 0
    change_mark: int = 0  # watermarks in commit order (db.commit_order): what this digest covers
    article_mark: int = 0

    def worth_sending(self, operator: bool) -> bool:
        """Never an empty digest; a digest about source health alone goes to operators only."""
        return bool(self.changed or self.new or self.articles) or (operator and bool(self.health))

    def counts(self) -> dict[str, int]:
        return {"changed": len(self.changed), "new": len(self.new), "articles": len(self.articles),
                "health": len(self.health), "confirmed": self.confirmed, "targets": len(self.targets)}


def _delta(row: ChangeRow) -> str | None:
    if row["delta"] is None or row["outcome"] != "changed":
        return None
    return format_change(row["delta"], row["unit"], row["kind"], row["delta_ratio"])


def _direction(row: ChangeRow) -> str:
    """Which way a changed figure went for a reader: up, down; a rank going from 5 to 3 went up."""
    if row["outcome"] != "changed" or not row["delta"]:
        return ""
    rising = row["delta"] > 0
    if row["kind"] == "rank":
        rising = not rising
    return "up" if rising else "down"


def _link(url: str, sentence: str, surface: str) -> str:
    """The article URL with a text fragment that scrolls supporting browsers to the figure."""
    at = sentence.find(surface)
    prefix = sentence[max(0, at - 8):at] if at > 0 else ""
    fragment = (quote(prefix, safe="") + "-," if prefix else "") + quote(surface, safe="")
    return f"{url}#:~:text={fragment}"


def _item(row: ChangeRow, zone: tzinfo) -> Item:
    sentence, surface = row["sentence"], row["surface"]
    before, found, after = split(sentence, surface)
    published = row["published_at"].astimezone(zone).date()
    target = row["status"] == "target"
    old, old_period, old_published = None, "", ""
    baseline_unit, baseline_at = row["baseline_unit"], row["baseline_published_at"]  # null together, or not at all
    if row["baseline_value"] is not None and baseline_unit is not None and baseline_at is not None:
        old = display_value(row["baseline_value"], baseline_unit, row["kind"], row["baseline_qualifier"])
        baseline_day = baseline_at.astimezone(zone).date()
        old_period = reader_period(row["baseline_period"], baseline_day, target=target)
        old_published = f"{baseline_day:%Y-%m-%d}"
    delta, direction = _delta(row), _direction(row)
    relation, restated = row["period_relation"], row["restated"]  # db/periods.py's rule, stored by the diff
    comparison = periods.of_change(row)  # like with like: 1—7月 against 1—5月 adds months, it is no change
    if comparison is not None and not comparison.comparable and row["outcome"] == "changed":
        direction = ""
        delta = None if comparison.months_added is None else periods.months_added_label(comparison.months_added)
    return Item(
        metric=row["metric"], region=row["region"], kind=row["kind"],
        period=reader_period(row["period"], published, target=target),
        new=display_value(row["value"], row["unit"], row["kind"], row["qualifier"]),
        old=old, delta=delta, kind_label=KIND_LABELS.get(row["kind"], ""), old_period=old_period,
        old_published=old_published, direction=direction,
        period_relation=relation, restated=restated,
        match=row.get("match") or "exact", match_reason=row.get("match_reason") or "",
        baseline_metric=row.get("baseline_metric") or "",
        status=row["status"], sentence_before=before, surface=found, sentence_after=after,
        title=row["title"], url=row["canonical_url"], link=_link(row["canonical_url"], sentence, surface),
        source=row["source_name"], published=f"{published:%Y-%m-%d}", observation_id=row["observation_id"],
        page=f"/figure/{row['observation_id']}")


def _with_history(conn: Connection, items: list[Item]) -> None:
    """Give moved figures their indicator's recent values (one query for all), for the digest's small charts."""
    found = history.recent_values(conn, [i.observation_id for i in items], sparks.POINTS)
    for item in items:
        item.history = tuple(found.get(item.observation_id, ()))
        item.spark = sparks.sparkline(item.history)


def _dedupe(rows: list[ChangeRow], zone: tzinfo, mark: int = 0,
            standings: dict[int, confirm.Standing] | None = None) -> list[Item]:
    """The same figure stated in several articles is one item ("also in N more"), a bureau's copy of it first;
    a news figure that a bureau's figure of the list confirms in other digits folds into the bureau's line."""
    standings = standings or {}
    seen: dict[tuple[object, ...], Item] = {}
    for row in rows:
        key = (row["metric"], row["region"], row["kind"], row["status"], row["value"], row["unit"], row["period"])
        standing = standings.get(row["observation_id"])
        held = seen.get(key)
        if held is not None and not (standing is not None and standing.official and not held.official):
            held.also_in += 1
            continue
        item = _item(row, zone)
        _annotate(item, standing, zone)
        if _first_seq(row) <= mark:
            item.correction = _correction(row)
        if held is not None:  # the bureau's copy takes the line over
            item.also_in = held.also_in + 1
        seen[key] = item
    return _fold(list(seen.values()))


def _annotate(item: Item, standing: confirm.Standing | None, zone: tzinfo) -> None:
    """An item's confirmation state, where its figure has one, and where an attachment's figure was read."""
    if standing is None:
        return
    item.confirmation, item.official = standing.state, standing.official
    item.confirmed_by = "、".join(standing.sources)
    item.provenance, item.attachment_url = standing.provenance, standing.attachment_url
    if standing.conflicting is not None and standing.state == "conflict":
        item.conflict = shown(standing.conflicting, zone)
    if standing.headline is not None:
        official = shown(standing.headline, zone)
        if official.value != item.new:  # the news rounded it: the bureau's figure heads the line
            item.headline, item.headline_source = official.value, official.source
            item.headline_id = standing.headline.observation_id


def _fold(items: list[Item]) -> list[Item]:
    """News items headed by a bureau's figure that has a line of its own: said on that line instead."""
    lines = {item.observation_id: item for item in items}
    kept = []
    for item in items:
        official = lines.get(item.headline_id) if item.headline_id else None
        if official is None:
            kept.append(item)
            continue
        official.also_in += 1 + item.also_in
        official.reported = "；".join(filter(None, [official.reported, f"{item.new}（{item.source}）"]))
    return kept


def _first_seq(row: ChangeRow) -> int:
    return int(row.get("first_seq") or row.get("commit_seq") or 0)


def _unseen(row: ChangeRow, mark: int) -> bool:
    """Whether a comparison is news to a digest whose last one covered commit number `mark`: compared first
    after it, or revised after it (db/reprocess.py). A figure re-keyed or compared again, to the same effect,
    is not reported twice."""
    return _first_seq(row) > mark or int(row.get("revised_seq") or 0) > mark


WITHDRAWN = "此前报告的这一数字已撤回：重新读取原文不再得出 (withdrawn: the article, read again, no longer gives this figure)"


def _withdrawn(rows: list[ChangeRow], zone: tzinfo) -> list[Item]:
    """Figures reported before that a reprocess no longer finds (db.reprocess.withdrawn), each as it was
    reported, with its correction line."""
    items = [_item(row, zone) for row in rows]
    for item in items:
        item.correction = WITHDRAWN
        item.page = ""  # no longer stored: no page to link to (and no history to chart)
    return items


def _correction(row: ChangeRow) -> str:
    """What a revised comparison said before, as the digest's correction line."""
    before = row.get("revision") or {}
    outcome = before.get("outcome")
    if before.get("what") == "series":  # the same against the baseline; another earlier figure in its series
        if before.get("p_value") is None:
            return "此前在其序列中没有更早的数据，现在有了 (it had no earlier figure in its series; a renamed one now precedes it)"
        earlier = display_value(Decimal(before["p_value"]), before.get("p_unit") or row["unit"], row["kind"],
                                before.get("p_qualifier"))
        day = str(before.get("p_published_at") or "")[:10]
        return f"此前其序列中的上一数据为{earlier}（{day}），已更正 (its earlier figure in the series was {earlier} of {day})"
    if outcome == "new":
        return "此前列为新指标 (previously reported as a new figure)"
    if outcome == "confirmed":
        return "此前报为与基线相同 (previously reported as unchanged since the baseline)"
    if outcome == "changed" and before.get("b_value") is not None:
        old = display_value(Decimal(before["b_value"]), before.get("b_unit") or row["unit"],
                            before.get("kind") or row["kind"], before.get("b_qualifier"))
        return f"此前对比基线“{before.get('b_metric') or ''}” {old} (previously compared with another baseline figure)"
    return "此前的对比已更正 (the earlier comparison was corrected)"


def source_trouble(conn: Connection) -> list[Row]:
    """Sources whose last run failed or was blocked, or that found nothing HEALTH_THRESHOLD runs in a row."""
    return conn.execute(
        "SELECT * FROM source_health WHERE last_status IN ('failed', 'blocked') OR consecutive_bad >= %s "
        "ORDER BY source", [HEALTH_THRESHOLD]).fetchall()


def targets_of(conn: Connection, rows: list[ChangeRow], zone: tzinfo) -> list[targets.TargetItem]:
    """The targets-against-actuals section for the figures a digest shows: each of their indicators that
    has a target and an actual, its latest target beside its latest actual (db.targets)."""
    keys = [(r["metric"], r["region"], r["kind"], r["unit"]) for r in rows]
    return targets.items(target_store.against_actuals(conn, keys), zone)


def gather(conn: Connection, subscriber: Row, health: list[Row], upto: Marks, zone: tzinfo) -> Content:
    """What is new for a subscriber since their last digest, filtered by their preferences.

    `subscriber` carries its watermarks (`mark_change`, `mark_article`: what its last digest covered), as
    alerts.delivery selects them; `upto` is `db.commit_order.committed_marks`, read once per run: the
    digest covers what lies between, in commit order, and what is numbered later waits for the next one.
    `health` is `source_trouble`, the same for every digest of a run; dates are given in `zone`
    (CYWATCH_TIMEZONE).
    """
    marks = {"c": subscriber["mark_change"], "a": subscriber["mark_article"]}
    regions, metrics = list(subscriber["regions"]), list(subscriber["metrics"])
    rows = diff.changes(conn, after_change=marks["c"], upto_change=upto.change, regions=regions, metrics=metrics)
    rows = [r for r in rows if _unseen(r, marks["c"])]
    gone = reprocess.withdrawn(conn, after_change=marks["c"], upto_change=upto.change, regions=regions,
                               metrics=metrics)  # reported before, no longer found: one correction line each
    content = Content(change_mark=max(marks["c"], upto.change), article_mark=max(marks["a"], upto.article))
    wanted = conditions.Conditions.from_json(subscriber.get("conditions"))
    if wanted.active():  # only the changed figures that meet a condition; nothing else but source health
        selected = conditions.select(conn, wanted, rows)
        content.changed = _dedupe(selected, zone, marks["c"],
                                  confirm.standings(conn, [r["observation_id"] for r in selected]))
        content.changed += _withdrawn(conditions.select(conn, wanted, gone), zone)
        _with_history(conn, content.changed)
        content.targets = targets_of(conn, selected, zone)
        content.health = health
        return content
    corrected_confirmed = [r for r in rows if r["outcome"] == "confirmed" and _first_seq(r) <= marks["c"]]
    standings = confirm.standings(conn, [r["observation_id"] for r in rows])
    content.changed = _dedupe([r for r in rows if r["outcome"] == "changed"] + corrected_confirmed, zone, marks["c"],
                              standings)
    content.changed += _withdrawn([r for r in gone if r["outcome"] == "changed"], zone)
    _with_history(conn, content.changed)
    content.new = _dedupe([r for r in rows if r["outcome"] == "new"], zone, marks["c"], standings)
    content.new += _withdrawn([r for r in gone if r["outcome"] == "new"], zone)
    content.confirmed = sum(1 for r in rows if r["outcome"] == "confirmed") - len(corrected_confirmed)
    content.targets = targets_of(conn, [r for r in rows if r["outcome"] in ("changed", "new")] + corrected_confirmed,
                                 zone)
    content.articles = conn.execute(
        """
        SELECT a.id, a.title, a.canonical_url, s.name AS source_name, a.published_at, a.section,
               (SELECT count(*) FROM indicator_observations o WHERE o.article_id = a.id) AS indicators
        FROM articles a JOIN sources s ON s.id = a.source
        WHERE a.commit_seq > %(after)s AND a.commit_seq <= %(upto)s
          AND a.relevant AND a.duplicate_of IS NULL AND a.origin = 'crawl'
          AND (cardinality(%(regions)s::text[]) = 0 AND cardinality(%(metrics)s::text[]) = 0
               OR EXISTS (SELECT 1 FROM indicator_observations o WHERE o.article_id = a.id
                          AND (cardinality(%(regions)s::text[]) = 0 OR o.region = ANY(%(regions)s))
                          AND (cardinality(%(metrics)s::text[]) = 0 OR EXISTS (
                               SELECT 1 FROM unnest(%(metrics)s::text[]) m WHERE strpos(o.metric, m) > 0))))
        ORDER BY a.published_at DESC, a.id
        """, {"after": marks["a"], "upto": upto.article, "regions": regions, "metrics": metrics}).fetchall()
    content.health = health
    return content


# --- rendering ----------------------------------------------------------------------------------------------

_ENV = Environment(loader=PackageLoader("alerts", "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=for_readers)
_INLINER = css_inline.CSSInliner()


@dataclass(frozen=True, slots=True)
class Rendered:
    """A digest ready for the outbox."""

    subject: str
    message: EmailMessage


# Stand-ins for what differs between subscribers who get the same digest: rendered (and CSS-inlined) once,
# then replaced per subscriber. Plain ASCII, so they pass escaping and inlining untouched.
_EMAIL = "cywatch-placeholder-email"
_UNSUBSCRIBE = "https://cywatch-placeholder.invalid/unsubscribe"
_FULL = "https://cywatch-placeholder.invalid/full"
_MANAGE = "https://cywatch-placeholder.invalid/manage"


@dataclass(frozen=True, slots=True)
class Template:
    """A digest rendered for a group of subscribers with the same content, before personalising."""

    period: Period
    subject: str
    text: str
    html: str
    full_html: str
    images: tuple[tuple[str, bytes], ...] = ()  # (Content-ID, PNG) of the small charts the html shows


def subject_of(content: Content, period: Period) -> str:
    parts = []
    if content.changed:
        parts.append(f"{len(content.changed)}项指标变动")
    if content.new:
        parts.append(f"{len(content.new)}项新指标")
    if content.articles:
        parts.append(f"{len(content.articles)}篇新报道")
    if content.health and not parts:
        parts.append(f"{len(content.health)}个信息源异常")
    return f"成渝观察 {period.label}：" + "、".join(parts)


MAX_CHARTS = 50  # small charts per digest (moved figures beyond it have their sparkline only)


def _charts(content: Content, period: Period, settings: Settings) -> list[tuple[str, bytes] | None]:
    """The (Content-ID, PNG) of each moved figure's small chart, None for one with fewer than 2 values."""
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    return [(f"chart{n}.{period.key}@{domain}", sparks.png(item.history, item.direction))
            if len(item.history) > 1 else None for n, item in enumerate(content.changed[:MAX_CHARTS], 1)]


def _context(content: Content, period: Period, subscriber: Row, settings: Settings, limit: int | None,
             links: dict[str, str], charts: list[str]) -> dict[str, object]:
    def cut(items: list[Any]) -> tuple[list[Any], int]:
        if limit is None or len(items) <= limit:
            return items, 0
        return items[:limit], len(items) - limit

    changed, more_changed = cut(content.changed)
    new, more_new = cut(content.new)
    articles, more_articles = cut(content.articles)
    targets_shown, more_targets = cut(content.targets)
    return {"period": period, "subscriber": subscriber, "changed": changed, "more_changed": more_changed,
            "new": new, "more_new": more_new, "articles": articles, "more_articles": more_articles,
            "health": content.health, "confirmed": content.confirmed, "links": links,
            "targets": targets_shown, "more_targets": more_targets,
            "public_url": settings.public_url, "tz": settings.zone, "status_labels": STATUS_LABELS,
            "charts": charts + [""] * (len(changed) - len(charts))}


def render_for_group(content: Content, period: Period, subscriber: Row, settings: Settings) -> Template:
    """Render the digest once for every subscriber who shares `subscriber`'s content and filters."""
    links = {"unsubscribe": _UNSUBSCRIBE, "full": _FULL, "manage": _MANAGE}
    shown = dict(subscriber) | {"email": _EMAIL}
    charts = _charts(content, period, settings)
    attached = [c for c in charts[:settings.digest_limit] if c is not None]  # the mail's: in its shown part
    short = _context(content, period, shown, settings, settings.digest_limit, links,
                     [f"cid:{c[0]}" if c else "" for c in charts])
    whole = _context(content, period, shown, settings, None, links,  # a web page: the images in it
                     [f"data:image/png;base64,{base64.b64encode(c[1]).decode()}" if c else "" for c in charts])
    return Template(period=period, subject=readable(subject_of(content, period)),
                    text=_ENV.get_template("digest.txt").render(short),
                    html=_INLINER.inline(_ENV.get_template("digest.html").render(short)),
                    full_html=_INLINER.inline(_ENV.get_template("digest.html").render(whole | {"complete": True})),
                    images=tuple(attached))


def _links(subscriber: Row, period: str, settings: Settings) -> dict[str, str]:
    """A subscriber's signed links: one-click unsubscribe, the full digest behind "N more", their preferences."""
    secret = settings.signing_secret()
    owner = {"s": subscriber["id"], "e": subscriber["email"], "g": subscriber["generation"]}
    unsubscribe = tokens.make(secret, "unsubscribe", owner)
    full = tokens.make(secret, "digest", {"s": subscriber["id"], "p": period})
    return {"unsubscribe": f"{settings.public_url}/unsubscribe/{unsubscribe}",
            "full": f"{settings.public_url}/digest/{full}", "manage": manage_link(owner, settings)}


def manage_link(owner: dict[str, object], settings: Settings) -> str:
    """The signed link to a subscriber's own preferences page (owner: id `s`, address `e`, generation `g`)."""
    return f"{settings.public_url}/manage/{tokens.make(settings.signing_secret(), 'manage', owner)}"


def signed_links(subscriber: Row, period: str, settings: Settings) -> dict[str, str]:
    """A subscriber's signed links of `period` (what chat messages link to): `full`, the whole digest on the
    web page; `manage`, their preferences; `unsubscribe`, one click. A subscriber without an address is signed
    with none."""
    return _links(subscriber, period, settings)


def _fill(text: str, subscriber: Row, links: dict[str, str], *, in_html: bool) -> str:
    address = html.escape(label(subscriber)) if in_html else label(subscriber)  # no address: `#17`
    return text.replace(_EMAIL, address).replace(_UNSUBSCRIBE, links["unsubscribe"]).replace(
        _FULL, links["full"]).replace(_MANAGE, links["manage"])


def personalise(template: Template, subscriber: Row, settings: Settings, *, now: datetime | None = None) -> Rendered:
    """One subscriber's email from a group's rendering: their address, their signed links, their Message-ID."""
    links = _links(subscriber, template.period.key, settings)
    display, address = parseaddr(settings.mail_from)
    domain = address.rpartition("@")[2] or "localhost"
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(display_name=display, addr_spec=address)
    message["To"] = Address(display_name=subscriber.get("name") or "", addr_spec=envelope_address(subscriber["email"]))
    message["Subject"] = template.subject
    message["Date"] = format_datetime(now or datetime.now(settings.zone))
    message["Message-ID"] = f"<digest.{template.period.key}.{subscriber['id']}@{domain}>"
    message["List-Id"] = f"chengyu-watch digest <digest.{domain}>"
    message["List-Unsubscribe"] = f"<{links['unsubscribe']}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_fill(template.text, subscriber, links, in_html=False))
    message.add_alternative(_fill(template.html, subscriber, links, in_html=True), subtype="html")
    if template.images:  # the small charts, by Content-ID: multipart/alternative(text, related(html, png…))
        body = message.get_body(("html",))
        assert body is not None  # added just above
        for cid, image in template.images:
            body.add_related(image, "image", "png", cid=f"<{cid}>", disposition="inline",
                             filename=cid.partition(".")[0] + ".png")
    return Rendered(template.subject, message)


def personalise_page(template_html: str, subscriber: Row, period: str, settings: Settings) -> str:
    """A stored full digest (with placeholders) as one subscriber sees it behind "N more"."""
    return _fill(template_html, subscriber, _links(subscriber, period, settings), in_html=True)
