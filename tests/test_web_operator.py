"""The operator's outbox on the web: a failed digest resent, an unknown one only when the operator says so."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from lxml import html

from alerts import delivery, subscribers
from tests.mail import MailServer
from tests.test_digest import CORRIDORS, seed
from tests.test_web import _operator_page, web_settings  # noqa: F401 (web_settings: a fixture)
from tests.webserver import Client, serving


def test_the_operator_resends_a_failed_digest_and_an_unknown_one_only_when_told_it_may_have_arrived(
        db, web_settings):  # noqa: F811
    seed(db, CORRIDORS)
    for email in ("gone@example.org", "maybe@example.org"):
        subscribers.add(db, email)
    with MailServer() as smtp:
        smtp.handler.replies["gone@example.org"] = "550 5.1.1 No such user"
        report = delivery.run(db, replace(web_settings, smtp_url=smtp.url()), date(2024, 8, 12))
    assert len(smtp.received) == 1 and report.failed
    # as a connection dropped during DATA leaves it: the server may have it
    db.execute("UPDATE digests SET state = 'unknown', last_error = 'it may have been delivered' "
               "WHERE recipient = 'maybe@example.org'")
    db.commit()
    ids = {r["recipient"]: r["id"] for r in db.execute("SELECT id, recipient FROM digests")}
    failed, unknown = f"/operator/outbox/{ids['gone@example.org']}/resend", f"/operator/outbox/{ids['maybe@example.org']}/resend"

    def states() -> dict[str, tuple[str, int]]:
        db.rollback()
        return {r["recipient"]: (r["state"], r["attempts"]) for r in db.execute("SELECT recipient, state, attempts FROM digests")}

    with serving(replace(web_settings, operator_password="s3cret")) as base:
        stranger = Client(base)
        csrf = html.fromstring(stranger.get("/operator/login").body).xpath("//input[@name='csrf']/@value")[0]
        assert stranger.post(failed, {"csrf": csrf}).status == 403  # no operator session
        client = Client(base)
        page = _operator_page(client)
        forms = {f.get("action"): f for f in page.xpath("//h2[@id='outbox']/following-sibling::table[1]//form")}
        assert set(forms) == {failed, unknown}
        assert forms[unknown].xpath(".//input[@name='unknown_confirmed']") and not forms[failed].xpath(
            ".//input[@name='unknown_confirmed']")
        csrf = forms[failed].xpath(".//input[@name='csrf']/@value")[0]
        assert client.post(failed, {}).status == 403  # signed in, no CSRF field
        refused = client.post(unknown, {"csrf": csrf})
        assert refused.status == 409 and "may have been delivered" in refused.text
        assert states()["maybe@example.org"][0] == "unknown"  # not queued without the operator's word
        assert client.post(failed, {"csrf": csrf}).status == 200
        assert client.post(unknown, {"csrf": csrf, "unknown_confirmed": "yes"}).status == 200
        assert client.post(failed, {"csrf": csrf}).status == 409  # queued already: nothing twice
    assert states() == {"gone@example.org": ("pending", 0), "maybe@example.org": ("pending", 0)}
    events = db.execute("SELECT action, email, detail FROM web_events ORDER BY id").fetchall()
    assert [(e["action"], e["email"], e["detail"]["state"], e["detail"]["unknown_confirmed"]) for e in events] == [
        ("outbox_resent", "gone@example.org", "failed", False), ("outbox_resent", "maybe@example.org", "unknown", True)]
    assert events[0]["detail"]["last_error"].startswith("550 5.1.1")
    due = db.execute("SELECT bool_and(next_attempt_at <= now()) AS due FROM digests").fetchone()
    assert due["due"]  # the next `cywatch digest` sends both (test_digest: a resent digest is delivered)
