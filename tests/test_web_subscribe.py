"""Self-service subscriptions over real HTTP and real SMTP (aiosmtpd): double opt-in, manage, unsubscribe."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest
from lxml import html

from alerts import tokens
from settings import Settings
from tests.mail import MailServer
from tests.webserver import Client, Reply, serving

PUBLIC = "https://cywatch.example.org"


@pytest.fixture
def smtp():
    with MailServer() as server:
        yield server


@pytest.fixture
def client(settings: Settings, smtp, db):
    configured = replace(settings, secret="test-secret", public_url=PUBLIC, smtp_url=smtp.url(), smtp_timeout=5,
                         mail_from="成渝观察 <digest@example.org>")
    with serving(configured) as base:
        yield Client(base)


def _csrf(reply: Reply) -> str:
    return html.fromstring(reply.body).xpath("//input[@name='csrf']/@value")[0]


def _subscribe(client: Client, email: str, **fields: str) -> Reply:
    form = client.get("/subscribe")
    return client.post("/subscribe", {"email": email, "csrf": _csrf(form), **fields})


def _link(smtp, address: str) -> str:
    [mail] = [m for m in smtp.received if m.recipients == [address]][-1:]
    return re.search(rf"{PUBLIC}/\S+", mail.text())[0].replace(PUBLIC, "")


def test_subscribe_confirm_by_the_mailed_link_manage_and_unsubscribe(client, smtp, db):
    reply = _subscribe(client, "New.Reader@Example.org", regions="重庆市 四川", metrics="投资", frequency="weekly")
    assert reply.status == 200 and "new.reader@example.org" in reply.text
    assert db.execute("SELECT count(*) AS n FROM subscribers").fetchone()["n"] == 0  # nothing before confirming
    confirm = _link(smtp, "new.reader@example.org")
    assert confirm.startswith("/subscribe/confirm/")
    page = client.get(confirm)  # what a link scanner does too: it subscribes no one
    assert page.status == 200 and "四川、重庆" in page.text
    assert db.execute("SELECT count(*) AS n FROM subscribers").fetchone()["n"] == 0
    done = client.post(confirm, {"csrf": _csrf(page)})
    assert done.status == 200 and "will receive chengyu-watch digests" in done.text
    db.commit()
    row = db.execute("SELECT * FROM subscribers").fetchone()
    assert (row["email"], row["regions"], row["metrics"], row["frequency"]) == (
        "new.reader@example.org", ["四川", "重庆"], ["投资"], "weekly")
    manage = html.fromstring(done.body).xpath("//a[@id='next']/@href")[0].replace(PUBLIC, "")
    form = client.get(manage)
    assert form.status == 200 and html.fromstring(form.body).xpath("//input[@name='regions']/@value") == ["四川 重庆"]
    saved = client.post(manage, {"csrf": _csrf(form), "regions": "", "metrics": "技术合同", "frequency": "daily"})
    assert saved.status == 200
    db.commit()
    row = db.execute("SELECT * FROM subscribers").fetchone()
    assert (row["regions"], row["metrics"], row["frequency"]) == ([], ["技术合同"], "daily")
    unsubscribe = html.fromstring(form.body).xpath("//form[button[@id='unsubscribe']]/@action")[0]
    assert client.post(unsubscribe, {"csrf": _csrf(form)}).status == 200
    db.commit()
    assert db.execute("SELECT unsubscribed_at FROM subscribers").fetchone()["unsubscribed_at"] is not None
    events = [r["action"] for r in db.execute("SELECT action FROM web_events ORDER BY id")]
    assert events == ["subscribe_requested", "subscribe_confirmed", "preferences", "unsubscribed"]
    # the confirmation link, followed again after the unsubscribe, does not undo it
    again = client.get(confirm)
    assert client.post(confirm, {"csrf": _csrf(again)}).status == 400
    db.commit()
    assert db.execute("SELECT unsubscribed_at FROM subscribers").fetchone()["unsubscribed_at"] is not None


def test_the_page_never_tells_who_is_subscribed(client, smtp, db):
    db.execute("INSERT INTO subscribers (email) VALUES ('known@example.org')")
    db.commit()
    known, unknown = _subscribe(client, "known@example.org"), _subscribe(client, "stranger@example.org")
    assert known.status == unknown.status == 200
    assert known.text.replace("known", "X") == unknown.text.replace("stranger", "X")
    assert _link(smtp, "known@example.org").startswith("/manage/")  # mailed its manage link, not a confirmation
    assert _link(smtp, "stranger@example.org").startswith("/subscribe/confirm/")


def test_forms_need_their_csrf_token_and_subscribing_is_rate_limited(client, smtp, db):
    client.get("/subscribe")
    assert client.post("/subscribe", {"email": "a@example.org"}).status == 403
    assert client.post("/subscribe", {"email": "a@example.org", "csrf": "0" * 64}).status == 403
    assert not smtp.received
    bad = _subscribe(client, "not an address")
    assert bad.status == 400 and html.fromstring(bad.body).xpath("//p[@id='error']")
    assert _subscribe(client, "a@example.org", regions="火星").status == 400
    statuses = [_subscribe(client, "same@example.org").status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # three mails an hour to one address
    assert len([m for m in smtp.received if m.recipients == ["same@example.org"]]) == 3


def test_an_expired_or_altered_confirmation_link_subscribes_no_one(client, db):
    old = tokens.make("test-secret", "subscribe", {"e": "late@example.org", "t": 0, "regions": [], "metrics": [],
                                                   "frequency": "daily"},
                      issued_at=time.time() - tokens.SUBSCRIBE_MAX_AGE - 60)
    page = client.get(f"/subscribe/confirm/{old}")
    assert page.status == 400 and "This link has expired." in page.text
    page = client.get(f"/subscribe/confirm/{old[:-2]}xx")
    assert page.status == 400 and "not valid" in page.text
    assert db.execute("SELECT count(*) AS n FROM subscribers").fetchone()["n"] == 0


def _targets(reply: Reply) -> list[tuple[str, ...]]:
    rows = html.fromstring(reply.body).xpath("//table[@id='target-list']//tr[td]")
    return [tuple(td.text_content().strip() for td in tr.xpath("td")) for tr in rows]


def test_the_manage_page_lists_adds_and_removes_chat_and_webhook_targets(client, db, settings):
    from alerts import subscribers
    from alerts.digest import manage_link

    added = subscribers.add(db, "reader@example.org")
    row = db.execute("SELECT id, generation FROM subscribers").fetchone()
    other = subscribers.add(db, "other@example.org", channels=["wecom://othersbotkey123"])
    assert other.created
    link = manage_link({"s": row["id"], "e": added.email, "g": row["generation"]},
                       replace(settings, secret="test-secret", public_url=PUBLIC)).replace(PUBLIC, "")
    form = client.get(link)
    page = html.fromstring(form.body)
    assert _targets(form) == [("email", "reader@example.org", "")]
    assert not page.xpath("//table[@id='target-list']//button")  # the own address is not removed here
    action = page.xpath("//form[@id='add-target']/@action")[0]
    assert client.post(action, {"url": "wecom://abcdef123456"}).status == 403  # no CSRF field
    bad = client.post(action, {"csrf": _csrf(form), "url": "https://hooks.example.org/in"})
    assert bad.status == 400
    assert "needs a signing secret" in html.fromstring(bad.body).xpath("//p[@id='target-error']")[0].text_content()
    assert client.post(action, {"csrf": _csrf(form), "url": "someone@example.org"}).status == 400  # no opt-in
    for inside in ("http://127.0.0.1:5432/#secret=s", "https://localhost/in#secret=s",
                   "https://10.1.2.3/in#secret=s", "https://[::1]/in#secret=s", "https://169.254.169.254/#secret=s"):
        refused = client.post(action, {"csrf": _csrf(form), "url": inside})  # our server would POST there
        assert refused.status == 400 and "public host" in refused.text, inside
    db.rollback()
    assert len(subscribers.targets(db, row["id"])) == 1
    assert client.post(action, {"csrf": _csrf(form), "url": "wecom://abcdef123456"}).status == 200
    done = client.post(action, {"csrf": _csrf(form), "url": "https://hooks.example.org/in#secret=s3cr3t"})
    assert done.status == 200 and "s3cr3t" not in done.text
    listed = client.get(link)
    assert "abcdef123456" not in listed.text and "s3cr3t" not in listed.text  # redacted
    assert _targets(listed) == [("email", "reader@example.org", ""), ("wecom", "wecom://abcd…", "删除 Remove"),
                                ("webhook", "https://hooks.example.org/…#secret=***", "删除 Remove")]
    db.rollback()
    email, wecom, webhook = subscribers.targets(db, row["id"])
    assert (wecom.address, webhook.address) == ("wecom://abcdef123456", "https://hooks.example.org/in#secret=s3cr3t")
    [others] = [t for t in subscribers.targets(db, db.execute(
        "SELECT id FROM subscribers WHERE email = 'other@example.org'").fetchone()["id"]) if t.channel == "wecom"]
    db.rollback()
    remove = f"{action}/{wecom.id}/remove"
    assert client.post(remove, {}).status == 403
    assert client.post(f"{action}/{email.id}/remove", {"csrf": _csrf(form)}).status == 400  # the email target
    assert client.post(f"{action}/{others.id}/remove", {"csrf": _csrf(form)}).status == 400  # not theirs
    assert client.post(remove, {"csrf": _csrf(form)}).status == 200
    db.rollback()
    assert [t.id for t in subscribers.targets(db, row["id"])] == [email.id, webhook.id]
    assert len(subscribers.targets(db, others.subscriber_id)) == 2
    events = [(r["action"], r["detail"].get("channel")) for r in db.execute(
        "SELECT action, detail FROM web_events ORDER BY id")]
    assert events == [("target_added", "wecom"), ("target_added", "webhook"), ("target_removed", "wecom")]
    assert "s3cr3t" not in str(db.execute("SELECT array_agg(detail::text) AS d FROM web_events").fetchone()["d"])
    for n in range(8):  # up to ten targets in all
        assert client.post(action, {"csrf": _csrf(form), "url": f"wecom://bot{n:04d}key"}).status == 200
    full = client.post(action, {"csrf": _csrf(form), "url": "wecom://onetoomany"})
    assert full.status == 400 and "At most 10 targets" in full.text
    db.rollback()
    assert len(subscribers.targets(db, row["id"])) == 10


def _conditions_now(reply: Reply) -> list[str]:
    return [li.text_content().strip() for li in html.fromstring(reply.body).xpath("//ul[@id='conditions-now']/li")]


def test_the_manage_page_shows_sets_and_clears_conditions(client, db, settings, cywatch):
    from alerts import subscribers
    from alerts.conditions import Conditions
    from alerts.digest import manage_link

    added = subscribers.add(db, "watcher@example.org", conditions=Conditions(flip=True))
    row = db.execute("SELECT id, generation FROM subscribers").fetchone()
    subscribers.add(db, "bystander@example.org", conditions=Conditions(new_high=True))
    link = manage_link({"s": row["id"], "e": added.email, "g": row["generation"]},
                       replace(settings, secret="test-secret", public_url=PUBLIC)).replace(PUBLIC, "")
    form = client.get(link)
    assert _conditions_now(form) == ["增速转向（增长转为下降，或反之）· A growth rate that changed direction"]
    page = html.fromstring(form.body)
    assert page.xpath("//input[@id='flip']/@checked") and not page.xpath("//input[@id='new_high']/@checked")
    action = page.xpath("//form[@id='conditions']/@action")[0]
    wanted = {"min_change": "1.5", "thresholds": "规上工业增加值=6\r\n\r\n 地区生产总值 = 3000 \r\n", "new_high": "yes"}
    assert client.post(action, wanted).status == 403  # no CSRF field
    for bad, said in (({**wanted, "min_change": "lots"}, "最小变动 Minimum change must be a number"),
                      ({**wanted, "min_change": "-1"}, "must be zero or more"),
                      ({**wanted, "thresholds": "规上工业增加值 6"}, "阈值 Threshold takes METRIC=VALUE"),
                      ({**wanted, "thresholds": "规上工业增加值=six"}, "must be a number")):
        refused = client.post(action, {"csrf": _csrf(form), **bad})
        assert refused.status == 400, bad
        [error] = html.fromstring(refused.body).xpath("//p[@id='conditions-error']")
        assert said in error.text_content() and "\n" not in error.text_content().strip()
        kept = html.fromstring(refused.body).xpath("//textarea[@id='thresholds']")[0].text
        assert kept.splitlines() == bad["thresholds"].splitlines()  # what was typed, shown again
    db.rollback()
    assert subscribers.conditions_of(db, "watcher@example.org") == Conditions(flip=True)  # nothing changed
    assert client.post(action, {"csrf": _csrf(form), **wanted}).status == 200
    stored = subscribers.conditions_of(db, "watcher@example.org")
    assert stored.to_json() == {"min_change": "1.5", "new_high": True,  # the flip box was left unticked: off
                                "thresholds": [{"metric": "规上工业增加值", "value": "6"},
                                               {"metric": "地区生产总值", "value": "3000"}]}
    listed = cywatch("subscribers", "list")
    assert "变动≥1.5 · 规上工业增加值=6 · 地区生产总值=3000 · 新高" in listed.stdout
    shown = client.get(link)
    assert _conditions_now(shown)[0].startswith("变动至少 1.5") and len(_conditions_now(shown)) == 4
    assert html.fromstring(shown.body).xpath("//textarea[@id='thresholds']")[0].text == "规上工业增加值=6\n地区生产总值=3000"
    assert client.post(action, {"csrf": _csrf(form), **wanted, "clear": "yes"}).status == 200
    db.rollback()
    assert subscribers.conditions_of(db, "watcher@example.org") == Conditions()
    assert subscribers.conditions_of(db, "bystander@example.org") == Conditions(new_high=True)  # only the link's
    assert _conditions_now(client.get(link)) == ["未设条件：摘要包含全部变动。 · None: digests hold every change."]
    events = [(r["action"], r["subscriber_id"], r["detail"]) for r in db.execute(
        "SELECT action, subscriber_id, detail FROM web_events ORDER BY id")]
    assert events == [("preferences", row["id"], {"conditions": stored.to_json()}),
                      ("preferences", row["id"], {"conditions": {}})]
