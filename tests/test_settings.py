"""The settings: one definition (settings/), the README's table held to it, and bad values refused at start."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from settings import VARIABLES, ConfigError, Settings, values
from tests.conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _readme_table() -> dict[str, str]:
    """Variable -> its default cell, from README.md's configuration table."""
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        names_cell, default_cell = (cell.strip() for cell in line.strip("|").split("|")[:2])
        names = re.findall(r"`([A-Z_]+)`", names_cell)
        defaults = default_cell.split("`, `") if len(names) > 1 else [default_cell]
        assert len(defaults) == len(names), line
        for name, default in zip(names, defaults, strict=True):
            rows[name] = default.strip("` ")
    return rows


def _shown(value: object) -> str:
    if isinstance(value, bool):  # a switch, as it is written: 1 or 0
        return "1" if value else "0"
    return f"{value:g}" if isinstance(value, float) else str(value)


def test_the_readme_documents_exactly_the_variables_the_settings_read():
    documented = _readme_table()
    assert sorted(documented) == sorted(v.name for v in VARIABLES)


@pytest.mark.parametrize("variable", VARIABLES, ids=lambda v: v.name)
def test_the_readme_gives_each_variables_default(variable):
    cell = _readme_table()[variable.name]
    if variable.field == "data_dir":  # a checkout's var/, else from the home directory (or XDG_DATA_HOME)
        assert "var/" in cell and "~/.local/share/chengyu-watch" in cell
    elif variable.default is None:  # unset means none, or the README says what stands in for it
        assert cell.startswith("*(")
    else:
        assert cell.split("`")[0] == _shown(variable.default)


def test_every_variable_is_parsed_into_the_settings():
    given = {"DATABASE_URL": "postgresql://db/cywatch", "CYWATCH_DATA_DIR": "/srv/cywatch",
             "CYWATCH_MIRROR": "http://127.0.0.1:8800/", "CYWATCH_USER_AGENT": "ua/1",
             "CYWATCH_CONTACT_URL": "https://example.org/contact", "CYWATCH_DOWNLOAD_TIMEOUT": "2m",
             "CYWATCH_LOG_LEVEL": "warning", "CYWATCH_PROGRESS_INTERVAL": "0", "SMTP_URL": "smtp://relay:25",
             "CYWATCH_SECRET": "s", "CYWATCH_PUBLIC_URL": "https://cywatch.example.org/",
             "CYWATCH_MAIL_FROM": "成渝观察 <digest@example.org>", "CYWATCH_SMTP_TIMEOUT": "45",
             "CYWATCH_SMTP_CA_FILE": "/etc/ca.pem", "CYWATCH_SMTP_RETRY_AFTER": "5m",
             "CYWATCH_DIGEST_LIMIT": "7", "CYWATCH_MATCH_ACCEPT": "0.85", "CYWATCH_MATCH_POSSIBLE": "0.5",
             "CYWATCH_SEND_WORKERS": "2", "CYWATCH_WEBHOOK_TIMEOUT": "1m", "CYWATCH_UNSAFE_LOOPBACK_WEBHOOKS": "yes",
             "CYWATCH_SCHEDULE": "0  6 * * 1", "CYWATCH_TIMEZONE": "Europe/Berlin",
             "CYWATCH_WEB_HOST": "0.0.0.0", "CYWATCH_WEB_PORT": "9000", "CYWATCH_OPERATOR_PASSWORD": "pw",
             "CYWATCH_TEST_ADMIN_URL": "postgresql://postgres@db/postgres",
             "CYWATCH_SCRAPYD_URLS": "http://cy:pw@node1:6800/, https://node2.example.org",
             "CYWATCH_SCRAPYD_PINS": "cqrb=2, sc_gov=1", "CYWATCH_SCRAPYD_POLL": "0.5"}
    assert set(given) == {v.name for v in VARIABLES}
    s = Settings.from_env(given)
    assert (s.database_url, s.data_dir, s.mirror) == ("postgresql://db/cywatch", Path("/srv/cywatch"),
                                                      "http://127.0.0.1:8800")
    assert (s.crawler_user_agent, s.contact_url, s.download_timeout, s.log_level, s.progress_interval) == (
        "ua/1", "https://example.org/contact", 120.0, "WARNING", 0.0)
    assert s.smtp is not None and (s.smtp.host, s.smtp.port, s.smtp.timeout, s.smtp.ca_file) == (
        "relay", 25, 45.0, "/etc/ca.pem")
    assert (s.secret, s.public_url, s.mail_from, s.smtp_retry_after, s.digest_limit) == (
        "s", "https://cywatch.example.org", "成渝观察 <digest@example.org>", 300.0, 7)
    assert (s.match_accept, s.match_possible) == (0.85, 0.5)
    assert (s.send_workers, s.webhook_timeout, s.unsafe_loopback_webhooks) == (2, 60.0, True)
    assert Settings.from_env({}).unsafe_loopback_webhooks is False  # off unless asked
    assert (s.schedule, s.timezone, s.zone.key, s.web_host, s.web_port, s.test_admin_url) == (
        "0 6 * * 1", "Europe/Berlin", "Europe/Berlin", "0.0.0.0", 9000, "postgresql://postgres@db/postgres")
    assert s.scrapyd_urls == ("http://cy:pw@node1:6800", "https://node2.example.org")
    assert s.scrapyd_pins == (("cqrb", 2), ("sc_gov", 1))
    assert s.scrapyd_poll == 0.5


