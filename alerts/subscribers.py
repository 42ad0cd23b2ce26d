"""Subscribers: who gets a digest, how often, filtered to which regions and metrics."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from alerts.conditions import Conditions
from crawler.extract.lexicon import lexicon
from db.connection import Connection, Row, one


class SubscriberError(ValueError):
    """An address or a preference that cannot be accepted; the message says why."""


@dataclass(frozen=True, slots=True)
class Added:
    """What `add` did."""

    email: str
    created: bool  # False: the address existed and the options given were updated
    frequency: str
    operator: bool
    unsubscribed: bool  # the address had unsubscribed and stays so (no --resubscribe)
    channels: tuple[str, ...] = ()  # the targets added now, redacted (as they may be printed)
    conditions: str = ""  # the stored conditions, described (alerts.conditions.Conditions.describe)


@dataclass(frozen=True, slots=True)
class Target:
    """Where one subscriber's digests go: their email address, a chat bot, a webhook."""

    id: int
    subscriber_id: int
    channel: str
    address: str  # may hold a token or a secret: print `shown`, never this
    shown: str


def normalise_email(address: str) -> str:
    """A syntactically valid address, normalised (all in lower case); SubscriberError otherwise.

    The local part is folded too: UPPER@Example.ORG and upper@example.org are one reader (RFC 5321 lets a
    server tell them apart; no mail provider does). Internationalised domains are fine (they go out as
    IDNA); a non-ASCII local part is refused, because it needs SMTPUTF8, which most relays do not offer,
    and a digest that can never be sent helps nobody.
    """
    try:
        return validate_email(address.strip(), check_deliverability=False, allow_smtputf8=False).normalized.lower()
    except EmailNotValidError as error:
        raise SubscriberError(f"not a valid email address: {address!r} ({error})") from None


def envelope_address(address: str) -> str:
    """The address as it goes on the wire: an internationalised domain in its ASCII (IDNA) form."""
    local, _, domain = address.rpartition("@")
    if domain.isascii():
        return address
    return f"{local}@{validate_email(address, check_deliverability=False).ascii_domain}"


def clean_name(name: str | None) -> str | None:
    """A display name, NFKC-normalised and stripped; SubscriberError if it holds control characters.

    The name goes into a To: header, so a line break in it must never get that far.
    """
    if name is None:
        return None
    name = unicodedata.normalize("NFKC", name).strip()
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise SubscriberError(f"the name {name!r} holds control characters")
    return name or None


def canonical_regions(names: list[str]) -> list[str]:
    """Region filters as canonical names (重庆市 -> 重庆); SubscriberError names unknown ones."""
    lex = lexicon()
    regions, unknown = [], []
    for name in names:
        region = lex.region(name.strip())
        (regions.append(region.name) if region else unknown.append(name))
    if unknown:
        raise SubscriberError(f"unknown region(s): {', '.join(unknown)} (see crawler/extract/data/regions.tsv)")
    return sorted(set(regions))


def canonical_metrics(names: list[str]) -> list[str]:
    """Metric filters, canonicalised through the lexicon (规模以上工业增加值 -> 规上工业增加值)."""
    lex = lexicon()
    return sorted({lex.canonical_metric(name.strip()) for name in names if name.strip()})


def parse_channels(urls: list[str]) -> list[tuple[str, str]]:
    """(channel, address) of each target URL (`wecom://KEY`, `https://…#secret=S`, an email address);
    SubscriberError names the first that cannot be used (redacted: the message may be printed)."""
    from alerts import channels

    parsed = []
    for url in urls:
        try:
            parsed.append(channels.parse_target(url))
        except channels.TargetError as error:
            raise SubscriberError(f"--channel: {error}") from None
    return parsed


def add(conn: Connection, email: str, *, name: str | None = None, regions: list[str] | None = None,
        metrics: list[str] | None = None, frequency: str | None = None, operator: bool | None = None,
        resubscribe: bool = False, clear_filters: bool = False, channels: list[str] | None = None,
        conditions: Conditions | None = None) -> Added:
    """Add a subscriber, or update the preferences given (None: keep what is stored) of an existing one.

    A new subscriber gets daily digests of everything unless told otherwise. An address that unsubscribed
    stays unsubscribed unless `resubscribe`: the reader's one click must not be undone by a routine re-run
    of a provisioning script. Resubscribing starts a new generation: unsubscribe links mailed before it
    no longer work (they belong to the subscription the reader already left). `clear_filters` drops stored region and metric filters not given again.
    `channels`: target URLs added to the subscriber's (their own address is always the first target); see
    alerts.channels.webhooks for the forms. `conditions` replaces the stored ones (alerts.conditions.edit
    makes them from the stored ones and what was asked).
    """
    if frequency not in (None, "daily", "weekly"):
        raise SubscriberError(f"frequency must be daily or weekly, not {frequency!r}")
    address = normalise_email(email)
    targets = parse_channels(channels or [])
    regions = canonical_regions(regions) if regions else ([] if clear_filters else None)
    metrics = canonical_metrics(metrics) if metrics else ([] if clear_filters else None)
    row = one(conn.execute(
        """
        INSERT INTO subscribers (email, name, regions, metrics, frequency, operator, conditions)
        VALUES (%(email)s, %(name)s::text, coalesce(%(regions)s::text[], '{}'), coalesce(%(metrics)s::text[], '{}'),
                coalesce(%(frequency)s::text, 'daily'), coalesce(%(operator)s::boolean, false),
                coalesce(%(conditions)s::jsonb, '{}'))
        ON CONFLICT (email) DO UPDATE SET
            conditions = coalesce(%(conditions)s::jsonb, subscribers.conditions),
            name = coalesce(%(name)s::text, subscribers.name),
            regions = coalesce(%(regions)s::text[], subscribers.regions),
            metrics = coalesce(%(metrics)s::text[], subscribers.metrics),
            frequency = coalesce(%(frequency)s::text, subscribers.frequency),
            operator = coalesce(%(operator)s::boolean, subscribers.operator),
            unsubscribed_at = CASE WHEN %(resubscribe)s THEN NULL ELSE subscribers.unsubscribed_at END,
            generation = subscribers.generation
                         + (%(resubscribe)s AND subscribers.unsubscribed_at IS NOT NULL)::int
        RETURNING id, (xmax = 0) AS created, frequency, operator, unsubscribed_at IS NOT NULL AS unsubscribed,
                  conditions
        """,
        {"email": address, "name": clean_name(name), "regions": regions, "metrics": metrics,
         "frequency": frequency, "operator": operator, "resubscribe": resubscribe,
         "conditions": None if conditions is None else json.dumps(conditions.to_json(), ensure_ascii=False)},
    ))
    for channel, target in targets:
        add_target(conn, row["id"], channel, target, commit=False)
    conn.commit()
    return Added(address, bool(row["created"]), row["frequency"], row["operator"], row["unsubscribed"],
                 tuple(_shown(c, t) for c, t in targets), Conditions.from_json(row["conditions"]).describe())


