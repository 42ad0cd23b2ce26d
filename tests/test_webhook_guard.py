"""A webhook's host checked again when the digest is sent (DNS rebinding), and connected to as checked."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import date

from alerts import selfservice, subscribers
from alerts.delivery import Report, build, send_due
from tests.receivers import Serving
from tests.test_digest import CORRIDORS, DAY, seed

REAL = socket.getaddrinfo


def _resolving(monkeypatch, names: dict[str, list[str]]) -> list[str]:
    """Answer for `names` from their lists (one address per lookup, the last one again), the real DNS for the
    rest; returns the log of names looked up."""
    asked: list[str] = []

    def fake(host, port, *args, **kwargs):
        if host not in names:
            return REAL(host, port, *args, **kwargs)
        asked.append(host)
        address = names[host].pop(0) if len(names[host]) > 1 else names[host][0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return asked


def _send(db, settings) -> dict[str, tuple[str, str | None]]:
    report = Report()
    build(db, settings, date.fromisoformat(DAY), report)
    send_due(db, settings, report)
    rows = db.execute("SELECT channel, state, last_error FROM digests").fetchall()
    db.commit()
    return {r["channel"]: (r["state"], r["last_error"]) for r in rows}


def test_without_the_unsafe_setting_a_webhook_on_this_machine_is_refused_at_send_time(db, settings):
    seed(db, CORRIDORS)
    with Serving() as receiver:
        subscribers.add(db, "hook@example.org", channels=[f"{receiver.url}/hook/a#secret=S"])
        sent = _send(db, replace(settings, unsafe_loopback_webhooks=False))  # the default
        assert not receiver.delivered()
    state, error = sent["webhook"]
    assert state == "failed" and "127.0.0.1" in error and "not a public address" in error
    assert sent["email"][0] == "sent"  # the subscriber's own address still gets theirs (as a file here)


def test_a_name_public_when_added_and_private_when_sent_is_refused_even_with_loopback_allowed(db, settings, monkeypatch):
    seed(db, CORRIDORS)
    _resolving(monkeypatch, {"hooks.rebind.example": ["93.184.216.34", "10.0.0.5"]})
    subscribers.add(db, "reader@example.org")
    reader = db.execute("SELECT id FROM subscribers").fetchone()["id"]
    selfservice.add_target(db, reader, "reader@example.org", "https://hooks.rebind.example/in#secret=S", "203.0.113.9")
    state, error = _send(db, settings)["webhook"]  # settings: loopback allowed, private never
    assert state == "failed" and "hooks.rebind.example resolves to 10.0.0.5" in error


def test_the_connection_goes_to_the_address_checked_without_asking_dns_again(db, settings, monkeypatch):
    seed(db, CORRIDORS)
    with Serving() as receiver:
        port = receiver.url.rpartition(":")[2]
        subscribers.add(db, "hook@example.org", channels=[f"http://localhost:{port}/hook/b#secret=S"])
        asked = _resolving(monkeypatch, {"localhost": ["127.0.0.1", "10.0.0.5"]})  # a second lookup: refused
        sent = _send(db, settings)
        assert sent["webhook"] == ("sent", None) and len(receiver.delivered("webhook")) == 1
    assert asked == ["localhost"]  # looked up once, at the check; http.client was given the checked address
