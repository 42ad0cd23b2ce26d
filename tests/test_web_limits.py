"""Rate limits shared by two web processes (two apps, each its own pool), as behind a balancer."""

from __future__ import annotations

from dataclasses import replace

from lxml import html

from tests.mail import MailServer
from tests.webserver import Client, serving


def _subscribe(client: Client, email: str) -> int:
    form = client.get("/subscribe")
    csrf = html.fromstring(form.body).xpath("//input[@name='csrf']/@value")[0]
    return client.post("/subscribe", {"email": email, "csrf": csrf}).status


def test_two_web_workers_share_one_allowance_per_address_and_for_operator_logins(settings, db):
    with MailServer() as smtp:
        configured = replace(settings, secret="test-secret", smtp_url=smtp.url(), operator_password="s3cret")
        with serving(configured) as first, serving(configured) as second:
            one, other = Client(first), Client(second)
            statuses = [_subscribe(c, "same@example.org") for c in (one, other, one, other)]
            assert statuses == [200, 200, 200, 429]  # three mails an hour to one address, whichever worker
            assert _subscribe(one, "another@example.org") == 200  # per address: another one is not held back

            def login(client: Client) -> int:
                csrf = html.fromstring(client.get("/operator/login").body).xpath("//input[@name='csrf']/@value")[0]
                return client.post("/operator/login", {"password": "wrong", "csrf": csrf}).status

            tries = [login(one if i % 2 else other) for i in range(11)]
            assert tries == [403] * 10 + [429]  # ten wrong passwords per 15 minutes per client, in all
    assert len([m for m in smtp.received if m.recipients == ["same@example.org"]]) == 3
    buckets = {r["name"] for r in db.execute("SELECT name FROM web_rate_limits")}
    assert buckets == {"subscribe_client", "subscribe_address", "login"}
