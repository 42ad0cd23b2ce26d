"""Configuration, read from the environment only (secrets never live in files of the project).

Every setting is documented in README.md's configuration table; keep the two in step.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[1]  # the source tree, when run from a git checkout


def _default_data_dir() -> Path:
    """Where data lives without CYWATCH_DATA_DIR: a checkout's own var/, else the user's data dir (XDG)."""
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / ".git").exists():
        return _CHECKOUT / "var"  # what `make run` uses: every command of a checkout sees the same data
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "chengyu-watch"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


PLACEHOLDER = "CHANGE-ME"  # what .env.example puts where the operator must decide


def refuse_placeholders(env: Mapping[str, str]) -> None:
    """ConfigError naming the first setting that still holds .env.example's placeholder (compose's `:?`
    guards only see that a value is there)."""
    for name, value in env.items():
        if (name.startswith(("CYWATCH_", "POSTGRES_")) or name in ("DATABASE_URL", "PGPASSWORD", "SMTP_URL")) \
                and PLACEHOLDER in value.upper():
            raise ConfigError(f"{name} still holds the placeholder {PLACEHOLDER} of .env.example: set it in .env")


@dataclass(frozen=True, slots=True)
class Settings:
    """What the deployment says, resolved once per command."""

    database_url: str | None  # None: run the embedded PostgreSQL under data_dir/postgres
    data_dir: Path
    smtp_url: str | None = None  # None: digests are written as .eml files under data_dir/outbox
    secret: str | None = None  # signs unsubscribe links
    public_url: str = "http://127.0.0.1:8080"  # where `cywatch web` is reachable from a mail client
    mail_from: str = "成渝观察 chengyu-watch <digest@localhost>"
    smtp_timeout: float = 30.0
    smtp_ca_file: str | None = None  # extra CA certificates to trust (a private relay's own CA)
    digest_limit: int = 25  # items per digest section before "N more"
    schedule: str = "30 7 * * *"  # cron, in `timezone`
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from environment variables (see README.md, Configuration)."""
        env = os.environ if env is None else env
        refuse_placeholders(env)
        data_dir = Path(env.get("CYWATCH_DATA_DIR") or _default_data_dir()).expanduser()
        try:
            timeout = float(env.get("CYWATCH_SMTP_TIMEOUT") or 30)
            limit = int(env.get("CYWATCH_DIGEST_LIMIT") or 25)
        except ValueError as error:
            raise ConfigError(f"CYWATCH_SMTP_TIMEOUT and CYWATCH_DIGEST_LIMIT take numbers: {error}") from None
        mail_from = env.get("CYWATCH_MAIL_FROM") or "成渝观察 chengyu-watch <digest@localhost>"
        address = parseaddr(mail_from)[1]
        if "@" not in address or not address.isascii() or any(c in mail_from for c in "\r\n"):
            raise ConfigError(f"CYWATCH_MAIL_FROM={mail_from!r}: needs an ASCII address, as in "
                              "'成渝观察 <digest@example.org>' (the name may be Chinese; SMTP cannot carry "
                              "a non-ASCII address here)")
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=data_dir,
            smtp_url=env.get("SMTP_URL") or None,
            secret=env.get("CYWATCH_SECRET") or None,
            public_url=(env.get("CYWATCH_PUBLIC_URL") or "http://127.0.0.1:8080").rstrip("/"),
            mail_from=mail_from,
            smtp_timeout=timeout,
            smtp_ca_file=env.get("CYWATCH_SMTP_CA_FILE") or None,
            digest_limit=limit,
            schedule=env.get("CYWATCH_SCHEDULE") or "30 7 * * *",
            timezone=env.get("CYWATCH_TIMEZONE") or "Asia/Shanghai",
        )

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
