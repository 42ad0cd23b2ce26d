"""Diff, subscribers, digests, the outbox and unsubscribing: real PostgreSQL, real SMTP (aiosmtpd)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date, datetime
from datetime import time as clock
from decimal import Decimal
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import trustme

from crawler.baseline import load as load_baseline
from crawler.extract import extract_indicators
from db import baseline
from db.articles import Article, store_article
from devtools.mirror import serving
from settings import SITES_TIMEZONE as SHANGHAI
from tests.conftest import ROOT, run_cli
from tests.fixtures.sitegen import ARTICLES, SITES, WINDOW, real_url
from tests.mail import MailServer, free_port

PUBLIC = "https://cywatch.example.org"
DAY = "2024-08-12"


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    return cli_env | {"CYWATCH_SECRET": "test-secret", "CYWATCH_PUBLIC_URL": PUBLIC, "CYWATCH_SMTP_TIMEOUT": "5",
                      "CYWATCH_MAIL_FROM": "成渝观察 <digest@example.org>", "CYWATCH_SMTP_RETRY_AFTER": "0",
                      "CYWATCH_PROGRESS_INTERVAL": "0"}


def seed(db, *texts: tuple[str, str], with_baseline: bool = True) -> None:
    """The baseline, then articles stored as the crawler's pipeline stores them."""
    if with_baseline:
        load_baseline(db, baseline.bundled())
    for title, body in texts:
        published = datetime.combine(date(2024, 8, 10), clock(9), SHANGHAI)
        text = f"{title}\n\n{body}"
        i = int(hashlib.sha1(title.encode()).hexdigest()[:6], 16)
        indicators = [r for r in extract_indicators(text, published.date(), default_region="重庆")
                      if r.start > len(title)]
        store_article(db, Article(source="cqrb", canonical_url=f"https://epaper.cqrb.cn/cqrb/2024-08/10/003/content_rb_{9000 + i}.htm",
                                  title=title, published_at=published, body=text, doc_id=f"content_rb_{9000 + i}",
                                  relevant=True, relevance=Decimal(5)), indicators)


CORRIDORS = ("川渝省际高速公路通道增至18条",
             "截至7月底，川渝省际高速公路通道增至18条。1—7月重庆技术合同成交额420.3亿元，增长9.1%。")


def add(env: dict[str, str], *args: str) -> None:
    result = run_cli("subscribers", "add", *args, env=env)
    assert result.returncode == 0, result.stderr


