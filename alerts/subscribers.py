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

    email: str | None  # None: a subscriber with chat or webhook targets only, named by `id`
    created: bool  # False: the subscriber existed and the options given were updated
    frequency: str
    operator: bool
    unsubscribed: bool  # the address had unsubscribed and stays so (no --resubscribe)
    channels: tuple[str, ...] = ()  # the targets added now, redacted (as they may be printed)
    conditions: str = ""  # the stored conditions, described (alerts.conditions.Conditions.describe)
    id: int = 0
    removed: tuple[str, ...] = ()  # the targets removed now, redacted

    @property
    def label(self) -> str:
        """How the subscriber is named: the address, else `#ID`."""
        return self.email or f"#{self.id}"


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


_SET = """
    conditions = coalesce(%(conditions)s::jsonb, subscribers.conditions),
    name = coalesce(%(name)s::text, subscribers.name),
    regions = coalesce(%(regions)s::text[], subscribers.regions),
    metrics = coalesce(%(metrics)s::text[], subscribers.metrics),
    frequency = coalesce(%(frequency)s::text, subscribers.frequency),
    operator = coalesce(%(operator)s::boolean, subscribers.operator),
    unsubscribed_at = CASE WHEN %(resubscribe)s THEN NULL ELSE subscribers.unsubscribed_at END,
    generation = subscribers.generation + (%(resubscribe)s AND subscribers.unsubscribed_at IS NOT NULL)::int
"""
_INSERT = """
INSERT INTO subscribers (email, name, regions, metrics, frequency, operator, conditions)
VALUES (%(email)s, %(name)s::text, coalesce(%(regions)s::text[], '{}'), coalesce(%(metrics)s::text[], '{}'),
        coalesce(%(frequency)s::text, 'daily'), coalesce(%(operator)s::boolean, false),
        coalesce(%(conditions)s::jsonb, '{}'))
"""
_RETURNING = """
RETURNING id, email, (xmax = 0) AS created, frequency, operator, unsubscribed_at IS NOT NULL AS unsubscribed, conditions
"""
_UPSERT = _INSERT + "ON CONFLICT (email) DO UPDATE SET" + _SET + _RETURNING  # by address
_UPDATE = "UPDATE subscribers SET" + _SET + "WHERE id = %(id)s" + _RETURNING  # by id
_CREATE = _INSERT + _RETURNING  # one without an address


def add(conn: Connection, email: str | None, *, name: str | None = None, regions: list[str] | None = None,
        metrics: list[str] | None = None, frequency: str | None = None, operator: bool | None = None,
        resubscribe: bool = False, clear_filters: bool = False, channels: list[str] | None = None,
        conditions: Conditions | None = None, subscriber_id: int | None = None,
        remove_channels: list[str] | None = None) -> Added:
    """Add a subscriber, or update the preferences given (None: keep what is stored) of an existing one.

    A subscriber is named by its address (`email`), or by its id (`subscriber_id`, `#17`). One without an
    address (`email` and `subscriber_id` None) has only the `channels` given: the first of them names it, so
    that adding it again updates the subscriber that has it rather than making another one.

    A new subscriber gets daily digests of everything unless told otherwise. An address that unsubscribed
    stays unsubscribed unless `resubscribe`: the reader's one click must not be undone by a routine re-run
    of a provisioning script. Resubscribing starts a new generation: unsubscribe links mailed before it
    no longer work (they belong to the subscription the reader already left). `clear_filters` drops stored
    region and metric filters not given again.
    `channels`: target URLs added to the subscriber's (their own address is their first target); see
    alerts.channels.webhooks for the forms. `remove_channels`: targets to stop sending to, the subscriber's
    own address included (it still names them); never the last one. `conditions` replaces the stored ones
    (alerts.conditions.edit makes them from the stored ones and what was asked).
    """
    if frequency not in (None, "daily", "weekly"):
        raise SubscriberError(f"frequency must be daily or weekly, not {frequency!r}")
    address = normalise_email(email) if email is not None else None
    targets = parse_channels(channels or [])
    dropped = parse_channels(remove_channels or [])
    if address is None and subscriber_id is None:
        if not targets:
            raise SubscriberError("a subscriber needs an email address or a --channel")
        subscriber_id = _holder(conn, *targets[0])
    regions = canonical_regions(regions) if regions else ([] if clear_filters else None)
    metrics = canonical_metrics(metrics) if metrics else ([] if clear_filters else None)
    values = {"email": address, "id": subscriber_id, "name": clean_name(name), "regions": regions,
              "metrics": metrics, "frequency": frequency, "operator": operator, "resubscribe": resubscribe,
              "conditions": None if conditions is None else json.dumps(conditions.to_json(), ensure_ascii=False)}
    query = _UPDATE if subscriber_id is not None else _UPSERT if address is not None else _CREATE
    row = conn.execute(query, values).fetchone()
    if row is None:
        conn.rollback()
        raise SubscriberError(f"no subscriber #{subscriber_id}")
    for channel, target in targets:
        add_target(conn, row["id"], channel, target, commit=False)
    for channel, target in dropped:
        if not conn.execute("DELETE FROM subscriber_targets WHERE subscriber_id = %s AND channel = %s AND address = %s",
                            [row["id"], channel, target]).rowcount:
            conn.rollback()
            raise SubscriberError(f"--remove-channel: {_shown(channel, target)} is not a target of {label(row)}")
    if dropped and not conn.execute("SELECT 1 FROM subscriber_targets WHERE subscriber_id = %s", [row["id"]]).fetchone():
        conn.rollback()
        raise SubscriberError(f"--remove-channel would leave {label(row)} without any target "
                              "(`cywatch subscribers remove` deletes a subscriber)")
    conn.commit()
    created = bool(row["created"]) and query is not _UPDATE  # xmax is 0 after a plain UPDATE too
    return Added(row["email"], created, row["frequency"], row["operator"], row["unsubscribed"],
                 tuple(_shown(c, t) for c, t in targets), Conditions.from_json(row["conditions"]).describe(),
                 row["id"], tuple(_shown(c, t) for c, t in dropped))