def test_unset_and_empty_variables_take_the_defaults(tmp_path):
    empty = {v.name: "" for v in VARIABLES}
    s = Settings.from_env(empty | {"XDG_DATA_HOME": str(tmp_path)})
    assert s == Settings(database_url=None, data_dir=ROOT / "var")  # in a checkout: its own var/
    assert s.crawler_user_agent == "chengyu-watch/0.1 (+https://github.com/chengyu-watch/chengyu-watch)"
    assert s.smtp is None


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("CYWATCH_WEB_PORT", "80a", "CYWATCH_WEB_PORT must be a port number, got '80a'"),
    ("CYWATCH_WEB_PORT", "70000", "CYWATCH_WEB_PORT must be a port number (1 to 65535), got '70000'"),
    ("CYWATCH_SMTP_RETRY_AFTER", "5 minutes", "CYWATCH_SMTP_RETRY_AFTER must be a duration in seconds "
                                              "(300, 300s, 5m or 2h), got '5 minutes'"),
    ("CYWATCH_DIGEST_LIMIT", "0", "CYWATCH_DIGEST_LIMIT must be a whole number of at least 1, got '0'"),
    ("CYWATCH_UNSAFE_LOOPBACK_WEBHOOKS", "maybe", "CYWATCH_UNSAFE_LOOPBACK_WEBHOOKS must be 1 or 0 (true or false), "
                                                   "got 'maybe'"),
    ("CYWATCH_TIMEZONE", "Asia/Chengdu", "CYWATCH_TIMEZONE must be a time zone name such as Asia/Shanghai, "
                                         "got 'Asia/Chengdu'"),
    ("CYWATCH_SCHEDULE", "daily", "CYWATCH_SCHEDULE must be a cron schedule of five fields"),
    ("CYWATCH_LOG_LEVEL", "loud", "CYWATCH_LOG_LEVEL must be one of CRITICAL, ERROR, WARNING, INFO, DEBUG"),
    ("CYWATCH_MIRROR", "127.0.0.1:8800", "CYWATCH_MIRROR must be an http:// or https:// URL with a host"),
    ("CYWATCH_MAIL_FROM", "成渝观察 <简报@例子.中国>", "CYWATCH_MAIL_FROM needs an ASCII address"),
    ("CYWATCH_MATCH_ACCEPT", "80%", "CYWATCH_MATCH_ACCEPT must be a number from 0 to 1, such as 0.8, got '80%'"),
    ("CYWATCH_MATCH_ACCEPT", "1.5", "CYWATCH_MATCH_ACCEPT must be a number from 0 to 1"),
    ("CYWATCH_MATCH_POSSIBLE", "0.9", "CYWATCH_MATCH_POSSIBLE must not be above CYWATCH_MATCH_ACCEPT (0.8), got 0.9"),
    ("CYWATCH_SCRAPYD_PINS", "cqrb:1", "CYWATCH_SCRAPYD_PINS must be pairs SOURCE=N (N from 1), separated by "
                                       "commas, got 'cqrb:1'"),
    ("CYWATCH_SCRAPYD_PINS", "cqrb=1", "CYWATCH_SCRAPYD_PINS pins cqrb to node 1, but CYWATCH_SCRAPYD_URLS "
                                       "lists 0 node(s)"),
    ("CYWATCH_SCRAPYD_POLL", "0", "CYWATCH_SCRAPYD_POLL must be a duration of more than 0 seconds (1, 0.5, 2s), "
                                  "got '0'"),
])
def test_a_bad_value_is_one_line_naming_the_variable(name, value, expected):
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value).startswith(expected) and "\n" not in str(raised.value)


