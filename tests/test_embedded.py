"""The embedded PostgreSQL (no DATABASE_URL): it stops when the last command using it ends, however it ends.

Real processes: `cywatch web` and `cywatch status` with only CYWATCH_DATA_DIR set, a real embedded server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT, run_cli
from tests.mail import free_port

pytestmark = pytest.mark.embedded


@pytest.fixture
def embedded_env(public_tmp_path: Path) -> dict[str, str]:
    """An environment with no DATABASE_URL: commands run their own PostgreSQL under a fresh data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CYWATCH_", "SMTP_", "DATABASE_URL", "PG"))}
    return env | {"CYWATCH_DATA_DIR": str(public_tmp_path / "data")}


def _postmaster(env: dict[str, str]) -> int | None:
    """The PID of the embedded server's postmaster, when it runs."""
    pid_file = Path(env["CYWATCH_DATA_DIR"]) / "postgres" / "postmaster.pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text().split()[0])
    return pid if psutil.pid_exists(pid) else None


def _wait_gone(pid: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.2)
    return False


def _web(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """`cywatch web` on a free port, once it answers /healthz (its pool has reached the embedded server)."""
    port = free_port()
    web = subprocess.Popen([sys.executable, "-m", "cywatch", "web", "--port", str(port)], env=env, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert web.poll() is None, web.communicate()[1]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return web, port
        except OSError:
            time.sleep(0.5)
    web.kill()
    raise AssertionError("cywatch web did not answer /healthz within 90 s")


def test_sigterm_to_web_stops_the_embedded_server(embedded_env):
    web, _ = _web(embedded_env)
    postmaster = _postmaster(embedded_env)
    assert postmaster, "the embedded server is not running while cywatch web serves"
    web.send_signal(signal.SIGTERM)  # what `docker stop`, systemd and `kill` send
    web.communicate(timeout=30)
    assert _wait_gone(postmaster), "the embedded PostgreSQL outlived the cywatch web that started it"


def test_a_command_killed_outright_does_not_keep_the_server_alive_for_ever(embedded_env):
    web, _ = _web(embedded_env)
    postmaster = _postmaster(embedded_env)
    web.kill()  # SIGKILL: no cleanup at all; its PID stays in the server's list of users
    web.wait(timeout=10)
    handles = Path(embedded_env["CYWATCH_DATA_DIR"]) / "postgres" / ".handle_pids.json"
    assert web.pid in json.loads(handles.read_text())
    status = run_cli("status", env=embedded_env)
    assert status.returncode == 0, status.stderr
    assert _wait_gone(postmaster), "the next command did not stop the server: a dead PID kept it listed"
    assert json.loads(handles.read_text() or "[]") == []
