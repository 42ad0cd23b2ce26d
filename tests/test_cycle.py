"""The daily cycle (`cywatch run`) and the scheduler (`cywatch scheduler`), end to end."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler.sources import SOURCES
from devtools.mirror import serving
from tests.conftest import ROOT, run_cli
from tests.fixtures.sitegen import ARTICLES, SITES, WINDOW, real_url, write_recent
from tests.mail import MailServer

SHANGHAI = ZoneInfo("Asia/Shanghai")  # CYWATCH_TIMEZONE's default, which the tests keep

DAY = WINDOW[1].isoformat()
STORED = sorted(real_url(a) for a in ARTICLES if a.expect.stored)


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    return cli_env | {"CYWATCH_SECRET": "test-secret", "CYWATCH_PROGRESS_INTERVAL": "0",
                      "CYWATCH_DOWNLOAD_TIMEOUT": "3", "CYWATCH_MAIL_FROM": "成渝观察 <digest@example.org>"}


def subscribe(env: dict[str, str], *addresses: str, operator: str | None = None) -> None:
    for address in addresses:
        assert run_cli("subscribers", "add", address, env=env).returncode == 0
    if operator:
        assert run_cli("subscribers", "add", operator, "--operator", env=env).returncode == 0


def wait_for(condition, seconds: float = 90, step: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {seconds} s")


@pytest.mark.slow
def test_a_cycle_is_recorded_runs_once_a_day_unless_forced_and_status_shows_it(db, env):
    # one test, since status needs a finished cycle to show and a cycle is the longest thing a test can run
    subscribe(env, "reader@example.org")
    with serving(SITES) as mirror, MailServer() as smtp:
        run_env = env | {"SMTP_URL": smtp.url()}
        first = run_cli("run", "--date", DAY, "--mirror", mirror.url, env=run_env)
        again = run_cli("run", "--date", DAY, "--mirror", mirror.url, env=run_env)
        forced = run_cli("run", "--date", DAY, "--mirror", mirror.url, "--force", env=run_env)
    assert first.returncode == 0, first.stdout + first.stderr
    summary = first.stdout.splitlines()
    assert summary[0].startswith(f"cycle of {DAY}: ok (attempt 1")
    assert summary[1].split()[:3] == ["crawl", "ok", "cqrb"] and "diff    ok" in first.stdout
    assert "digest  ok          1 built, 1 sent" in first.stdout
    assert again.returncode == 0 and "nothing done" in again.stdout and "use --force" in again.stdout
    assert forced.returncode == 0 and "(attempt 2" in forced.stdout
    assert len(smtp.received) == 1  # forced again: the day's digest was already sent
    row = db.execute("SELECT status, attempts, steps, finished_at FROM runs").fetchone()
    assert row["status"] == "ok" and row["attempts"] == 2 and row["finished_at"] is not None
    assert {name: step["status"] for name, step in row["steps"].items()} == dict.fromkeys(("crawl", "diff", "digest"), "ok")
    assert sorted(r["canonical_url"] for r in db.execute("SELECT canonical_url FROM articles WHERE origin = 'crawl'")) == STORED

    status = run_cli("status", env=env | {"CYWATCH_SCHEDULE": "30 7 * * *"})
    assert status.returncode == 0, status.stderr
    out = status.stdout
    assert "recent cycles" in out and f"{DAY}  ok" in out
    assert "sources" in out and "重庆日报" in out
    assert "outbox: 0 pending, 0 being sent, 0 failed, 0 of unknown fate (1 sent)" in out
    assert "next scheduled cycle:" in out and "07:30 CST" in out


@pytest.mark.slow
def test_sigterm_mid_crawl_then_a_restart_completes_the_day_once(db, env):
    subscribe(env, "reader@example.org")
    with MailServer() as smtp:
        run_env = env | {"SMTP_URL": smtp.url()}
        with serving(SITES, delay=0.25) as slow:
            process = subprocess.Popen([sys.executable, "-m", "cywatch", "run", "--date", DAY, "--mirror", slow.url],
                                       env=run_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

            def some_stored() -> bool:
                n = db.execute("SELECT count(*) AS n FROM articles WHERE origin = 'crawl'").fetchone()["n"]
                db.commit()
                return n >= 3

            wait_for(some_stored)
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=90)
        assert process.returncode == 143, out + err
        assert "interrupted" in out and "the next run resumes here" in out
        row = db.execute("SELECT status, steps, finished_at FROM runs").fetchone()
        db.commit()
        assert row["status"] == "interrupted" and row["finished_at"] is None
        assert row["steps"]["crawl"]["status"] == "interrupted" and "digest" not in row["steps"]
        assert smtp.received == []
        with serving(SITES) as mirror:
            resumed = run_cli("run", "--date", DAY, "--mirror", mirror.url, env=run_env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "(attempt 2" in resumed.stdout
    urls = [r["canonical_url"] for r in db.execute("SELECT canonical_url FROM articles WHERE origin = 'crawl'")]
    assert sorted(urls) == STORED  # complete, and nothing twice
    assert [m.recipients for m in smtp.received] == [["reader@example.org"]]  # one digest
    assert db.execute("SELECT count(*) AS n FROM crawl_runs WHERE detail LIKE 'stopped before finishing%'"
                      ).fetchone()["n"] >= 1


@pytest.mark.slow
def test_with_every_source_down_operators_still_hear_and_the_run_fails(db, env):
    subscribe(env, "reader@example.org", operator="ops@example.org")
    with MailServer() as smtp:
        result = run_cli("run", "--date", DAY, "--mirror", "http://127.0.0.1:9", env=env | {"SMTP_URL": smtp.url()})
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith(f"cycle of {DAY}: failed")
    assert "cqrb: nothing could be fetched: Connection was refused" in result.stdout
    [mail] = smtp.received
    assert mail.recipients == ["ops@example.org"]
    assert "信息源状态 (source health)" in mail.text() and "最近一次 last run 失败 failed" in mail.text()


def test_with_no_host_resolving_the_cycle_does_not_retry_and_points_to_the_demo(db, env):
    # .invalid never resolves (RFC 6761): every request fails as it does with no network at all
    result = run_cli("run", "--date", DAY, "--mirror", "http://cywatch-offline.invalid", env=env)
    assert result.returncode == 1
    assert "DNS lookup failed" in result.stdout
    assert "Retrying" not in result.stderr and "Gave up retrying" not in result.stderr, result.stderr
    assert result.stdout.rstrip().endswith("no network? `make demo` runs the same cycle offline")


def test_a_step_that_breaks_is_recorded_and_the_next_steps_still_run(db, env):
    subscribe(env, "reader@example.org")
    # a real failure inside PostgreSQL, the kind a full disk or a bad upgrade gives: every diff insert refused
    db.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
               "$$BEGIN RAISE EXCEPTION 'could not extend file (a test trigger)'; END$$")
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON indicator_changes EXECUTE FUNCTION refuse()")
    db.commit()
    try:
        with serving(SITES) as mirror, MailServer() as smtp:
            result = run_cli("run", "--date", DAY, "--mirror", mirror.url, env=env | {"SMTP_URL": smtp.url()})
    finally:  # the session's database outlives this test
        db.execute("DROP FUNCTION refuse() CASCADE")
        db.commit()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "diff    failed      RaiseException: could not extend file (a test trigger)" in result.stdout
    steps = db.execute("SELECT steps FROM runs WHERE run_date = %s", [DAY]).fetchone()["steps"]
    assert steps["crawl"]["status"] == "ok" and steps["diff"]["status"] == "failed"
    assert "could not extend file" in steps["digest"]["diff_error"]
    [mail] = smtp.received  # readers still get the new articles; no figure was compared
    assert mail.recipients == ["reader@example.org"] and "川渝" in mail.text()


# --- the scheduler --------------------------------------------------------------------------------------------

def scheduler(env: dict[str, str], schedule: str, mirror: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cywatch", "scheduler", "--schedule", schedule, "--mirror", mirror],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished_run(db, day) -> dict | None:
    """The runs row of `day` once its cycle has finished."""
    row = db.execute("SELECT * FROM runs WHERE run_date = %s AND finished_at IS NOT NULL", [day]).fetchone()
    db.commit()
    return row


def stop(process: subprocess.Popen) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=90)
    return process.returncode, err


def test_the_scheduler_catches_up_a_missed_day(db, env, tmp_path):
    today = datetime.now(SHANGHAI).date()
    moved = write_recent(tmp_path / "sites", today)
    subscribe(env, "reader@example.org")
    # the last clean cycle was the day before yesterday; yesterday's never ran
    before = today - timedelta(days=2)
    db.execute("INSERT INTO runs (run_date, status, finished_at) VALUES (%s, 'ok', now() - interval '2 days')", [before])
    for source in SOURCES:
        db.execute("INSERT INTO crawl_runs (source, since, until, status, finished_at) "
                   "VALUES (%s, %s, %s, 'empty', now() - interval '2 days')", [source, before, before])
    db.commit()
    with serving(tmp_path / "sites") as mirror, MailServer() as smtp:
        process = scheduler(env | {"SMTP_URL": smtp.url()}, "0 0 * * *", mirror.url)  # today's run time has passed
        row = wait_for(lambda: finished_run(db, today), 120)
        code, err = stop(process)
    assert code == 0, err
    assert "running it now" in err and row["status"] == "ok"
    yesterday = today - timedelta(days=1)
    expected = sorted(real_url(a) for a in moved if a.expect.stored and before <= a.day <= today)
    stored = sorted(r["canonical_url"] for r in db.execute("SELECT canonical_url FROM articles WHERE origin = 'crawl'"))
    assert stored == expected
    assert any(a.day == yesterday for a in moved if real_url(a) in stored)  # the missed day's articles
    sinces = {r["since"] for r in db.execute("SELECT since FROM crawl_runs WHERE finished_at > now() - interval '1 hour'")}
    assert sinces == {before}  # each crawl went back to where the last clean one ended
    assert [m.recipients for m in smtp.received] == [["reader@example.org"]]


@pytest.mark.slow
def test_two_schedulers_started_together_run_one_cycle(db, env, tmp_path):
    today = datetime.now(SHANGHAI).date()
    write_recent(tmp_path / "sites", today)
    subscribe(env, "a@example.org", "b@example.org")
    with serving(tmp_path / "sites") as mirror, MailServer() as smtp:
        both = [scheduler(env | {"SMTP_URL": smtp.url()}, "0 0 * * *", mirror.url) for _ in range(2)]

        wait_for(lambda: finished_run(db, today), 120)
        time.sleep(3)  # room for a second cycle, were there to be one
        codes = [stop(p)[0] for p in both]
    assert codes == [0, 0]
    row = db.execute("SELECT attempts FROM runs WHERE run_date = %s", [today]).fetchone()
    assert row["attempts"] == 1
    assert db.execute("SELECT count(*) AS n FROM crawl_runs").fetchone()["n"] == len(SOURCES)  # one crawl per source
    assert sorted(r for m in smtp.received for r in m.recipients) == ["a@example.org", "b@example.org"]


@pytest.mark.slow
def test_a_scheduled_cycle_waits_for_a_manual_one_instead_of_skipping_the_day(db, env, tmp_path):
    today = datetime.now(SHANGHAI).date()
    write_recent(tmp_path / "sites", today)
    subscribe(env, "reader@example.org")
    db.execute("SELECT pg_advisory_lock(hashtext('cywatch:cycle'))")  # as a `cywatch run --date …` backfill holds it
    db.commit()
    with serving(tmp_path / "sites") as mirror, MailServer() as smtp:
        process = scheduler(env | {"SMTP_URL": smtp.url()}, "0 0 * * *", mirror.url)
        lines, said_waiting = [], threading.Event()

        def read_stderr() -> None:
            for line in process.stderr:
                lines.append(line)
                if "waiting for it to finish" in line:
                    said_waiting.set()

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        assert said_waiting.wait(120), "".join(lines)  # the scheduler's catch-up met the held lock
        waiting = db.execute("SELECT count(*) AS n FROM runs WHERE run_date = %s", [today]).fetchone()["n"] == 0
        db.commit()
        db.execute("SELECT pg_advisory_unlock(hashtext('cywatch:cycle'))")  # the backfill ends
        db.commit()
        row = wait_for(lambda: finished_run(db, today), 120)
        process.send_signal(signal.SIGTERM)
        code = process.wait(90)
        reader.join(10)
        err = "".join(lines)
    assert waiting
    assert code == 0 and row["status"] == "ok", err
    assert [m.recipients for m in smtp.received] == [["reader@example.org"]]