def digest(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("digest", "--date", DAY, *args, env=env)


@pytest.mark.slow
def test_crawl_then_digest_delivers_what_moved(db, env):
    assert run_cli("baseline", "load", env=env).returncode == 0
    with serving(SITES) as mirror:
        crawled = run_cli("crawl", "--since", WINDOW[0].isoformat(), "--until", WINDOW[1].isoformat(),
                          env=env | {"CYWATCH_MIRROR": mirror.url, "CYWATCH_DOWNLOAD_TIMEOUT": "2"})
    assert crawled.returncode == 0, crawled.stderr
    add(env, "analyst@example.org", "--name", "王分析")
    with MailServer() as smtp:
        first = digest(env | {"SMTP_URL": smtp.url()})
        second = digest(env | {"SMTP_URL": smtp.url()})
    assert first.returncode == 0, first.stderr + first.stdout
    assert "1 built, 1 sent" in first.stdout
    assert "0 built, 0 sent" in second.stdout  # rerunning sends nothing
    [mail] = smtp.received
    assert mail.recipients == ["analyst@example.org"]
    text = mail.text()
    # the old figure with its period and date, the new one with its period, as readers write them
    assert "省际高速公路通道（川渝）: 增至16条（基线 baseline：上半年 · 2024-06-22）→ 增至18条（1—7月）  +2条（+12.5%）" \
        in text
    assert "技术合同成交额 · 增速（重庆）: 8.2%（基线 baseline：1—5月 · 2024-06-22）→ 9.1%（1—7月）" in text
    assert "2024-01/2024-07" not in text and "#:~:text=" not in text  # no ISO ranges, no 250-character links
    longest_url = max(len(real_url(a)) for a in ARTICLES)  # the statistics bureaus' TRS paths are long
    assert max(len(line) for line in text.splitlines() if "http" in line and "unsubscribe" not in line
               and "/manage/" not in line) < longest_url + 40  # signed links aside
    assert "截至7月底，川渝省际高速公路通道增至18条。" in text
    assert "https://epaper.cqrb.cn/cqrb/2024-08/10/003/content_rb_330103.htm" in text
    html = mail.html()
    assert "&lt;script&gt;alert(" in html and "<script>" not in html  # a hostile title stays text
    assert 'style="' in html  # CSS inlined for mail clients
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "multipart/related"]
    related = list(message.iter_parts())[1]  # the html, and the small charts of its moved figures
    assert [p.get_content_type() for p in related.iter_parts()][0] == "text/html"
    assert {p.get_content_type() for p in related.iter_parts()} == {"text/html", "image/png"}
    assert str(make_header(decode_header(message["Subject"]))).startswith("成渝观察 2024年8月12日：")
    assert str(message["To"]) == "王分析 <analyst@example.org>"
    subscriber_id = db.execute("SELECT id FROM subscribers").fetchone()["id"]
    assert message["Message-ID"] == f"<digest.{DAY}.{subscriber_id}@example.org>"
    assert re.fullmatch(rf"<{PUBLIC}/unsubscribe/[\w.-]+>", message["List-Unsubscribe"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    row = db.execute("SELECT state, attempts FROM digests").fetchone()
    assert (row["state"], row["attempts"]) == ("sent", 1)


def test_starttls_with_a_self_signed_certificate(db, env, tmp_path):
    seed(db, CORRIDORS)
    add(env, "tls@example.org")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(tmp_path / "server.pem")
    ca.cert_pem.write_to_path(tmp_path / "ca.pem")
    with MailServer(tls=(tmp_path / "server.pem", tmp_path / "server.pem"), users={"digest": "s3cret"}) as smtp:
        result = digest(env | {"SMTP_URL": smtp.url("digest", "s3cret"), "CYWATCH_SMTP_CA_FILE": str(tmp_path / "ca.pem")})
        untrusted = run_cli("send-test-email", "x@example.org", env=env | {"SMTP_URL": smtp.url("digest", "s3cret")})
        unsayable = run_cli("send-test-email", "x@example.org", env=env | {
            "SMTP_URL": smtp.url("digest", "密码"), "CYWATCH_SMTP_CA_FILE": str(tmp_path / "ca.pem")})
    assert result.returncode == 0, result.stdout + result.stderr
    assert unsayable.returncode == 1 and "user or password is not ASCII" in unsayable.stdout
    assert [m.recipients for m in smtp.received] == [["tls@example.org"]]
    assert untrusted.returncode == 1 and "certificate verify failed" in untrusted.stdout  # never unverified


def test_a_451_leaves_the_digest_pending_and_a_later_run_sends_it(db, env):
    seed(db, CORRIDORS)
    add(env, "later@example.org")
    with MailServer() as smtp:
        smtp.handler.replies["later@example.org"] = "451 4.7.1 Greylisted, try again later"
        first = digest(env | {"SMTP_URL": smtp.url()})
        row = db.execute("SELECT state, last_error FROM digests").fetchone()
        db.commit()
        del smtp.handler.replies["later@example.org"]
        second = digest(env | {"SMTP_URL": smtp.url()})
    assert first.returncode == 1 and "1 to retry later" in first.stdout  # not delivered yet: not a success
    assert row["state"] == "pending" and row["last_error"].startswith("451 4.7.1 Greylisted")
    assert "1 sent" in second.stdout
    assert len(smtp.received) == 1
    assert db.execute("SELECT state, attempts FROM digests").fetchone() == {"state": "sent", "attempts": 2}


def test_a_421_at_rcpt_is_recorded_as_the_servers_reply_and_the_next_recipient_still_gets_theirs(db, env):
    seed(db, CORRIDORS)
    add(env, "busy@example.org")
    add(env, "next@example.org")
    with MailServer() as smtp:
        smtp.handler.replies["busy@example.org"] = "421 4.7.0 Too many connections, closing"  # and it closes
        result = digest(env | {"SMTP_URL": smtp.url()})
    row = db.execute("SELECT state, last_error FROM digests WHERE recipient = 'busy@example.org'").fetchone()
    assert row["state"] == "pending" and row["last_error"] == "421 4.7.0 Too many connections, closing"
    assert "retry later: busy@example.org: 421 4.7.0 Too many connections" in result.stdout
    assert [m.recipients for m in smtp.received] == [["next@example.org"]]


def test_an_smtp_server_that_is_down_shows_in_the_exit_status(db, env):
    seed(db, CORRIDORS)
    add(env, "waiting@example.org")
    result = digest(env | {"SMTP_URL": f"smtp://127.0.0.1:{free_port()}"})
    assert result.returncode == 1, result.stdout
    assert "1 built, 0 sent, 1 to retry later" in result.stdout
    assert db.execute("SELECT state FROM digests").fetchone()["state"] == "pending"


def test_a_550_fails_that_recipient_only(db, env):
    seed(db, CORRIDORS)
    add(env, "gone@example.org")
    add(env, "here@example.org")
    with MailServer() as smtp:
        smtp.handler.replies["gone@example.org"] = "550 5.1.1 No such user"
        result = digest(env | {"SMTP_URL": smtp.url()})
    assert result.returncode == 1
    assert "failed: gone@example.org: 550 5.1.1 No such user" in result.stdout
    assert [m.recipients for m in smtp.received] == [["here@example.org"]]
    states = {r["recipient"]: r["state"] for r in db.execute("SELECT recipient, state FROM digests")}
    assert states == {"gone@example.org": "failed", "here@example.org": "sent"}
    listing = run_cli("outbox", env=env)
    assert "gone@example.org" in listing.stdout and "550 5.1.1 No such user" in listing.stdout
    assert "here@example.org" not in listing.stdout


def test_two_processes_at_once_send_each_digest_once(db, env):
    seed(db, CORRIDORS)
    for i in range(6):
        add(env, f"reader{i}@example.org")
    with MailServer() as smtp:
        smtp.handler.stall_data = 0.2
        procs = [subprocess.Popen([sys.executable, "-m", "cywatch", "digest", "--date", DAY],
                                  env=env | {"SMTP_URL": smtp.url()}, cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    recipients = sorted(r for m in smtp.received for r in m.recipients)
    assert recipients == sorted(f"reader{i}@example.org" for i in range(6))


@pytest.mark.parametrize(("stall", "stage", "after"), [("rcpt", "claimed", "sent"), ("data", "data", "unknown")])
def test_a_send_interrupted_by_a_crash_is_resolved_by_the_next_run(db, env, stall, stage, after):
    seed(db, CORRIDORS)
    add(env, "crash@example.org")
    with MailServer() as smtp:
        setattr(smtp.handler, f"stall_{stall}", 30)
        process = subprocess.Popen([sys.executable, "-m", "cywatch", "digest", "--date", DAY],
                                   env=env | {"SMTP_URL": smtp.url()}, cwd=ROOT, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row = db.execute("SELECT state, stage FROM digests").fetchone()
            db.commit()
            if row and row["stage"] == stage:
                break
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        assert db.execute("SELECT state FROM digests").fetchone()["state"] == "sending"
        db.commit()
        assert "0 pending, 1 being sent (lease until" in run_cli("status", env=env).stdout  # not "nothing"
        # the lease (10 minutes) runs out: rather than wait, move its end into the past
        db.execute("UPDATE digests SET lease_until = now() - interval '1 second'")
        db.commit()
        setattr(smtp.handler, f"stall_{stall}", 0)
        smtp.handler.received.clear()
        result = digest(env | {"SMTP_URL": smtp.url()})
        row = db.execute("SELECT id, state FROM digests").fetchone()
        db.commit()
        assert result.returncode == (1 if after == "unknown" else 0), result.stdout + result.stderr
        assert row["state"] == after
        if after == "unknown":  # it may have been delivered: not resent blindly, shown, resent on request
            assert smtp.received == []
            assert "unknown" in run_cli("outbox", env=env).stdout
            assert run_cli("outbox", "resend", str(row["id"]), env=env).returncode == 0
            assert db.execute("SELECT attempts FROM digests").fetchone()["attempts"] == 0  # a fresh start
            db.commit()
            digest(env | {"SMTP_URL": smtp.url()})
            assert db.execute("SELECT state FROM digests").fetchone()["state"] == "sent"
        assert len(smtp.received) == 1


def test_a_sender_whose_lease_was_taken_over_does_not_send_a_second_copy(db, env):
    seed(db, CORRIDORS)
    add(env, "slow@example.org")
    env = env | {"CYWATCH_SMTP_TIMEOUT": "20"}

    def digest_process(smtp: MailServer) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "cywatch", "digest", "--date", DAY],
                                env=env | {"SMTP_URL": smtp.url()}, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    with MailServer() as smtp:
        smtp.handler.stall_rcpt = 5
        slow = digest_process(smtp)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not db.execute(
                "SELECT 1 FROM digests WHERE state = 'sending'").fetchone():
            db.commit()
            time.sleep(0.05)
        # The slow sender's lease runs out while its server sits on RCPT; another run takes the digest over
        # and is still sending it (its server sits on DATA) when the slow one gets its RCPT answer.
        db.execute("UPDATE digests SET lease_until = now() - interval '1 second'")
        db.commit()
        smtp.handler.stall_rcpt, smtp.handler.stall_data = 0, 5
        takeover = digest_process(smtp)
        slow_out, slow_err = slow.communicate(timeout=60)
        takeover_out, takeover_err = takeover.communicate(timeout=60)
    assert takeover.returncode == 0 and "1 sent" in takeover_out, takeover_out + takeover_err
    assert len(smtp.received) == 1
    assert slow.returncode == 0, slow_out + slow_err
    assert "taken over by another process" in slow_err
    assert db.execute("SELECT state FROM digests").fetchone()["state"] == "sent"


def test_without_smtp_url_digests_are_written_as_files(db, env):
    seed(db, CORRIDORS)
    add(env, "files@example.org")
    add(env, "ops/team@example.org")  # a '/' is legal in an address, and must not pick the folder
    result = digest(env)
    folder = Path(env["CYWATCH_DATA_DIR"]) / "outbox"
    assert f"written as .eml files under {folder}" in result.stdout
    message = (folder / DAY / "files@example.org.eml").read_bytes()
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in message
    assert sorted(p.name for p in (folder / DAY).iterdir()) == ["files@example.org.eml", "ops%2Fteam@example.org.eml"]


def test_dry_run_writes_files_and_stores_and_sends_nothing(db, env, tmp_path):
    seed(db, CORRIDORS)
    add(env, "dry@example.org")
    with MailServer() as smtp:
        result = digest(env | {"SMTP_URL": smtp.url()}, "--dry-run", str(tmp_path / "preview"))
    assert result.returncode == 0 and "1 digest(s) written" in result.stdout
    assert (tmp_path / "preview" / DAY / "dry@example.org.eml").exists()
    assert smtp.received == []
    assert db.execute("SELECT count(*) AS n FROM digests").fetchone()["n"] == 0


def test_nothing_new_means_no_email(db, env):
    load_baseline(db, baseline.bundled())
    add(env, "quiet@example.org")
    with MailServer() as smtp:
        result = digest(env | {"SMTP_URL": smtp.url()})
    assert "0 built, 0 sent" in result.stdout and smtp.received == []


def test_preferences_filter_what_a_digest_contains(db, env):
    seed(db, CORRIDORS, ("四川规上工业增加值增长6.3%", "1—7月，四川省规上工业增加值增长6.3%，川渝合作持续深化。"))
    add(env, "cq@example.org", "--region", "重庆市")
    add(env, "roads@example.org", "--metric", "高速公路")
    add(env, "weekly@example.org", "--frequency", "weekly")
    with MailServer() as smtp:
        digest(env | {"SMTP_URL": smtp.url()})  # 2024-08-12 is a Monday: the weekly one is due too
    texts = {m.recipients[0]: m.text() for m in smtp.received}
    assert set(texts) == {"cq@example.org", "roads@example.org", "weekly@example.org"}
    assert "技术合同成交额（重庆）" in texts["cq@example.org"]
    assert "省际高速公路通道（川渝）" not in texts["cq@example.org"]
    assert "省际高速公路通道（川渝）" in texts["roads@example.org"] and "技术合同" not in texts["roads@example.org"]
    assert "四川" in texts["weekly@example.org"] and "2024年第33周" in texts["weekly@example.org"]


def test_a_long_digest_is_shortened_with_n_more(db, env):
    seed(db, CORRIDORS, *[(f"第{i}篇", f"1—7月重庆新增科技型企业{100 + i}家，成渝协同。") for i in range(5)])
    add(env, "long@example.org")
    with MailServer() as smtp:
        digest(env | {"SMTP_URL": smtp.url(), "CYWATCH_DIGEST_LIMIT": "2"})
    [mail] = smtp.received
    assert re.search(rf"… 另有\d+项 \d+ more: {PUBLIC}/digest/[\w.-]+", mail.text())


def test_subscriber_commands_validate_and_list(db, env):
    assert "added a@example.org (daily)" in run_cli("subscribers", "add", "a@example.org", env=env).stdout
    bad = run_cli("subscribers", "add", "not-an-address", env=env)
    assert bad.returncode == 2 and "not a valid email address" in bad.stderr
    unknown = run_cli("subscribers", "add", "b@example.org", "--region", "火星", env=env)
    assert unknown.returncode == 2 and "unknown region(s): 火星" in unknown.stderr
    run_cli("subscribers", "add", "c@example.org", "--region", "四川省", "--metric", "规模以上工业增加值",
            "--frequency", "weekly", env=env)
    listing = run_cli("subscribers", "list", env=env).stdout
    assert re.search(r"c@example.org\s+weekly\s+四川\s+规上工业增加值", listing)
    assert run_cli("subscribers", "remove", "a@example.org", env=env).returncode == 0
    assert run_cli("subscribers", "remove", "a@example.org", env=env).returncode == 1


def test_updating_a_subscriber_keeps_what_was_not_given_and_respects_an_unsubscribe(db, env):
    add(env, "d@example.org", "--name", "王分析", "--region", "重庆", "--frequency", "weekly", "--operator")
    add(env, "d@example.org", "--metric", "投资")
    row = db.execute("SELECT * FROM subscribers WHERE email = 'd@example.org'").fetchone()
    assert (row["name"], row["regions"], row["metrics"], row["frequency"], row["operator"]) == (
        "王分析", ["重庆"], ["投资"], "weekly", True)
    add(env, "d@example.org", "--clear-filters", "--no-operator")
    row = db.execute("SELECT * FROM subscribers WHERE email = 'd@example.org'").fetchone()
    assert (row["regions"], row["metrics"], row["operator"]) == ([], [], False)

    db.execute("UPDATE subscribers SET unsubscribed_at = now() WHERE email = 'd@example.org'")
    db.commit()
    again = run_cli("subscribers", "add", "d@example.org", env=env)
    assert again.returncode == 0 and "stays so" in again.stderr
    assert db.execute("SELECT unsubscribed_at FROM subscribers WHERE email = 'd@example.org'").fetchone()[
        "unsubscribed_at"] is not None
    add(env, "d@example.org", "--resubscribe")
    assert db.execute("SELECT unsubscribed_at FROM subscribers WHERE email = 'd@example.org'").fetchone()[
        "unsubscribed_at"] is None


def test_addresses_and_names_that_could_not_be_mailed_are_refused(db, env):
    utf8_local = run_cli("subscribers", "add", "王@example.org", env=env)
    assert utf8_local.returncode == 2 and "not a valid email address" in utf8_local.stderr
    header_injection = run_cli("subscribers", "add", "e@example.org", "--name", "E\r\nBcc: x@evil.example",
                               env=env)
    assert header_injection.returncode == 2 and "control characters" in header_injection.stderr
    assert db.execute("SELECT count(*) AS n FROM subscribers").fetchone()["n"] == 0
    add(env, "f@例子.中国")  # an internationalised domain is fine: it goes out as IDNA
    bad_sender = run_cli("digest", "--date", DAY, env=env | {"CYWATCH_MAIL_FROM": "观察 <观察@example.org>"})
    assert bad_sender.returncode == 2 and "CYWATCH_MAIL_FROM" in bad_sender.stderr


def test_diff_table_json_qualifiers_and_restatements(db, env):
    seed(db, ("川渝技术合同成交额2800亿元", "今年上半年，川渝技术合同成交额2800亿元。"),
         ("总投资超过450亿元", "今年上半年，重庆枢纽港产业提速建设，签约开工第一批重点项目，总投资超过450亿元。"),
         ("综保区", "今年上半年，重庆综保区数量增至6个。"))
    table = run_cli("diff", env=env)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["outcome", "metric", "region", "baseline", "new", "delta", "period", "sources", "source"]
    records = {(r["metric"], r["region"]): r for r in map(json.loads,
                                                            run_cli("diff", "--json", env=env).stdout.splitlines())}
    assert records[("技术合同成交额", "川渝")]["outcome"] == "confirmed"  # 突破2800亿元 then 2800亿元
    assert records[("重点项目总投资", "重庆")]["outcome"] == "changed"  # 超过400亿元 then 超过450亿元
    assert records[("重点项目总投资", "重庆")]["delta"] == 5000000000
    corridor = records[("综保区数量", "重庆")]
    assert corridor["outcome"] == "changed" and corridor["restated"] is True  # same period, another value
    assert any("!restated" in line and "综保区数量" in line for line in lines)
    # the baseline itself never moves
    shown = run_cli("baseline", "show", env=env).stdout.splitlines()
    assert [line.split()[4:6] for line in shown if line.startswith("综保区数量")] == [["7个", "增至"]]


def test_a_diff_before_any_baseline_loads_the_bundled_one_rather_than_call_everything_new(db, env):
    seed(db, CORRIDORS, with_baseline=False)
    result = run_cli("diff", "--json", env=env)
    assert result.returncode == 0 and "loaded the bundled one" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    corridors = next(r for r in records if r["metric"] == "省际高速公路通道")
    assert (corridors["outcome"], corridors["baseline_value"], corridors["value"]) == ("changed", 16, 18)


def test_two_year_to_date_figures_of_different_dates_are_later_not_restated(db, env):
    # the baseline (2024-06-22): 今年以来 … 重大合作事项100项; this article (2024-08-10): 今年以来 … 120项
    seed(db, ("川渝合作", "今年以来，川渝共同实施重大合作事项120项。"))
    [record] = [r for r in map(json.loads, run_cli("diff", "--json", env=env).stdout.splitlines())
                if r["metric"] == "重大合作事项"]
    assert (record["outcome"], record["restated"], record["period_relation"]) == ("changed", False, "later")
    add(env, "reader@example.org")
    with MailServer() as smtp:
        digest(env | {"SMTP_URL": smtp.url()})
    [mail] = smtp.received
    line = next(line for line in mail.text().splitlines() if "重大合作事项" in line)
    assert "100项（基线 baseline：今年以来 · 2024-06-22）→ 120项（今年以来）" in line
    assert "restated" not in line and "更新期数据 later period" in line


def test_a_figure_for_an_earlier_period_than_the_baseline_is_labelled_so(db, env):
    seed(db, ("1—4月重庆技术合同成交额", "1—4月重庆技术合同成交额250.1亿元。"))  # the baseline has 1—5月
    table = run_cli("diff", env=env).stdout
    assert re.search(r"changed \(earlier period\)\s+技术合同成交额\s+重庆", table), table
    add(env, "history@example.org")
    with MailServer() as smtp:
        digest(env | {"SMTP_URL": smtp.url()})
    [mail] = smtp.received
    assert "早于基线的时期 earlier period than the baseline" in mail.text()


def test_history_shows_a_figure_over_time_and_exports_safe_csv(db, env):
    seed(db, ("=HYPERLINK(\"http://evil.example\") 川渝省际高速公路通道增至18条",
              "截至7月底，川渝省际高速公路通道增至18条。"))
    table = run_cli("history", "省际高速公路通道", env=env)
    assert table.returncode == 0, table.stderr
    rows = [line.split() for line in table.stdout.splitlines()[2:]]
    assert [(r[3], r[5], r[-1]) for r in rows] == [("2024-06-22", "增至16条", "baseline"),
                                                  ("2024-08-10", "增至18条", "cqrb")]
    assert rows[1][6] == "+2条"
    exported = list(csv.DictReader(io.StringIO(run_cli("history", "省际高速公路通道", "--format", "csv",
                                                       env=env).stdout)))
    assert [(r["value"], r["step"], r["baseline"]) for r in exported] == [("16", "", "True"), ("18", "2", "False")]
    assert exported[1]["title"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    unknown = run_cli("history", "高速公路通道数", env=env)
    assert unknown.returncode == 1 and "known metrics like it: 省际高速公路通道" in unknown.stderr


def test_send_test_email_says_what_the_server_answered(env):
    with MailServer() as smtp:
        ok = run_cli("send-test-email", "me@example.org", env=env | {"SMTP_URL": smtp.url()})
        smtp.handler.replies["nobody@example.org"] = "550 5.1.1 Unknown user"
        refused = run_cli("send-test-email", "nobody@example.org", env=env | {"SMTP_URL": smtp.url()})
    assert ok.returncode == 0 and "RCPT TO: 250 OK" in ok.stdout and "DATA: 250 2.0.0 Ok: queued" in ok.stdout
    assert refused.returncode == 1 and "result: failed: 550 5.1.1 Unknown user" in refused.stdout
    down = run_cli("send-test-email", "me@example.org", env=env | {"SMTP_URL": f"smtp://127.0.0.1:{free_port()}"})
    assert down.returncode == 1 and "could not talk to smtp://127.0.0.1" in down.stdout
    wrong = run_cli("send-test-email", "me@example.org", env=env | {"SMTP_URL": "https://mailer:hunter2@example.org"})
    assert wrong.returncode == 2 and "SMTP_URL must look like" in wrong.stderr
    assert "hunter2" not in wrong.stdout + wrong.stderr


def test_web_with_an_unreachable_database_says_so_in_one_line_at_once(env):
    started = time.monotonic()
    result = run_cli("web", "--port", str(free_port()), timeout=60,
                     env=env | {"DATABASE_URL": f"postgresql://cywatch@127.0.0.1:{free_port()}/cywatch"})
    assert time.monotonic() - started < 15
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "DATABASE_URL=" in result.stderr, result.stderr


# --- unsubscribing, over real HTTP ----------------------------------------------------------------------------

@pytest.fixture
def web(env):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "cywatch", "web", "--port", str(port)], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)


def fetch(url: str, data: bytes | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_one_click_unsubscribe_over_http(db, env, web):
    seed(db, CORRIDORS)
    add(env, "leave@example.org")
    add(env, "stay@example.org")
    with MailServer() as smtp:
        digest(env | {"SMTP_URL": smtp.url()})
    leaving = next(m for m in smtp.received if m.recipients == ["leave@example.org"])
    link = leaving.message["List-Unsubscribe"].strip("<>").replace(PUBLIC, web)
    status, page = fetch(link)  # what a link scanner or a click does: a confirmation page only
    assert status == 200 and "Stop sending chengyu-watch digests to leave@example.org?" in page and "<form" in page
    assert db.execute("SELECT unsubscribed_at FROM subscribers WHERE email = 'leave@example.org'").fetchone()[
        "unsubscribed_at"] is None
    db.commit()
    status, page = fetch(link, data=b"List-Unsubscribe=One-Click")  # RFC 8058 one-click POST
    assert status == 200 and "leave@example.org 将不再收到摘要。 leave@example.org will receive no more digests." in page
    status, page = fetch(link[:-3] + "xyz", data=b"")
    assert status == 400 and "not valid" in page
    # the next digest goes to the one who stayed only
    seed(db, ("渝西规上工业增加值增长13.5%", "1—7月渝西地区规上工业增加值增长13.5%，成渝协同发展。"))
    with MailServer() as smtp:
        run_cli("digest", "--date", "2024-08-13", env=env | {"SMTP_URL": smtp.url()})
    assert [m.recipients for m in smtp.received] == [["stay@example.org"]]


def test_an_expired_unsubscribe_link_gets_a_clear_400(db, env, web):
    from alerts import tokens

    add(env, "old@example.org")
    subscriber = db.execute("SELECT id, email FROM subscribers").fetchone()
    stale = tokens.make("test-secret", "unsubscribe", {"s": subscriber["id"], "e": subscriber["email"]},
                        issued_at=time.time() - tokens.UNSUBSCRIBE_MAX_AGE - 60)
    status, page = fetch(f"{web}/unsubscribe/{stale}")
    assert status == 400 and "链接已过期。 This link has expired." in page  # Chinese first, English second


def test_after_resubscribing_an_old_unsubscribe_link_no_longer_works(db, env, web):
    seed(db, CORRIDORS)
    add(env, "back@example.org")
    with MailServer() as smtp:
        digest(env | {"SMTP_URL": smtp.url()})
    old = smtp.received[0].message["List-Unsubscribe"].strip("<>").replace(PUBLIC, web)
    assert fetch(old, data=b"List-Unsubscribe=One-Click")[0] == 200
    add(env, "back@example.org", "--resubscribe")
    for data in (None, b"List-Unsubscribe=One-Click"):  # neither the form nor one-click unsubscribes now
        status, page = fetch(old, data=data)
        assert status == 400 and "from before back@example.org subscribed again" in page
    state = db.execute("SELECT unsubscribed_at FROM subscribers").fetchone()
    db.commit()
    assert state["unsubscribed_at"] is None
    seed(db, ("渝西规上工业增加值增长13.5%", "1—7月渝西地区规上工业增加值增长13.5%，成渝协同发展。"), with_baseline=False)
    with MailServer() as smtp:
        run_cli("digest", "--date", "2024-08-13", env=env | {"SMTP_URL": smtp.url()})
    new = smtp.received[0].message["List-Unsubscribe"].strip("<>").replace(PUBLIC, web)
    status, page = fetch(new, data=b"List-Unsubscribe=One-Click")
    assert status == 200 and "will receive no more digests" in page
    assert db.execute("SELECT unsubscribed_at FROM subscribers").fetchone()["unsubscribed_at"] is not None


def test_bidi_and_control_characters_in_scraped_text_never_reach_readers(db, env):
    hostile = "\u202e", "\u2066", "\u200f", "\x1b", "\u2028"
    title = "川渝省际高速\u202e路公\u2066通道增至18条\x1b"
    seed(db, (title, "截至7月底，川渝省际\u202e高速公路通道\u200f增至18条。\u20281—7月重庆技术合同成交额420.3亿元。"))
    add(env, "reader@example.org")
    with MailServer() as smtp:
        digest(env | {"SMTP_URL": smtp.url()})
    [mail] = smtp.received
    page = db.execute("SELECT full_html FROM digest_renderings").fetchone()["full_html"]  # what the web serves
    shown = {"subject": str(mail.message["Subject"]), "text": mail.text(), "html": mail.html(), "web": page}
    assert {part: [c for c in hostile if c in value] for part, value in shown.items()} == {p: [] for p in shown}
    assert all("川渝省际高速路公通道增至18条" in shown[part] for part in ("text", "html", "web"))
    assert "截至7月底，川渝省际高速公路通道增至18条。" in shown["text"]


def test_a_figure_restated_in_other_words_meets_its_baseline_figure(db, env):
    """The baseline's 省际高速公路通道 restated as 省际高速公路: compared, marked inferred, in the digest."""
    seed(db, ("川渝间高速公路再添新线", "截至7月底，川渝两地省际高速公路达到18条。"
                                    "两地共同实施的两批重大项目总计320个。"))
    result = run_cli("diff", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    rows = {r["metric"]: r for r in map(json.loads, result.stdout.splitlines())}
    road = rows["省际高速公路"]
    assert (road["outcome"], road["match"], road["baseline_value"], road["value"]) == ("changed", "inferred", 16, 18)
    assert "metric" in road["match_reason"]
    add(env, "reader@example.org")
    with MailServer() as smtp:
        digest(env | {"SMTP_URL": smtp.url()})
    text = smtp.received[0].text()
    assert "推断匹配：基线称“省际高速公路通道”" in text and "16条" in text and "18条" in text
