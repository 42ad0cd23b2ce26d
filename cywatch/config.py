"""Configuration, read from the environment only (secrets never live in files of the project).

Every setting is documented in README.md's configuration table; keep the two in step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "chengyu-watch"


@dataclass(frozen=True, slots=True)
class Settings:
    """What the deployment says, resolved once per command."""

    database_url: str | None  # None: run the embedded PostgreSQL under data_dir/postgres
    data_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from environment variables (see README.md, Configuration)."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("CYWATCH_DATA_DIR") or _default_data_dir()).expanduser()
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=data_dir,
        )
