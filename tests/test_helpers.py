"""Small helpers, tested directly: signed tokens, SMTP_URL, URL redaction, digest periods."""

from __future__ import annotations

import time
from datetime import date

import pytest

from alerts import tokens
from alerts.digest import Period, period_for
from db.connection import redact
from settings.smtp import SmtpUrlError, parse_smtp_url

# --- tokens ---------------------------------------------------------------------------------------------------


def test_a_token_carries_its_payload_for_its_purpose_only():
    token = tokens.make("secret", "unsubscribe", {"s": 7, "e": "a@example.org"})
    assert tokens.read("secret", "unsubscribe", token, 60) == {"s": 7, "e": "a@example.org"}
    with pytest.raises(tokens.InvalidToken, match="not valid"):
        tokens.read("secret", "digest", token, 60)  # another link's salt
    with pytest.raises(tokens.InvalidToken, match="not valid"):
        tokens.read("another secret", "unsubscribe", token, 60)


def test_a_tampered_or_cut_token_is_invalid():
    token = tokens.make("secret", "digest", {"s": 1, "p": "2024-08-12"})
    payload, _, signature = token.rpartition(".")
    # the first character: the last one of a base64 signature may carry only padding bits
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    for bad in (f"{payload}.{flipped}", token[:-4], "", "not-a-token"):
        with pytest.raises(tokens.InvalidToken, match="not valid"):
            tokens.read("secret", "digest", bad, 60)


def test_an_old_token_has_expired_and_a_fresh_one_has_not():
    old = tokens.make("secret", "digest", {"s": 1}, issued_at=time.time() - 3600)
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.read("secret", "digest", old, 60)
    assert tokens.read("secret", "digest", old, 7200) == {"s": 1}


# --- SMTP_URL -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://relay", ("relay", 25, "auto", None, None)),
    ("smtp://relay:2525", ("relay", 2525, "auto", None, None)),
    ("smtp://digest:s3cret@mail.example.org", ("mail.example.org", 587, "starttls", "digest", "s3cret")),
    ("smtps://digest:p%40ss%3Aw%2Fd@mail.example.org", ("mail.example.org", 465, "ssl", "digest", "p@ss:w/d")),
    ("smtp://relay?starttls=require", ("relay", 25, "starttls", None, None)),
    ("smtp://relay?starttls=off", ("relay", 25, "none", None, None)),
    ("smtp://user%40example.org:pw@relay:587", ("relay", 587, "starttls", "user@example.org", "pw")),
])
def test_smtp_url_forms(url, expected):
    config = parse_smtp_url(url, timeout=12.5, ca_file="/etc/ca.pem")
    assert (config.host, config.port, config.security, config.username, config.password) == expected
    assert (config.timeout, config.ca_file) == (12.5, "/etc/ca.pem")
    assert "@" not in config.describe() and (config.password or "\0") not in config.describe()


@pytest.mark.parametrize(("url", "message"), [
    ("http://relay", "its scheme is 'http'"),
    ("smtp://", "it names no host"),
    ("smtp://digest:s3cret@relay:99999", "port that is not a number"),
    ("smtp://digest:s3cret@relay?starttls=off", "never sent without TLS"),
])
def test_a_malformed_smtp_url_says_why_without_its_password(url, message):
    with pytest.raises(SmtpUrlError, match=message) as raised:
        parse_smtp_url(url)
    assert "s3cret" not in str(raised.value)


# --- redaction ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://cywatch@db:5432/cywatch", "postgresql://cywatch@db:5432/cywatch"),
    ("postgresql://cywatch:s3cret@db:5432/cywatch", "postgresql://cywatch:***@db:5432/cywatch"),
    ("postgresql://cywatch:p%40ss%23w@db/cywatch?sslmode=require",
     "postgresql://cywatch:***@db/cywatch?sslmode=require"),
    ("postgresql://db/cywatch?password=s3cret", "postgresql://:***@db/cywatch"),
    ("postgresql://u@/cywatch?host=/run/postgresql", "postgresql://u@/cywatch?host=/run/postgresql"),
])
def test_redact_hides_passwords_where_libpq_finds_them(url, shown):
    assert redact(url) == shown


def test_a_key_value_dsn_is_redacted_too():
    shown = redact("host=db dbname=cywatch password=s3cret")
    assert sorted(shown.split()) == ["dbname=cywatch", "host=db", "password=***"]


def test_an_unencoded_at_in_a_password_is_never_printed():
    assert redact("postgresql://cywatch:pa@ss@db:5432/cywatch") == (
        "postgresql://***@db:5432/cywatch (ambiguous: percent-encode '@' in the password as %40)")
    assert redact("postgresql://a:s3@cret@h:5432/d").startswith("postgresql://***@h:5432/d (ambiguous")


def test_what_libpq_cannot_parse_is_not_printed():
    assert redact("postgresql://x:s3cret@h/d?bogus=1") == "(a connection string that could not be parsed)"


# --- digest periods -------------------------------------------------------------------------------------------

def test_a_daily_digest_covers_its_day():
    assert period_for("daily", date(2024, 8, 12)) == Period("2024-08-12", "2024年8月12日", "daily")


def test_a_weekly_digest_is_built_on_mondays_only_for_its_iso_week():
    assert period_for("weekly", date(2024, 8, 12)) == Period("2024-W33", "2024年第33周", "weekly")
    assert all(period_for("weekly", date(2024, 8, day)) is None for day in range(13, 19))
    # the ISO year, not the calendar year: 2024-12-30 is a Monday of 2025's first week
    assert period_for("weekly", date(2024, 12, 30)) == Period("2025-W01", "2025年第1周", "weekly")