def test_a_bad_scrapyd_url_is_refused_without_repeating_its_password():
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"CYWATCH_SCRAPYD_URLS": "http://cy:hunter2@node1:6800,node2:6800"})
    assert str(refused.value) == "CYWATCH_SCRAPYD_URLS must be an http:// or https:// URL with a host"


def test_a_bad_smtp_url_is_refused_without_repeating_its_password():
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"SMTP_URL": "smtp://digest:s3cret@relay:25?starttls=off"})
    assert str(raised.value) == "SMTP_URL has credentials, which are never sent without TLS; drop ?starttls=off"
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"SMTP_URL": "smtp://digest:s3cret@relay:port"})
    assert "s3cret" not in str(raised.value) and "port" in str(raised.value)


@pytest.mark.parametrize(("text", "seconds"), [("300", 300), ("0", 0), ("2.5", 2.5), ("300s", 300), ("5m", 300),
                                               ("5M", 300), ("1.5m", 90), ("2h", 7200), (" 10 ", 10)])
def test_durations_are_seconds_or_carry_a_unit(text, seconds):
    assert values.seconds(text) == seconds


@pytest.mark.parametrize("text", ["5x", "-1", "m", "5 m s", "1e3", "five"])
def test_what_is_not_a_duration_is_refused(text):
    with pytest.raises(ValueError, match="must be a duration"):
        values.seconds(text)


def test_ports_urls_levels_and_zones_parse_as_documented():
    assert values.port("8080") == 8080 and values.port(" 1 ") == 1
    for bad in ("0", "65536", "80a", ""):
        with pytest.raises(ValueError, match="port number"):
            values.port(bad)
    assert values.http_url("https://example.org/") == "https://example.org"
    for bad in ("ftp://example.org", "example.org", "http://"):
        with pytest.raises(ValueError, match="URL"):
            values.http_url(bad)
    assert values.log_level("debug") == "DEBUG"
    assert values.timezone("UTC") == "UTC"
    assert values.cron("30  7 * * *") == "30 7 * * *"
    assert values.positive_int("25") == 25


# --- at start, for every command: one line, exit status 2, no traceback ---------------------------------------

BAD = [("CYWATCH_WEB_PORT", "80a", ["web"]),
       ("CYWATCH_WEB_PORT", "80a", ["status"]),
       ("CYWATCH_SMTP_RETRY_AFTER", "5 minutes", ["digest", "--date", "2024-08-12"]),
       ("CYWATCH_DOWNLOAD_TIMEOUT", "soon", ["crawl", "cq_gov"]),
       ("CYWATCH_DIGEST_LIMIT", "lots", ["run", "--date", "2024-08-12"]),
       ("CYWATCH_TIMEZONE", "Asia/Chengdu", ["extract", "README.md"]),
       ("CYWATCH_PROGRESS_INTERVAL", "often", ["scheduler"])]


@pytest.mark.parametrize(("name", "value", "command"), BAD, ids=lambda p: p if isinstance(p, str) else " ".join(p))
def test_a_bad_variable_stops_any_command_at_start_with_one_line(cli_env, name, value, command):
    result = run_cli(*command, env=cli_env | {name: value}, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"cywatch: {name} must be ")
    assert repr(value) in result.stderr


def test_the_crawl_entry_point_refuses_a_bad_variable_the_same_way(cli_env):
    result = subprocess.run([sys.executable, "-m", "crawler.run", "--until", "2024-08-12"], cwd=ROOT,
                            env=cli_env | {"CYWATCH_SMTP_TIMEOUT": "30 s please"}, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert result.stderr == ("crawler.run: CYWATCH_SMTP_TIMEOUT must be a duration in seconds (300, 300s, 5m or 2h), "
                             "got '30 s please'\n")
