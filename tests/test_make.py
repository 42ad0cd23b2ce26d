"""The newcomer's make targets, run as the README says: `make demo` (with FORCE=1, with its port busy)."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None or not (ROOT / ".venv" / "bin" / "cywatch").exists(),
                                reason="needs make and the checkout's .venv (make test creates it)")


def make(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """`make ARGS` in the checkout, without re-installing .venv (-o: take it as up to date)."""
    return subprocess.run([MAKE, "--no-print-directory", "-o", ".venv/.installed", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def demo_env(cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return cli_env | {"DEMO_DATA_DIR": str(tmp_path / "demo"), "CYWATCH_PROGRESS_INTERVAL": "0"}


@pytest.mark.slow
def test_make_demo_runs_again_with_force_and_never_on_a_busy_port(db, demo_env):
    first = make("demo", env=demo_env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "cycle of 2024-08-12: ok (attempt 1" in first.stdout
    again = make("demo", env=demo_env)
    assert "nothing done" in again.stdout and "FORCE=1" in again.stdout  # says how, in make's own terms
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = make("demo", f"DEMO_PORT={port}", "FORCE=1", env=demo_env)
    assert busy.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in busy.stderr and "Traceback" not in busy.stderr
    assert "no cycle was run" in busy.stderr
    row = db.execute("SELECT attempts, status FROM runs WHERE run_date = '2024-08-12'").fetchone()
    assert row["attempts"] == 1 and row["status"] == "ok"  # the day was not spent on a broken mirror
    forced = make("demo", "FORCE=1", env=demo_env)
    assert forced.returncode == 0 and "(attempt 2" in forced.stdout, forced.stdout + forced.stderr
