"""The command line's helpers, tested directly (in process, no subprocess): the one value formatter, the
CSV cells, the test message, the baseline a file makes, `status`'s overview, the signal handlers, and the
registry of command groups."""

from __future__ import annotations

import argparse
import csv
import io
import os
import signal
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from alerts.export import spreadsheet_cell, write_csv
from alerts.transport import probe_message
from crawler.baseline import BaselineFileError, source_for
from crawler.extract.numbers import display_value
from cywatch.cli import GROUPS, build_parser
from cywatch.commands.common import date_arg, positive, with_mirror
from db import baseline
from db.status import overview
from scheduler.signals import exit_on_sigterm, stop_on_signals
from settings import ConfigError, Settings

# --- the value formatter ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "unit", "kind", "qualifier", "shown"), [
    (Decimal(30), "%", "growth", "以上", "30%以上"),  # as Chinese writes it, not 以上30%
    (Decimal(30), "%", "growth", None, "30%"),
    (Decimal(60_0000), "人", "level", "以上", "60万人以上"),
    (Decimal(6), "%", "growth", "左右", "6%左右"),
    (Decimal(25), "天", "level", "以内", "25天以内"),  # durations are read since the second round
    (Decimal(30960000000), "元", "level", "超过", "超过309.6亿元"),
    (Decimal(30), "%", "share", "近", "近30%"),
    (Decimal(10), "位", "rank", "前", "前10"),  # 第10 qualified by 前: the first ten
    (Decimal(3), "位", "rank", None, "第3"),
    (Decimal("1.5"), "百分点", "change", "", "1.5个百分点"),
])
def test_one_formatter_puts_the_qualifier_where_chinese_does(value, unit, kind, qualifier, shown):
    assert display_value(value, unit, kind, qualifier) == shown


# --- CSV ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "cell"), [
    (Decimal("309.60"), "309.6"),
    (datetime(2024, 6, 22, 8, 0, tzinfo=UTC), "2024-06-22T08:00:00+00:00"),
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
    ("-3%", "'-3%"), ("+1", "'+1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("增长6%", "增长6%"), (None, None), (True, True),
])
def test_a_spreadsheet_cell_is_exact_and_never_a_formula(value, cell):
    assert spreadsheet_cell(value) == cell


def test_csv_has_the_fields_in_order_and_one_line_a_row():
    out = io.StringIO()
    write_csv(out, ("metric", "value"), [{"value": Decimal("1.50"), "metric": "=GDP", "other": 1}])
    assert out.getvalue() == "metric,value\n'=GDP,1.5\n"
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["metric", "value"], ["'=GDP", "1.5"]]


# --- the test message -------------------------------------------------------------------------------------------


def test_the_test_message_is_from_the_sender_to_the_recipient_with_a_message_id_of_its_domain():
    sender, raw = probe_message("成渝观察 <digest@example.org>", "reader@example.net")
    message = message_from_bytes(raw, policy=default)
    assert sender == "digest@example.org"
    assert message["To"] == "reader@example.net" and "digest@example.org" in message["From"]
    assert message["Message-ID"].endswith("@example.org>")
    assert "SMTP works" in message.get_content() and b"\r\n" in raw  # SMTP line endings


# --- the baseline a file makes ------------------------------------------------------------------------------


def test_no_file_means_the_bundled_baseline():
    assert source_for(None) == baseline.bundled()


def test_a_baseline_file_needs_its_date_and_title(tmp_path: Path):
    with pytest.raises(BaselineFileError) as missing:
        source_for(str(tmp_path / "a.txt"), None, "cqrb", None)
    assert missing.value.missing == ("date", "title")
    with pytest.raises(BaselineFileError, match="no such file"):
        source_for(str(tmp_path / "a.txt"), date(2024, 6, 22), "cqrb", "标题")
    (tmp_path / "b.bin").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(BaselineFileError) as binary:
        source_for(str(tmp_path / "b.bin"), date(2024, 6, 22), "cqrb", "标题")
    assert binary.value.missing == ()


