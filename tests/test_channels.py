"""Channels: the registry, chat bots and webhooks through the outbox, against real HTTP receivers on 127.0.0.1
that answer as each API does; the migration of existing subscribers and outbox rows."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import psycopg
import pytest
from lxml import html as lxml_html

from alerts import channels, subscribers
from alerts.channels import summary, webhooks
from alerts.delivery import Report, build, send_due
from db import diff
from db.connection import connect
from db.migrate import migrate
from tests.conftest import ROOT, migrate_up_to, run_cli
from tests.receivers import Receiver, Serving
from tests.test_digest import CORRIDORS, DAY, seed
from tests.webserver import Client, serving

PUBLIC = "https://cywatch.example.org"
APIS = ("wecom", "dingtalk", "feishu", "slack", "telegram")


@pytest.fixture
def config(settings):
    return replace(settings, secret="test-secret", public_url=PUBLIC, smtp_retry_after=0, webhook_timeout=2,
                   mail_from="成渝观察 <digest@example.org>")


@pytest.fixture
def receiver():
    with Serving() as serving:
        yield serving


def targets(receiver: Receiver, tag: str = "t") -> list[str]:
    """One target per API (DingTalk, Feishu and the webhook signed), tokens tagged so that they differ."""
    return [f"wecom://key-{tag}", f"dingtalk://token-{tag}?secret=SECding", f"feishu://hook-{tag}?secret=SECfei",
            f"slack://T0/B0/{tag}", f"telegram://123:tok-{tag}@-100{len(tag)}",
            f"{receiver.url}/hook/{tag}#secret=SECweb"]


def deliver(db, config, receiver: Receiver, *, day: str = DAY) -> Report:
    report = Report()
    diff.compute(db)
    build(db, config, date.fromisoformat(day), report)
    send_due(db, config, report, endpoints={api: receiver.url for api in APIS})
    return report


def states(db) -> Counter[str]:
    rows = db.execute("SELECT channel, state FROM digests").fetchall()
    db.commit()
    return Counter(f"{r['channel']} {r['state']}" for r in rows)


def test_each_channel_gets_one_summary_in_its_format_signed_and_linked(db, config, receiver):
    receiver.secrets.update(dingtalk="SECding", feishu="SECfei", webhook="SECweb")
    seed(db, CORRIDORS)
    subscribers.add(db, "team@example.org", channels=targets(receiver))
    report = deliver(db, config, receiver)
    assert report.built == 7 and report.sent == 7, report
    got = {r.api: r for r in receiver.delivered()}
    assert sorted(got) == sorted([*APIS, "webhook"])
    assert all(r.signed is not False for r in receiver.log)
    assert got["dingtalk"].signed and got["feishu"].signed and got["webhook"].signed
    wecom = got["wecom"].json()
    assert wecom["msgtype"] == "markdown" and got["wecom"].query == {"key": "key-t"}
    text = wecom["markdown"]["content"]
    assert text.startswith("**成渝观察 2024年8月12日：") and "技术合同成交额" in text
    assert f"]({PUBLIC}/digest/" in text  # one summary with a link to the whole digest
    assert got["dingtalk"].json()["markdown"]["title"].startswith("成渝观察")
    assert got["feishu"].json()["card"]["elements"][0]["tag"] == "markdown"
    assert got["slack"].json()["blocks"][1]["text"]["type"] == "mrkdwn" and f"<{PUBLIC}/digest/" in got["slack"].body.decode()
    telegram = got["telegram"].json()
    assert telegram["parse_mode"] == "HTML" and telegram["chat_id"] == "-1001" and got["telegram"].path == "/bot123:tok-t/sendMessage"
    hook = got["webhook"]
    assert hook.headers["idempotency-key"].startswith(f"digest.{DAY}.")
    assert hook.json()["event"] == "digest" and hook.json()["changed"] or hook.json()["new"]
    # the same digests again: nothing more is built or sent
    again = deliver(db, config, receiver)
    assert (again.built, again.sent) == (0, 0)
    assert len(receiver.log) == 6
    # the email target went the no-SMTP way, as before
    assert (config.data_dir / "outbox" / DAY / "team@example.org.eml").exists()


def test_api_errors_rate_limits_and_timeouts_each_end_as_they_should(db, config, receiver):
    receiver.secrets.update(dingtalk="SECding", feishu="SECfei", webhook="SECweb")
    seed(db, CORRIDORS)
    tagged = targets(receiver)
    tagged[2] = "feishu://hook-t?secret=WRONG"  # a bad signature: refused by the API, never retried blindly
    subscribers.add(db, "team@example.org", channels=tagged)
    receiver.plan("wecom", "error")
    receiver.plan("dingtalk", "rate")
    receiver.plan("slack", "429")
    receiver.plan("telegram", "5xx")
    receiver.plan("webhook", "hang")  # it takes the message; its answer never comes
    report = deliver(db, config, receiver)
    assert states(db) == Counter({"email sent": 1, "wecom failed": 1, "feishu failed": 1, "dingtalk pending": 1,
                                  "slack pending": 1, "telegram pending": 1, "webhook unknown": 1})
    assert report.unknown == 1
    waits = {r["channel"]: r["wait"] for r in db.execute(
        "SELECT channel, extract(epoch FROM next_attempt_at - now()) AS wait FROM digests WHERE state = 'pending'")}
    # backed off as each API asked (a minute for 130101; Retry-After: 7); a 502 is simply due again
    assert waits["telegram"] <= 0 < waits["slack"] < waits["dingtalk"]
    errors = {r["channel"]: r["last_error"] for r in db.execute(
        "SELECT channel, last_error FROM digests WHERE state = 'failed'")}
    assert "93000" in errors["wecom"] and "19021" in errors["feishu"]
    db.commit()
    # later: what waits is sent once; the unknown one is not sent again until asked
    db.execute("UPDATE digests SET next_attempt_at = now() WHERE state = 'pending'")
    db.commit()
    webhooks.clear_pauses()  # as if the minute had passed
    later = deliver(db, config, receiver)
    assert later.sent == 3
    assert states(db)["webhook unknown"] == 1
    posted = Counter(r.api for r in receiver.delivered())
    assert posted == Counter({"dingtalk": 1, "slack": 1, "telegram": 1, "webhook": 1})


def test_a_host_that_says_too_fast_is_not_asked_again_in_the_same_run(db, config, receiver):
    seed(db, CORRIDORS)
    for i in range(3):
        subscribers.add(db, f"r{i}@example.org", channels=[f"wecom://key-{i}"])
    receiver.plan("wecom", "ok", "rate")
    deliver(db, config, receiver)
    assert [r.api for r in receiver.log] == ["wecom", "wecom"]  # the third was deferred, not tried
    assert states(db) == Counter({"email sent": 3, "wecom sent": 1, "wecom pending": 2})
    attempts = [r["attempts"] for r in db.execute("SELECT attempts FROM digests WHERE state = 'pending' ORDER BY id")]
    assert attempts == [1, 0]


def test_two_senders_at_once_post_each_message_once(db, config, receiver, settings):
    receiver.secrets.update(webhook="SECweb", dingtalk="SECding")
    seed(db, CORRIDORS)
    for i in range(12):
        subscribers.add(db, f"r{i}@example.org", channels=[f"{receiver.url}/hook/{i}#secret=SECweb",
                                                           f"dingtalk://tok-{i}?secret=SECding"])
    report = Report()
    diff.compute(db)
    build(db, config, date.fromisoformat(DAY), report)
    assert report.built == 36
    reports = [Report(), Report()]

    def sender(index: int) -> None:
        with connect(config) as conn:
            send_due(conn, replace(config, send_workers=2), reports[index], endpoints={"dingtalk": receiver.url})

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert reports[0].sent + reports[1].sent == 36
    keys = Counter(r.headers["idempotency-key"] for r in receiver.delivered("webhook"))
    assert len(keys) == 12 and set(keys.values()) == {1}
    tokens = Counter(r.query["access_token"] for r in receiver.delivered("dingtalk"))
    assert len(tokens) == 12 and set(tokens.values()) == {1}
    assert all(r.signed for r in receiver.log)


def test_a_summary_fits_the_api_limit_and_says_how_many_more(db, config, receiver):
    seed(db, *[(f"成渝地区双城经济圈建设统计快报第{i}期：技术合同成交额持续增长", f"1—7月重庆第{i}类技术合同成交额{400 + i}.5亿元，增长{i % 9}.1%。") for i in range(80)])
    subscribers.add(db, "team@example.org", channels=["wecom://key", "telegram://1:tok@-1"])
    deliver(db, config, receiver)
    wecom = receiver.delivered("wecom")[0].json()["markdown"]["content"]
    assert len(wecom.encode()) <= 4096 and "more)" in wecom and wecom.rstrip().endswith(")")
    telegram = receiver.delivered("telegram")[0].json()["text"]
    assert len(telegram) <= 4096 and "more)" in telegram and "</a>" in telegram


def test_scraped_text_cannot_make_markup():
    markdown = summary.MARKDOWN.escape("标题[点我](https://evil.example)**粗**<b>")
    assert "[" not in markdown and "](" not in markdown and "**" not in markdown and "<" not in markdown
    assert "<" not in summary.TELEGRAM.escape("<a href='x'>") and "<x|" not in summary.SLACK.escape("<x|y>")


@pytest.mark.parametrize(("url", "shown"), [
    ("wecom://0123456789abcdef", "wecom://0123…"),
    ("dingtalk://abcdefTOKEN?secret=SECxyz", "dingtalk://abcd…?secret=***"),
    ("feishu://hook-uuid-123?secret=S3", "feishu://hook…?secret=***"),
    ("slack://T000/B000/XXXXSECRET", "slack://T000…"),
    ("telegram://123456:AAEsecret@-1001234", "telegram://1234…@-1001234"),
    ("https://hooks.example.org/in/TOKEN?x=1#secret=S", "https://hooks.example.org/…#secret=***"),
])
def test_channel_urls_are_parsed_and_redacted(url, shown):
    channel, address = channels.parse_target(url)
    assert channels.redact(channel, address) == shown


@pytest.mark.parametrize("url", ["ftp://x", "wecom://", "https://hooks.example.org/in", "http://hooks.example.org/x#secret=s",
                                 "telegram://tokenonly"])
def test_unusable_channel_urls_are_refused(url):
    with pytest.raises(channels.TargetError):
        channels.parse_target(url)


def test_the_command_line_adds_channels_and_never_prints_their_secrets(db, cli_env):
    added = run_cli("subscribers", "add", "ops@example.org", "--channel", "dingtalk://TOKEN123456?secret=SECRETVALUE",
                    "--channel", "wecom://WECOMKEY999", env=cli_env)
    assert added.returncode == 0, added.stderr
    assert "dingtalk://TOKE…?secret=***" in added.stdout and "wecom://WECO…" in added.stdout
    listed = run_cli("subscribers", "list", env=cli_env)
    refused = run_cli("subscribers", "add", "ops@example.org", "--channel", "https://x.example/in/TOKEN123456", env=cli_env)
    assert refused.returncode == 2 and "signing secret" in refused.stderr
    for output in (added.stdout + added.stderr, listed.stdout + listed.stderr, refused.stderr):
        assert "TOKEN123456" not in output and "SECRETVALUE" not in output and "WECOMKEY999" not in output
    assert "dingtalk://TOKE…" in listed.stdout


def test_existing_subscribers_and_outbox_rows_become_email_targets_sent_once(empty_database, settings, tmp_path):
    migrate_up_to(empty_database, 29)
    with psycopg.connect(empty_database, autocommit=True) as conn:
        reader = conn.execute("INSERT INTO subscribers (email) VALUES ('old@example.org') RETURNING id").fetchone()[0]
        for period, state in (("2024-08-10", "sent"), ("2024-08-11", "pending")):
            conn.execute("INSERT INTO digests (subscriber_id, period, recipient, subject, message_id, message, state) "
                         "VALUES (%s, %s, 'old@example.org', 's', %s, %s, %s)",
                         [reader, period, f"<digest.{period}.{reader}@example.org>", f"Subject: {period}\r\n\r\nx\r\n".encode(), state])
    config = replace(settings, database_url=empty_database, data_dir=tmp_path)
    with connect(config) as conn:
        migrate(conn)
        [target] = subscribers.targets(conn, reader)
        assert (target.channel, target.address) == ("email", "old@example.org")
        assert subscribers.add(conn, "new@example.org").created
        assert [t.channel for t in subscribers.targets(conn, reader + 1)] == ["email"]  # every new one too
        for _ in range(2):
            report = Report()
            send_due(conn, config, report)
        rows = conn.execute("SELECT period, state, idempotency_key FROM digests ORDER BY period").fetchall()
    assert [(r["period"], r["state"]) for r in rows] == [("2024-08-10", "sent"), ("2024-08-11", "sent")]
    written = list(Path(tmp_path / "outbox").rglob("*.eml"))
    assert [p.read_bytes().split(b"\r\n")[0] for p in written] == [b"Subject: 2024-08-11"]


def test_the_generic_webhook_signature_is_what_the_docs_say():
    from alerts.channels.webhooks import webhook_signature

    body = json.dumps({"a": 1}).encode()
    assert webhook_signature("s", 1700000000, body) == "sha256=" + hmac.new(
        b"s", b"1700000000." + body, hashlib.sha256).hexdigest()


def test_a_claim_that_postgresql_no_longer_vouches_for_is_unknown_not_resent(db, config, receiver):
    """A crash of PostgreSQL may lose the marks made without waiting for the disk; it also empties the
    unlogged send_claims. A lapsed claim without its row there is unknown, even before DATA."""
    seed(db, CORRIDORS)
    subscribers.add(db, "a@example.org")
    subscribers.add(db, "b@example.org")
    diff.compute(db)
    build(db, config, date.fromisoformat(DAY), Report())
    from alerts import outbox

    claimed = outbox.claim(db, outbox.new_claimer(), outbox.run_started(db), batch=1)
    other = outbox.claim(db, outbox.new_claimer(), outbox.run_started(db), batch=1)
    assert len(claimed) == len(other) == 1  # two senders, each died at once (stage 'claimed': before DATA)
    db.execute("UPDATE digests SET lease_until = now() - interval '1 second'")
    db.execute("DELETE FROM send_claims WHERE claimed_by = (SELECT claimed_by FROM digests WHERE id = %s)",
               [claimed[0].id])  # what the crash's truncation does
    db.commit()
    assert outbox.resolve_expired(db) == (1, 1)
    rows = {r["id"]: r for r in db.execute("SELECT id, state, last_error FROM digests")}
    assert rows[claimed[0].id]["state"] == "unknown" and "PostgreSQL restarted" in rows[claimed[0].id]["last_error"]
    assert rows[other[0].id]["state"] == "pending"
    assert db.execute("SELECT count(*) AS n FROM send_claims").fetchone()["n"] == 0


# A sender in a process of its own, as `cywatch digest` sends (one worker, an answer waited for long), with
# the chat APIs at the local receiver: ARGV API URL.
_SENDER = """
import sys
from dataclasses import replace
from alerts.delivery import Report, send_due
from db.connection import connect
from settings import Settings
settings = replace(Settings.from_env(), send_workers=1, webhook_timeout=60)
with connect(settings) as conn:
    send_due(conn, settings, Report(), endpoints={sys.argv[1]: sys.argv[2]})