def _shown(channel: str, address: str) -> str:
    from alerts import channels

    return channels.redact(channel, address)


def add_target(conn: Connection, subscriber_id: int, channel: str, address: str, *, commit: bool = True) -> Target:
    """Add a target (already parsed: `parse_channels`) to a subscriber; an existing one is kept as it is."""
    row = one(conn.execute(
        """
        WITH added AS (INSERT INTO subscriber_targets (subscriber_id, channel, address) VALUES (%s, %s, %s)
                       ON CONFLICT DO NOTHING RETURNING id)
        SELECT id FROM added UNION ALL
        SELECT id FROM subscriber_targets WHERE subscriber_id = %s AND channel = %s AND address = %s
        LIMIT 1
        """, [subscriber_id, channel, address, subscriber_id, channel, address]))
    if commit:
        conn.commit()
    return Target(row["id"], subscriber_id, channel, address, _shown(channel, address))


def targets(conn: Connection, subscriber_id: int) -> list[Target]:
    """A subscriber's targets, oldest first (their own email address is the first)."""
    return [Target(r["id"], subscriber_id, r["channel"], r["address"], _shown(r["channel"], r["address"]))
            for r in conn.execute("SELECT id, channel, address FROM subscriber_targets WHERE subscriber_id = %s "
                                  "ORDER BY id", [subscriber_id])]


def remove_target(conn: Connection, target_id: int) -> bool:
    """Stop sending to a target (its outbox rows go with it); False if there was none."""
    removed = conn.execute("DELETE FROM subscriber_targets WHERE id = %s", [target_id]).rowcount
    conn.commit()
    return bool(removed)


def conditions_of(conn: Connection, email: str) -> Conditions | None:
    """A subscriber's stored conditions (None: no such subscriber)."""
    row = conn.execute("SELECT conditions FROM subscribers WHERE email = %s", [normalise_email(email)]).fetchone()
    conn.rollback()
    return Conditions.from_json(row["conditions"]) if row else None


def remove(conn: Connection, email: str) -> bool:
    """Delete a subscriber and their digests; False if there was none."""
    deleted = conn.execute("DELETE FROM subscribers WHERE email = %s", [normalise_email(email)]).rowcount
    conn.commit()
    return bool(deleted)


def unsubscribe(conn: Connection, subscriber_id: int) -> str | None:
    """Mark a subscriber unsubscribed (kept, so that the address is not mailed again); returns the email."""
    row = conn.execute(
        "UPDATE subscribers SET unsubscribed_at = coalesce(unsubscribed_at, now()) WHERE id = %s RETURNING email",
        [subscriber_id]).fetchone()
    conn.commit()
    return row["email"] if row else None


def all_subscribers(conn: Connection) -> list[Row]:
    """Every subscriber, active first, by address; `channels` lists their targets other than their own
    address, redacted; `conditions_shown` describes their conditions."""
    rows = conn.execute(
        "SELECT s.*, coalesce((SELECT array_agg(t.channel || ' ' || t.address ORDER BY t.id) FROM subscriber_targets t "
        "WHERE t.subscriber_id = s.id AND NOT (t.channel = 'email' AND t.address = s.email)), '{}') AS targets "
        "FROM subscribers s ORDER BY s.unsubscribed_at IS NOT NULL, s.email").fetchall()
    for row in rows:
        row["channels"] = [_shown(*t.split(" ", 1)) for t in row.pop("targets")]
        row["conditions_shown"] = Conditions.from_json(row["conditions"]).describe()
    return rows


def signed_subscriber(conn: Connection, subscriber_id: object, email: object) -> Row | None:
    """The subscriber a signed link names (its id and address both), or None if there is none now."""
    return conn.execute("SELECT id, email, name, regions, metrics, frequency, unsubscribed_at, generation "
                        "FROM subscribers WHERE id = %s AND email = lower(%s)", [subscriber_id, email]).fetchone()