def test_a_baseline_file_is_decoded_as_pages_are(tmp_path: Path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("今年以来，川渝共同实施重大合作事项120项。".encode("gb18030"))
    source = source_for(str(path), date(2024, 6, 22), "cq_gov", "我们写的标题")
    assert source.text.startswith("今年以来") and source.published == date(2024, 6, 22)
    assert (source.source, source.title, source.label) == ("cq_gov", "我们写的标题", str(path))


# --- status ---------------------------------------------------------------------------------------------------


def test_the_overview_counts_what_is_there(db):
    db.execute("INSERT INTO runs (run_date, status, finished_at, steps) VALUES "
               "('2024-08-11', 'ok', now(), '{\"crawl\": {\"status\": \"ok\"}}'), ('2024-08-12', 'running', NULL, '{}')")
    db.execute("INSERT INTO subscribers (email, operator) VALUES ('a@example.org', true), ('b@example.org', false)")
    db.execute("UPDATE subscribers SET unsubscribed_at = now() WHERE email = 'b@example.org'")
    seen = overview(db, 1)
    assert [(r.run_date, r.status, r.finished_at) for r in seen.runs] == [(date(2024, 8, 12), "running", None)]
    assert overview(db, 5).runs[1].steps == {"crawl": {"status": "ok"}}
    assert (seen.subscribers.active, seen.subscribers.operators) == (1, 1)
    assert seen.outbox == {} and seen.count("pending") == 0
    assert {h.source for h in seen.health} >= {"cqrb"} and all(h.last_status is None for h in seen.health)


# --- signals --------------------------------------------------------------------------------------------------


@pytest.fixture
def restore_signals() -> Iterator[None]:
    saved = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


def test_sigterm_ends_a_command_as_an_interrupt_does(restore_signals):
    exit_on_sigterm()
    with pytest.raises(SystemExit) as leaving:
        os.kill(os.getpid(), signal.SIGTERM)
    assert leaving.value.code == 128 + signal.SIGTERM


def test_a_stop_signal_asks_the_work_to_stop_and_names_itself(restore_signals):
    heard: list[str] = []
    stop_on_signals(heard.append)
    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGINT)
    assert heard == ["SIGTERM", "SIGINT"]


# --- the registry -----------------------------------------------------------------------------------------------


def test_every_subcommand_has_a_handler_and_the_same_names():
    parser = build_parser()
    [commands] = [a for a in parser._actions if a.dest == "command"]
    assert sorted(commands.choices) == sorted([
        "extract", "db", "baseline", "crawl", "mirror", "diff", "history", "subscribers", "digest",
        "send-test-email", "outbox", "web", "run", "scheduler", "status", "reprocess", "review", "lexicon"])
    for argv in (["extract", "-"], ["db", "migrate"], ["baseline", "show"], ["crawl"], ["mirror"], ["diff"],
                 ["history", "x"], ["subscribers", "list"], ["digest"], ["send-test-email", "a@example.org"],
                 ["outbox"], ["outbox", "resend", "1"], ["web"], ["run"], ["scheduler"], ["status"],
                 ["reprocess"], ["review"], ["review", "accept", "1"], ["review", "reject", "1"],
                 ["lexicon", "export"]):
        assert callable(parser.parse_args(argv).handler), argv
    assert all(callable(group.register) for group in GROUPS)


# --- argument types and --mirror ----------------------------------------------------------------------------


def test_argument_types_refuse_with_a_reason():
    assert date_arg("2024-08-12") == date(2024, 8, 12) and positive("3") == 3
    for parse, text, reason in ((date_arg, "12.8.2024", "not a date"), (positive, "0", "1 or more"),
                                (positive, "x", "not a whole number")):
        with pytest.raises(argparse.ArgumentTypeError, match=reason):
            parse(text)


def test_mirror_replaces_the_setting_and_is_checked_as_the_setting_is():
    settings = Settings(database_url=None, data_dir=Path("unused"), mirror="http://127.0.0.1:8800")
    assert with_mirror(settings, None) is settings
    assert with_mirror(settings, "http://127.0.0.1:9/").mirror == "http://127.0.0.1:9"
    assert with_mirror(settings, "").mirror is None  # --mirror '' crawls the real sites
    with pytest.raises(ConfigError, match=r"^--mirror must be an http:// or https:// URL with a host, got 'ftp://x'$"):
        with_mirror(settings, "ftp://x")