"""


def _posted_to(request) -> tuple[object, ...]:
    """Which target a request was for: a bot's token or key (in the path or the query), a webhook's path."""
    return request.path, request.query.get("key"), request.query.get("access_token")


@pytest.mark.parametrize("api", [*APIS, "webhook"])
def test_kill_9_mid_send_loses_no_message_and_posts_none_twice(db, config, cli_env, receiver, api):
    receiver.secrets.update(dingtalk="SECding", feishu="SECfei", webhook="SECweb")
    seed(db, CORRIDORS)
    for i in range(4):  # chat targets only: every outbox row is one of this API's
        subscribers.add(db, None, channels=[targets(receiver, tag=f"k{i}")[[*APIS, "webhook"].index(api)]])
    diff.compute(db)
    build(db, config, date.fromisoformat(DAY), Report())
    receiver.plan(api, "ok", "hang")  # the second is taken by the receiver, its answer never comes
    env = cli_env | {"CYWATCH_SECRET": "test-secret", "CYWATCH_PUBLIC_URL": PUBLIC}
    process = subprocess.Popen([sys.executable, "-c", _SENDER, api, receiver.url], env=env, cwd=ROOT,
                               start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(receiver.delivered(api)) < 2:
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert len(receiver.delivered(api)) == 2
    db.execute("UPDATE digests SET lease_until = now() - interval '1 second' WHERE state = 'sending'")
    db.commit()
    for _ in range(2):  # the next runs: the one taken mid-answer is unknown, the rest are sent once
        send_due(db, config, Report(), endpoints={api: receiver.url})
    posted = Counter(_posted_to(r) for r in receiver.delivered(api))
    assert len(posted) == 4 and set(posted.values()) == {1}  # nothing lost, nothing posted twice
    assert states(db) == Counter({f"{api} unknown": 1, f"{api} sent": 3})


def test_a_subscriber_of_chat_targets_only_is_named_by_its_id_on_the_command_line(db, cywatch):
    first = cywatch("subscribers", "add", "--channel", "wecom://TEAMKEY123456", "--name", "研究群")
    assert first.returncode == 0, first.stderr
    subscriber_id = db.execute("SELECT id FROM subscribers").fetchone()["id"]
    assert f"added #{subscriber_id} (daily): subscriber #{subscriber_id}" in first.stdout
    again = cywatch("subscribers", "add", "--channel", "wecom://TEAMKEY123456", "--frequency", "weekly")
    assert f"updated #{subscriber_id} (weekly)" in again.stdout, again.stdout + again.stderr  # not a second one
    by_id = cywatch("subscribers", "add", f"#{subscriber_id}", "--channel", "slack://T1/B1/SLACKSECRET9")
    assert by_id.returncode == 0 and "slack://T1/B…" in by_id.stdout, by_id.stdout + by_id.stderr
    assert db.execute("SELECT count(*) AS n FROM subscribers").fetchone()["n"] == 1
    listed = cywatch("subscribers", "list").stdout
    row = next(line for line in listed.splitlines() if line.startswith(f"#{subscriber_id} "))
    assert "研究群" in row and "weekly" in row and "wecom://TEAM…" in row and "TEAMKEY123456" not in listed
    assert cywatch("subscribers", "add", "--name", "x").returncode == 2  # neither address nor channel
    assert cywatch("subscribers", "add", "#999999", "--frequency", "daily").returncode == 2
    # an email subscriber's own address can stop being mailed while a chat target remains, never the last target
    cywatch("subscribers", "add", "lead@example.org", "--channel", "wecom://LEADKEY")
    kept = cywatch("subscribers", "add", "lead@example.org", "--remove-channel", "lead@example.org")
    assert kept.returncode == 0 and "removed lead@example.org" in kept.stdout, kept.stdout + kept.stderr
    assert "lead@example.org (not mailed)" in cywatch("subscribers", "list").stdout
    assert cywatch("subscribers", "add", "lead@example.org", "--remove-channel", "wecom://OTHER").returncode == 2
    last = cywatch("subscribers", "add", "lead@example.org", "--remove-channel", "wecom://LEADKEY")
    assert last.returncode == 2 and "without any target" in last.stderr
    assert cywatch("subscribers", "remove", f"#{subscriber_id}").returncode == 0
    assert db.execute("SELECT count(*) AS n FROM subscribers").fetchone()["n"] == 1


def test_a_chat_only_subscribers_message_carries_working_manage_and_unsubscribe_links(db, config):
    seed(db, CORRIDORS)
    added = subscribers.add(db, None, channels=["wecom://groupkey"], name="研究群")
    diff.compute(db)
    build(db, config, date.fromisoformat(DAY), Report())
    [row] = db.execute("SELECT channel, payload FROM digests").fetchall()  # no email target: one row
    db.commit()
    text = json.loads(bytes(row["payload"]))["markdown"]["content"]
    links = dict(re.findall(rf"\[([^\]]+)\]\({PUBLIC}(/[^)]+)\)", text))
    assert set(links) == {"查看完整摘要 Full digest", "订阅设置 Manage", "退订 Unsubscribe"}
    with serving(config) as base:
        _follow_links(Client(base), links, f"研究群 #{added.id}")
    db.commit()
    assert db.execute("SELECT unsubscribed_at FROM subscribers").fetchone()["unsubscribed_at"] is not None
    assert [r["action"] for r in db.execute("SELECT action FROM web_events")] == ["unsubscribed"]


def _follow_links(client: Client, links: dict[str, str], who: str) -> None:
    """Open the whole digest and the manage page, then unsubscribe, as a member of the chat group would."""
    assert client.get(links["查看完整摘要 Full digest"]).status == 200
    manage = client.get(links["订阅设置 Manage"])
    assert manage.status == 200 and who in manage.text and "wecom://grou…" in manage.text
    page = lxml_html.fromstring(manage.body)
    [remove] = page.xpath("//form[contains(@action, '/targets/')]/@action")
    last = client.post(remove, {"csrf": page.xpath("//input[@name='csrf']/@value")[0]})
    assert last.status == 400 and "the last target" in last.text  # the group's only target stays
    form = client.get(links["退订 Unsubscribe"])
    assert form.status == 200 and who in form.text
    csrf = lxml_html.fromstring(form.body).xpath("//input[@name='csrf']/@value")
    assert client.post(links["退订 Unsubscribe"], {"csrf": csrf[0]} if csrf else {}).status == 200


def test_the_outbox_lists_each_rows_channel_and_target_redacted(db, config, cywatch):
    seed(db, CORRIDORS)
    subscribers.add(db, "ops@example.org", channels=["dingtalk://TOKEN123456?secret=SECRETVALUE",
                                                     "https://hooks.example.org/in/HOOKTOKEN77#secret=HOOKSECRET"])
    diff.compute(db)
    build(db, config, date.fromisoformat(DAY), Report())
    table = cywatch("outbox")
    assert table.returncode == 0, table.stderr
    head, *lines = table.stdout.splitlines()
    assert head.split()[:4] == ["id", "channel", "target", "period"]
    shown = {line.split()[1]: line.split()[2] for line in lines if line.split() and line.split()[0].isdigit()}
    assert shown == {"email": "ops@example.org", "dingtalk": "dingtalk://TOKE…?secret=***",
                     "webhook": "https://hooks.example.org/…#secret=***"}
    as_json = [json.loads(line) for line in cywatch("outbox", "--format", "json").stdout.splitlines()]
    assert {r["channel"]: r["target"] for r in as_json} == shown and {r["state"] for r in as_json} == {"pending"}
    for output in (table.stdout, json.dumps(as_json)):
        assert not any(secret in output for secret in ("TOKEN123456", "SECRETVALUE", "HOOKTOKEN77", "HOOKSECRET"))
