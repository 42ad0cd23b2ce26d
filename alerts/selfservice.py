"""What readers change themselves on the web: subscribe (after confirming), preferences, chat and webhook
targets, unsubscribe; and the operator's review decisions.

Every write is recorded in `web_events` (what, for whom, from where). These are the only
functions through which the web writes subscribers, so that a change to how subscribers are stored has few
places to follow.
"""

from __future__ import annotations

import ipaddress
import socket
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit

from psycopg.types.json import Jsonb

from alerts import outbox, subscribers
from alerts.channels import guard
from alerts.conditions import Conditions
from alerts.subscribers import envelope_address
from alerts.transport import FileSender, Outcome, SmtpSender
from db import review
from db.connection import Connection, Row, one
from settings import Settings


def record(conn: Connection, action: str, email: str | None, subscriber_id: int | None, remote: str,
           **detail: object) -> None:
    """One row of web_events (not committed: the caller's write commits it); a subscriber without an address
    is recorded with '' and their id."""
    conn.execute("INSERT INTO web_events (action, subscriber_id, email, detail, remote) VALUES (%s, %s, %s, %s, %s)",
                 [action, subscriber_id, email or "", Jsonb(detail), remote])


def unsubscribe(conn: Connection, subscriber_id: int, remote: str) -> str | None:
    """Unsubscribe through a signed link, recorded; returns the address."""
    row = conn.execute("SELECT email FROM subscribers WHERE id = %s", [subscriber_id]).fetchone()
    if row is None:
        return None
    record(conn, "unsubscribed", row["email"], subscriber_id, remote)
    return subscribers.unsubscribe(conn, subscriber_id)  # commits both


def request_subscription(conn: Connection, email: str, remote: str, **wanted: object) -> None:
    """Record that a confirmation link was mailed to `email` (nothing is subscribed until it is followed)."""
    record(conn, "subscribe_requested", email, None, remote, **wanted)
    conn.commit()


def confirm_subscription(conn: Connection, email: str, regions: list[str], metrics: list[str],
                         frequency: str, remote: str) -> Row:
    """Subscribe an address whose reader followed the mailed link, with the filters they chose.

    The reader asked, so an address that had unsubscribed comes back (a new generation of links).
    Returns the subscriber as `subscription_state` does.
    """
    added = subscribers.add(conn, email, regions=regions, metrics=metrics, frequency=frequency,
                            resubscribe=True, clear_filters=True)
    row = one(conn.execute("SELECT id, email, generation, unsubscribed_at FROM subscribers WHERE email = %s",
                           [added.email]))
    record(conn, "subscribe_confirmed", added.email, row["id"], remote,
           regions=regions, metrics=metrics, frequency=frequency)
    conn.commit()
    return row


def update_preferences(conn: Connection, subscriber_id: int, email: str | None, regions: list[str],
                       metrics: list[str], frequency: str, remote: str) -> None:
    """A subscriber's own change of filters and frequency (from the manage page), recorded."""
    subscribers.add(conn, None, subscriber_id=subscriber_id, regions=regions, metrics=metrics, frequency=frequency,
                    clear_filters=True)
    record(conn, "preferences", email, subscriber_id, remote, regions=regions, metrics=metrics, frequency=frequency)
    conn.commit()


def update_conditions(conn: Connection, subscriber_id: int, email: str | None, wanted: Conditions,
                      remote: str) -> None:
    """A subscriber's own change of their conditions (from the manage page), recorded as a change of
    preferences whose detail holds the conditions now stored (`{}`: cleared)."""
    record(conn, "preferences", email, subscriber_id, remote, conditions=wanted.to_json())
    subscribers.add(conn, None, subscriber_id=subscriber_id, conditions=wanted)  # commits both