def holder(conn: Connection, url: str) -> int | None:
    """The subscriber without an address that has the target `url`, if there is one (SubscriberError for a
    URL that cannot be a target)."""
    [(channel, address)] = parse_channels([url])
    found = _holder(conn, channel, address)
    conn.rollback()
    return found


def _holder(conn: Connection, channel: str, address: str) -> int | None:
    """The subscriber without an address that has this target, if there is one."""
    row = conn.execute("SELECT s.id FROM subscribers s JOIN subscriber_targets t ON t.subscriber_id = s.id "
                       "WHERE s.email IS NULL AND t.channel = %s AND t.address = %s ORDER BY s.id LIMIT 1",
                       [channel, address]).fetchone()
    return int(row["id"]) if row else None


def label(row: Row) -> str:
    """How a subscriber is named to people: their address, else their name and id (王组 #17), else `#17`."""
    if row.get("email"):
        return str(row["email"])
    return f"{row['name']} #{row['id']}" if row.get("name") else f"#{row['id']}"


def resolve(conn: Connection, who: str) -> int | None:
    """The id of the subscriber `who` names: `#17` (or `17`), or an email address; None if there is none."""
    wanted = who.strip()
    if wanted.lstrip("#").isdigit():
        row = conn.execute("SELECT id FROM subscribers WHERE id = %s", [int(wanted.lstrip("#"))]).fetchone()
    else:
        row = conn.execute("SELECT id FROM subscribers WHERE email = %s", [normalise_email(wanted)]).fetchone()
    conn.rollback()
    return int(row["id"]) if row else None


def is_id(who: str) -> bool:
    """Whether `who` names a subscriber by id (`#17`, `17`) rather than by address."""
    return who.strip().lstrip("#").isdigit()


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


def conditions_of(conn: Connection, who: str) -> Conditions | None:
    """A subscriber's stored conditions (`who`: as `resolve` reads it; None: no such subscriber)."""
    subscriber_id = resolve(conn, who)
    if subscriber_id is None:
        return None
    row = one(conn.execute("SELECT conditions FROM subscribers WHERE id = %s", [subscriber_id]))
    conn.rollback()
    return Conditions.from_json(row["conditions"])


def remove(conn: Connection, who: str) -> bool:
    """Delete a subscriber (`who`: as `resolve` reads it) and their digests; False if there was none."""
    subscriber_id = resolve(conn, who)
    deleted = conn.execute("DELETE FROM subscribers WHERE id = %s", [subscriber_id]).rowcount
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
    """Every subscriber, active first, by address (those without one last, by id); `channels` lists their
    targets other than their own address, redacted; `mailed` says whether their address is a target;
    `conditions_shown` describes their conditions; `label` names them (alerts.subscribers.label)."""
    rows = conn.execute(
        "SELECT s.*, coalesce((SELECT array_agg(t.channel || ' ' || t.address ORDER BY t.id) FROM subscriber_targets t "
        "WHERE t.subscriber_id = s.id AND NOT (t.channel = 'email' AND t.address IS NOT DISTINCT FROM s.email)), '{}') "
        "AS targets, EXISTS (SELECT 1 FROM subscriber_targets t WHERE t.subscriber_id = s.id AND t.channel = 'email' "
        "AND t.address = s.email) AS mailed "
        "FROM subscribers s ORDER BY s.unsubscribed_at IS NOT NULL, s.email NULLS LAST, s.id").fetchall()
    for row in rows:
        row["channels"] = [_shown(*t.split(" ", 1)) for t in row.pop("targets")]
        row["conditions_shown"] = Conditions.from_json(row["conditions"]).describe()
        row["label"] = label(row)
    return rows


def signed_subscriber(conn: Connection, subscriber_id: object, email: object) -> Row | None:
    """The subscriber a signed link names (its id and address both; a subscriber without an address is signed
    with none), or None if there is none now; `who` names them for pages (`label`)."""
    row = conn.execute("SELECT id, email, name, regions, metrics, frequency, unsubscribed_at, generation, conditions "
                       "FROM subscribers WHERE id = %s AND email IS NOT DISTINCT FROM lower(%s::text)",
                       [subscriber_id, email]).fetchone()
    if row is not None:
        row["who"] = label(row)
    return row
