"""The deployment's settings: every environment variable the project reads, parsed and checked once, at start.

This package is the bottom layer (with the extractor): every stage may import it, it imports no stage.
Nothing else in the project reads `os.environ`. A command builds `Settings.from_env()` once and hands the
object to the stages it runs; a bad value stops it at start with one line naming the variable
(`CYWATCH_WEB_PORT must be a port number, got '80a'`). Empty counts as unset.

`VARIABLES` is the list README.md's configuration table documents; tests/test_settings.py holds the two
together (names and defaults).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields, replace
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from settings import smtp, values
from settings.smtp import SmtpConfig, parse_smtp_url

# The time zone the watched sites write their dates in (no zone is ever written on them). A fact about the
# sites, not about the deployment: CYWATCH_TIMEZONE moves the schedule and "today", never an article's date.
SITES_TIMEZONE = ZoneInfo("Asia/Shanghai")
DEFAULT_CONTACT_URL = "https://github.com/chengyu-watch/chengyu-watch"
PLACEHOLDER = "CHANGE-ME"  # what .env.example puts where the operator must decide
_CHECKOUT = Path(__file__).resolve().parents[1]  # the source tree, when run from a git checkout


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable, in one line."""


@dataclass(frozen=True, slots=True)
class Settings:
    """What the deployment says, resolved once per process (see README.md, Configuration)."""

    database_url: str | None  # None: run the embedded PostgreSQL under data_dir/postgres
    data_dir: Path
    # the crawler
    mirror: str | None = None  # crawl a local copy of the sites (offline demos and tests)
    user_agent: str | None = None  # None: chengyu-watch/0.1 (+contact_url)
    contact_url: str = DEFAULT_CONTACT_URL
    download_timeout: float = 30.0
    log_level: str = "INFO"
    progress_interval: float = 10.0
    # crawling on Scrapyd nodes (empty: the crawl runs on this machine)
    scrapyd_urls: tuple[str, ...] | None = None  # node N is the Nth URL; each may carry user:password@
    scrapyd_pins: tuple[tuple[str, int], ...] | None = None  # (source, node N): a source always crawled on node N
    scrapyd_poll: float = 1.0  # seconds between two listjobs.json of a node while the cycle waits for its jobs
    # digests
    smtp_url: str | None = None  # None: digests are written as .eml files under data_dir/outbox
    secret: str | None = None  # signs unsubscribe links
    public_url: str = "http://127.0.0.1:8080"  # where `cywatch web` is reachable from a mail client
    mail_from: str = "成渝观察 chengyu-watch <digest@localhost>"
    smtp_timeout: float = 30.0
    smtp_ca_file: str | None = None  # extra CA certificates to trust (a private relay's own CA)
    smtp_retry_after: float = 300.0  # seconds before a 4xx is tried again, doubled per attempt
    digest_limit: int = 25  # items per digest section before "N more"
    # the diff's identity matcher (crawler/extract/identity.py): inferred from accept, possible from possible
    match_accept: float = 0.80
    match_possible: float = 0.60
    send_workers: int = 4  # digests sent at once (each its own SMTP connection and database session)
    webhook_timeout: float = 15.0  # seconds for a chat bot's or webhook's connection and answer
    # development and tests only: webhooks may reach this machine (127.0.0.1, ::1); never private networks
    unsafe_loopback_webhooks: bool = False
    # the cycle and the web endpoint
    schedule: str = "30 7 * * *"  # cron, in `timezone`
    timezone: str = "Asia/Shanghai"
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    operator_password: str | None = None  # None: the web's operator pages are closed
    # tests only
    test_admin_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from environment variables; ConfigError names the first variable that is malformed."""
        env = os.environ if env is None else env
        refuse_placeholders(env)
        found: dict[str, object] = {}
        for variable in VARIABLES:
            raw = env.get(variable.name, "")
            if raw.strip():
                found[variable.field] = variable.read(raw)
        data_dir = found.pop("data_dir", None) or _default_data_dir(env)
        _check_pins(found)
        settings = replace(cls(database_url=None, data_dir=data_dir), **found)  # type: ignore[arg-type]
        if settings.match_possible > settings.match_accept:
            raise ConfigError(f"CYWATCH_MATCH_POSSIBLE must not be above CYWATCH_MATCH_ACCEPT "
                              f"({settings.match_accept:g}), got {settings.match_possible:g}")
        return settings

    @property
    def zone(self) -> ZoneInfo:
        """CYWATCH_TIMEZONE: the schedule's time zone, the one that decides what "today" is, and the one in
        which the dates people read (the database session's, the digests') are given."""
        return ZoneInfo(self.timezone)

    @property
    def smtp(self) -> SmtpConfig | None:
        """SMTP_URL parsed, with CYWATCH_SMTP_TIMEOUT and CYWATCH_SMTP_CA_FILE; None: digests go to files."""
        if not self.smtp_url:
            return None
        try:
            return parse_smtp_url(self.smtp_url, self.smtp_timeout, self.smtp_ca_file)
        except ValueError as error:
            raise ConfigError(f"SMTP_URL {error}") from None

    @property
    def crawler_user_agent(self) -> str:
        """The User-Agent the crawler sends: CYWATCH_USER_AGENT, or one naming CYWATCH_CONTACT_URL."""
        return self.user_agent or f"chengyu-watch/0.1 (+{self.contact_url})"

    def signing_secret(self) -> str:
        """The secret that signs unsubscribe links.

        From CYWATCH_SECRET. Only when digests go to files (no SMTP_URL: a local trial), a random secret is
        created once in the data dir, readable by its owner only.
        """
        if self.secret:
            return self.secret
        if self.smtp_url:
            raise ConfigError("CYWATCH_SECRET is not set: it signs the unsubscribe links of every digest sent")
        path = self.data_dir / "secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole to a private temporary file (mkstemp: mode 0600), then linked into place: never
            # world-readable, never seen half-written, and if two processes race the first link wins.
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as file:
                    file.write(secrets.token_urlsafe(32))
                with contextlib.suppress(FileExistsError):
                    os.link(temporary, path)
            finally:
                os.unlink(temporary)
        return path.read_text(encoding="utf-8").strip()


@dataclass(frozen=True, slots=True)
class Variable:
    """One environment variable: its name, the Settings field it sets, and how its text is parsed."""

    name: str
    field: str
    parse: Callable[[str], object]

    def read(self, raw: str) -> object:
        """The parsed value; ConfigError `NAME <what it must be>, got 'RAW'` when it does not parse."""
        try:
            return self.parse(raw)
        except ValueError as error:
            shown = "" if self.name in _SECRET else f", got {raw!r}"  # a URL or secret may hold a password
            raise ConfigError(f"{self.name} {error}{shown}") from None

    @property
    def default(self) -> object:
        """The value when the variable is unset (None: unset means "none")."""
        return _DEFAULTS.get(self.field)


def _path(value: str) -> Path:
    """A folder, with ~ expanded."""
    return Path(value).expanduser()


VARIABLES: tuple[Variable, ...] = (
    Variable("DATABASE_URL", "database_url", values.text),
    Variable("CYWATCH_DATA_DIR", "data_dir", _path),
    Variable("CYWATCH_MIRROR", "mirror", values.http_url),
    Variable("CYWATCH_USER_AGENT", "user_agent", values.text),
    Variable("CYWATCH_CONTACT_URL", "contact_url", values.text),
    Variable("CYWATCH_DOWNLOAD_TIMEOUT", "download_timeout", values.seconds),
    Variable("CYWATCH_LOG_LEVEL", "log_level", values.log_level),
    Variable("CYWATCH_PROGRESS_INTERVAL", "progress_interval", values.seconds),
    Variable("CYWATCH_SCRAPYD_URLS", "scrapyd_urls", values.http_urls),
    Variable("CYWATCH_SCRAPYD_PINS", "scrapyd_pins", values.pins),
    Variable("CYWATCH_SCRAPYD_POLL", "scrapyd_poll", values.positive_seconds),
    Variable("SMTP_URL", "smtp_url", smtp.smtp_url),
    Variable("CYWATCH_SECRET", "secret", values.text),
    Variable("CYWATCH_PUBLIC_URL", "public_url", values.http_url),
    Variable("CYWATCH_MAIL_FROM", "mail_from", values.mail_from),
    Variable("CYWATCH_SMTP_TIMEOUT", "smtp_timeout", values.seconds),
    Variable("CYWATCH_SMTP_CA_FILE", "smtp_ca_file", values.text),
    Variable("CYWATCH_SMTP_RETRY_AFTER", "smtp_retry_after", values.seconds),
    Variable("CYWATCH_DIGEST_LIMIT", "digest_limit", values.positive_int),
    Variable("CYWATCH_MATCH_ACCEPT", "match_accept", values.fraction),
    Variable("CYWATCH_MATCH_POSSIBLE", "match_possible", values.fraction),
    Variable("CYWATCH_SEND_WORKERS", "send_workers", values.positive_int),
    Variable("CYWATCH_WEBHOOK_TIMEOUT", "webhook_timeout", values.seconds),
    Variable("CYWATCH_UNSAFE_LOOPBACK_WEBHOOKS", "unsafe_loopback_webhooks", values.switch),
    Variable("CYWATCH_SCHEDULE", "schedule", values.cron),
    Variable("CYWATCH_TIMEZONE", "timezone", values.timezone),
    Variable("CYWATCH_WEB_HOST", "web_host", values.text),
    Variable("CYWATCH_WEB_PORT", "web_port", values.port),
    Variable("CYWATCH_OPERATOR_PASSWORD", "operator_password", values.text),
    Variable("CYWATCH_TEST_ADMIN_URL", "test_admin_url", values.text),
)
_SECRET = frozenset({"DATABASE_URL", "SMTP_URL", "CYWATCH_SECRET", "CYWATCH_OPERATOR_PASSWORD",
                     "CYWATCH_TEST_ADMIN_URL", "CYWATCH_SCRAPYD_URLS"})
_DEFAULTS = {f.name: f.default for f in fields(Settings) if f.default is not MISSING}


def _check_pins(found: Mapping[str, object]) -> None:
    """CYWATCH_SCRAPYD_PINS may only name nodes that CYWATCH_SCRAPYD_URLS lists."""
    urls = cast("tuple[str, ...]", found.get("scrapyd_urls") or ())
    for source, node in cast("tuple[tuple[str, int], ...]", found.get("scrapyd_pins") or ()):
        if node > len(urls):
            raise ConfigError(f"CYWATCH_SCRAPYD_PINS pins {source} to node {node}, but CYWATCH_SCRAPYD_URLS "
                              f"lists {len(urls)} node(s)")


def refuse_placeholders(env: Mapping[str, str]) -> None:
    """ConfigError naming the first setting that still holds .env.example's placeholder (compose's `:?`
    guards only see that a value is there)."""
    for name, value in env.items():
        if (name.startswith(("CYWATCH_", "POSTGRES_")) or name in ("DATABASE_URL", "PGPASSWORD", "SMTP_URL")) \
                and PLACEHOLDER in value.upper():
            raise ConfigError(f"{name} still holds the placeholder {PLACEHOLDER} of .env.example: set it in .env")


def _default_data_dir(env: Mapping[str, str]) -> Path:
    """Where data lives without CYWATCH_DATA_DIR: a checkout's own var/ (what `make run` uses: every command
    of a checkout sees the same data), else ~/.local/share/chengyu-watch or under XDG_DATA_HOME."""
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / ".git").exists():
        return _CHECKOUT / "var"
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "chengyu-watch"