def decide_match(conn: Connection, change_id: int, accept: bool, remote: str,
                 note: str | None = None) -> review.Decision:
    """The operator's decision on a possible match (db.review.decide), recorded; ReviewError when the id is
    stale (decided already, or no such comparison), and then nothing is stored."""
    try:
        decision = review.decide(conn, change_id, accept, decided_by="operator (web)", note=note)
    except review.ReviewError:
        conn.rollback()
        raise
    record(conn, "review_decided", "", None, remote, change_id=change_id, accepted=accept, decision=decision.id,
           metric=decision.metric, candidate_metric=decision.candidate_metric)
    conn.commit()
    return decision


class ResendRefused(ValueError):
    """A digest the operator may not queue again as asked; the message says why, Chinese first."""


def resend_digest(conn: Connection, digest_id: int, remote: str, *, unknown_confirmed: bool) -> Row:
    """Queue a failed or unknown digest again (alerts.outbox.resend), recorded; returns the row as it was.

    An `unknown` digest may have been delivered (the server had the message when the connection went), so
    it is queued again only when the operator says so (`unknown_confirmed`): ResendRefused otherwise, and
    for a row that is neither failed nor unknown (sent meanwhile, queued already, no such id).
    """
    row = conn.execute("SELECT id, subscriber_id, channel, recipient, period, state, last_error FROM digests "
                       "WHERE id = %s FOR UPDATE", [digest_id]).fetchone()
    if row is None or row["state"] not in ("failed", "unknown"):
        conn.rollback()
        state = "no such digest" if row is None else f"its state is {row['state']}"
        raise ResendRefused(f"只能重发失败或状态未知的摘要（{state}）。 Only a failed or unknown digest is sent again "
                            f"({state}).")
    if row["state"] == "unknown" and not unknown_confirmed:
        conn.rollback()
        raise ResendRefused("此摘要可能已送达：请先确认收件人未收到，再勾选“确认重发”。 This digest may have been "
                            "delivered: check that it did not arrive, then tick “resend anyway”.")
    record(conn, "outbox_resent", row["recipient"] if row["channel"] == "email" else "", row["subscriber_id"],
           remote, digest=row["id"], channel=row["channel"], period=row["period"], state=row["state"],
           last_error=row["last_error"], unknown_confirmed=row["state"] == "unknown")
    outbox.resend(conn, digest_id)  # commits both; the row is locked, so it is still failed or unknown
    return row


MAX_TARGETS = 10  # per subscriber, their own address included: a manage link cannot fan digests out without end


class TargetRefused(ValueError):
    """A target a reader may not add or remove on the web; the message says why, Chinese first."""


def reader_targets(conn: Connection, subscriber_id: int) -> list[subscribers.Target]:
    """A subscriber's targets (`shown` redacted), their own address first."""
    found = subscribers.targets(conn, subscriber_id)
    conn.rollback()
    return found


def _public_host(host: str) -> bool:
    """Whether a reader-given webhook host is on the public internet (no loopback, private or link-local).

    Anyone holding a digest's manage link can add a webhook, and our server then POSTs to it: a host of this
    machine or its private network would let them reach services that trust it. A name is checked by what it
    resolves to now; a name that does not resolve here is let through (it cannot be reached either). It is
    checked again at every send (alerts.channels.guard): a name can be pointed elsewhere after it was added.
    """
    host = host.strip("[]").lower()
    if not host or host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    try:
        resolved = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return True
    return all(guard.allowed(str(address)) for address in resolved)


def add_target(conn: Connection, subscriber_id: int, email: str | None, url: str, remote: str) -> subscribers.Target:
    """Add a chat bot or webhook target (its URL checked by the channel registry), recorded.

    TargetRefused for a URL the registry cannot use, for an email address (another address would get
    digests it never asked for: no double opt-in on this path), and beyond MAX_TARGETS.
    """
    from alerts import channels

    try:
        channel, address = channels.parse_target(url)
    except channels.TargetError as error:
        raise TargetRefused(f"无法使用此地址 · Cannot use this target: {error}") from None
    if channel == "email":
        raise TargetRefused("此处只能添加聊天机器人或网络钩子；邮箱请在订阅页订阅。 Only a chat bot or webhook "
                            "can be added here: subscribe another email address on the subscribe page.")
    if channel == "webhook" and not _public_host(urlsplit(address).hostname or ""):
        raise TargetRefused("网络钩子须指向公网地址。 A webhook added here must point at a public host, not at "
                            "this machine or a private network.")
    held = subscribers.targets(conn, subscriber_id)
    if len(held) >= MAX_TARGETS and all(t.address != address for t in held):
        conn.rollback()
        raise TargetRefused(f"目标已达上限（{MAX_TARGETS}个）。 At most {MAX_TARGETS} targets: remove one first.")
    added = subscribers.add_target(conn, subscriber_id, channel, address, commit=False)
    record(conn, "target_added", email, subscriber_id, remote, target=added.id, channel=channel, shown=added.shown)
    conn.commit()
    return added


def remove_target(conn: Connection, subscriber_id: int, email: str | None, target_id: int, remote: str) -> subscribers.Target:
    """Remove one of the subscriber's own targets other than an email one and other than their last,
    recorded; TargetRefused otherwise."""
    target = next((t for t in subscribers.targets(conn, subscriber_id) if t.id == target_id), None)
    if target is None:
        conn.rollback()
        raise TargetRefused("没有这个目标（可能已删除）。 No such target (removed already?).")
    if target.channel == "email":
        conn.rollback()
        raise TargetRefused("邮箱目标不能在此删除；请退订。 An email target is not removed here: unsubscribe instead.")
    if len(subscribers.targets(conn, subscriber_id)) == 1:  # a subscriber of chat targets only keeps one
        conn.rollback()
        raise TargetRefused("这是最后一个目标；请退订。 This is the last target: unsubscribe instead.")
    record(conn, "target_removed", email, subscriber_id, remote, target=target.id, channel=target.channel,
           shown=target.shown)
    subscribers.remove_target(conn, target.id)  # commits both
    return target


def subscription_state(conn: Connection, email: str) -> Row | None:
    """What is stored of an address (its id, generation, and whether and when it unsubscribed)."""
    return conn.execute("SELECT id, email, generation, unsubscribed_at FROM subscribers WHERE email = %s",
                        [email]).fetchone()


def confirmation_mail(settings: Settings, recipient: str, link: str, *, subscribed: bool) -> EmailMessage:
    """The mail the subscribe page sends: the confirmation link, or (already subscribed) the manage link.

    Both go out for any address asked for, so that the page never tells who is subscribed.
    """
    display, sender = parseaddr(settings.mail_from)
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(display_name=display, addr_spec=sender)
    message["To"] = envelope_address(recipient)
    message["Date"] = format_datetime(datetime.now(settings.zone))
    message["Message-ID"] = make_msgid("subscribe", sender.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    if subscribed:
        message["Subject"] = "成渝观察：您已订阅 · chengyu-watch: you are subscribed"
        message.set_content(f"{recipient} 已订阅成渝观察。更改筛选或频率，或退订：\n"
                            f"{recipient} already receives chengyu-watch digests. Change what you get, or leave:\n\n"
                            f"{link}\n\n如果不是您本人的操作，请忽略此邮件。 If you did not ask, ignore this mail.\n")
    else:
        message["Subject"] = "成渝观察：请确认订阅 · chengyu-watch: confirm your subscription"
        message.set_content(f"请打开此链接确认订阅成渝观察（48小时内有效）：\n"
                            f"Open this link to confirm your chengyu-watch subscription (valid for 48 hours):\n\n"
                            f"{link}\n\n如果不是您本人的操作，请忽略此邮件，不会订阅任何内容。 "
                            f"If you did not ask, ignore this mail: nothing is subscribed.\n")
    return message


def send_now(settings: Settings, message: EmailMessage) -> Outcome:
    """Send one mail at once through SMTP_URL (without it: an .eml file under DATA_DIR/outbox/web)."""
    config = settings.smtp
    transport: SmtpSender | FileSender = SmtpSender(config) if config else FileSender(settings.data_dir / "outbox")
    try:
        return transport.send(parseaddr(settings.mail_from)[1], str(message["To"]), message.as_bytes(), period="web")
    finally:
        transport.close()
