"""The docker-compose deployment, tested without a Docker engine (there is none here).

1. `docker-compose config` (Debian's docker-compose, installed by `make test` when it may) validates the
   file and resolves it with an .env, as `docker compose up` would.
2. The `app` and `web` services' own commands run with the environment that resolved file gives them
   (service hosts mapped to 127.0.0.1, container ports to free ones), against the test PostgreSQL, the
   fixture mirror and aiosmtpd: the scheduler, scheduled one minute ahead, runs a cycle and a digest
   arrives; its unsubscribe link is served by the web service.
3. The `scale` profile's crawl nodes: on the private network only, and their own command, with their
   resolved environment, refuses to start without a password and then serves Scrapyd behind basic auth.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from devtools.mirror import serving
from tests.conftest import ROOT
from tests.fixtures.sitegen import write_recent
from tests.mail import MailServer, free_port

pytestmark = pytest.mark.embedded  # `make test-embedded` runs these on the embedded server too
SHANGHAI = ZoneInfo("Asia/Shanghai")  # CYWATCH_TIMEZONE's default, which the tests keep

COMPOSE = shutil.which("docker-compose")
needs_compose = pytest.mark.skipif(COMPOSE is None, reason="docker-compose is not installed (make test installs "
                                                           "Debian's package when it runs as root)")


def resolved(env_file: Path) -> dict:
    """docker-compose.yml as compose resolves it with this .env."""
    result = subprocess.run([COMPOSE, "--project-directory", str(ROOT), "--env-file", str(env_file), "-f",
                             str(ROOT / "docker-compose.yml"), "config"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@needs_compose
def test_the_compose_file_is_valid_and_complete(tmp_path):
    env_file = tmp_path / ".env"
    shutil.copy(ROOT / ".env.example", env_file)
    config = resolved(env_file)
    services = config["services"]
    assert set(services) == {"db", "app", "web", "mailpit", "scrapyd1", "scrapyd2"}
    assert services["db"]["image"].startswith("postgres:16") and services["db"]["healthcheck"]["test"]
    assert any(v.startswith("pgdata:") for v in services["db"]["volumes"])
    assert services["app"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["app"]["command"] == ["scheduler"]
    assert services["web"]["command"][0] == "web"
    assert services["mailpit"]["profiles"] == ["dev"]
    assert services["web"]["build"]["target"] == services["app"]["build"]["target"] == "app"
    assert services["web"]["image"] == services["app"]["image"]
    app_env = services["app"]["environment"]
    assert app_env["DATABASE_URL"] == "postgresql://cywatch@db:5432/cywatch"  # no password in a URL
    assert app_env["PGPASSWORD"] == "CHANGE-ME"
    assert "\nCOMPOSE_PROFILES=dev\n" in env_file.read_text()  # SMTP_URL=smtp://mailpit:1025 needs it
    assert app_env["SMTP_URL"] == "smtp://mailpit:1025" and "dev" in services["mailpit"]["profiles"]
    for required in ("POSTGRES_PASSWORD", "CYWATCH_SECRET", "SMTP_URL", "CYWATCH_PUBLIC_URL"):
        missing = tmp_path / "missing.env"  # without it compose refuses to start, naming it
        missing.write_text("".join(line for line in (ROOT / ".env.example").read_text().splitlines(keepends=True)
                                   if not line.startswith(f"{required}=")))
        refused = subprocess.run([COMPOSE, "--project-directory", str(ROOT), "--env-file", str(missing), "-f",
                                  str(ROOT / "docker-compose.yml"), "config"], capture_output=True, text=True,
                                 timeout=60)
        assert refused.returncode != 0 and required in refused.stderr
    # as shipped, .env.example cannot start the app: each placeholder is refused with its name
    placeholders = {k: str(v) for k, v in app_env.items() if "CHANGE-ME" in str(v)}
    assert set(placeholders) == {"PGPASSWORD", "CYWATCH_SECRET", "CYWATCH_PUBLIC_URL"}
    for name, value in placeholders.items():
        refused = subprocess.run([sys.executable, "-m", "cywatch", "status"], env={"PATH": "/usr/bin:/bin", name: value},
                                 cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2 and refused.stderr.strip() == \
            f"cywatch: {name} still holds the placeholder CHANGE-ME of .env.example: set it in .env", refused.stderr
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", dockerfile, re.M)
    assert re.search(r"^USER cywatch$", dockerfile, re.M)
    assert 'ENTRYPOINT ["cywatch"]' in dockerfile  # exec form
    assert "COPY tests/fixtures/sites tests/fixtures/sites" in dockerfile  # what `cywatch mirror` serves
    assert "[embedded]" not in dockerfile  # the embedded PostgreSQL stays out of the image
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "var", ".git"} <= set(ignored)  # 326 MB of .venv, a 0700 pgserver data dir


@needs_compose
def test_the_scale_profile_runs_crawl_nodes_with_basic_auth_on_a_private_network(tmp_path):
    env_file = tmp_path / ".env"
    shutil.copy(ROOT / ".env.example", env_file)
    services = resolved(env_file)["services"]
    nodes = {name: s for name, s in services.items() if s.get("profiles") == ["scale"]}
    assert set(nodes) == {"scrapyd1", "scrapyd2"}
    for node in nodes.values():
        assert node["build"]["target"] == "scrapyd" and "ports" not in node  # reached on `crawl` only
        assert list(node["networks"]) == ["crawl"] and node["depends_on"]["db"]["condition"] == "service_healthy"
        assert node["environment"]["DATABASE_URL"] == services["app"]["environment"]["DATABASE_URL"]
    assert {"crawl", "default"} == set(services["app"]["networks"]) == set(services["db"]["networks"])
    assert "crawl" not in services["web"].get("networks", {"default": None})  # the web endpoint cannot reach them
    assert nodes["scrapyd1"]["volumes"] != nodes["scrapyd2"]["volumes"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM app AS scrapyd$", dockerfile, re.M) and 'pip install ".[scale]"' in dockerfile
    # the node's own command, with the environment compose gives it: no password, no node
    command = [part.replace("$$", "$") for part in nodes["scrapyd1"]["command"]]
    environment = {k: str(v) for k, v in nodes["scrapyd1"]["environment"].items()}
    bin_path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    refused = subprocess.run(command, env=environment | {"PATH": bin_path}, capture_output=True, text=True,
                             timeout=30, cwd=tmp_path)
    assert refused.returncode == 2 and "set SCRAPYD_PASSWORD in .env" in refused.stderr
    if shutil.which("scrapyd", path=bin_path) is None:
        pytest.skip("scrapyd is not installed (the `scale` extra)")
    port = free_port()
    node = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=environment | {"PATH": bin_path, "SCRAPYD_PASSWORD": "node-secret",
                                               "SCRAPYD_BIND_ADDRESS": "127.0.0.1", "SCRAPYD_HTTP_PORT": str(port)})
    try:
        url = f"http://127.0.0.1:{port}/daemonstatus.json"
        deadline = time.monotonic() + 30
        while True:
            assert node.poll() is None and time.monotonic() < deadline, "scrapyd did not start"
            try:
                urllib.request.urlopen(url, timeout=2)
            except urllib.error.HTTPError as error:
                assert error.code == 401  # basic auth, as SCRAPYD_USERNAME and SCRAPYD_PASSWORD say
                break
            except OSError:
                time.sleep(0.1)
                continue
            raise AssertionError("scrapyd answered without credentials")
        request = urllib.request.Request(url, headers={"Authorization": "Basic " + base64.b64encode(
            b"cywatch:node-secret").decode()})
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert json.loads(answer.read())["status"] == "ok"
    finally:
        node.terminate()
        node.wait(timeout=30)


def _local(value: str, ports: dict[str, int], database_url: str) -> str:
    """A service address as seen from this host: db:5432 -> the test server, mailpit:1025 -> 127.0.0.1:PORT.

    The test server may be the embedded one, reached through a socket directory (host=/tmp/…), not TCP.
    """
    at = re.match(r"postgresql://([^@/]*)@db:5432/([^?]*)$", value)
    if at:
        return make_conninfo(database_url, user=at[1], dbname=at[2])
    for host, port in ports.items():
        value = re.sub(rf"//{host}:\d+", f"//127.0.0.1:{port}", value)
    return value


@needs_compose
@pytest.mark.slow
def test_the_app_and_web_services_run_a_cycle_and_deliver(db, settings, tmp_path):
    today = datetime.now(SHANGHAI).date()
    write_recent(tmp_path / "sites", today)
    database = conninfo_to_dict(settings.database_url)["dbname"]
    soon = datetime.now(SHANGHAI) + timedelta(minutes=1)
    web_port = free_port()
    with serving(tmp_path / "sites") as mirror, MailServer() as smtp:
        env_file = tmp_path / ".env"
        env_file.write_text("\n".join([
            "POSTGRES_USER=postgres", "POSTGRES_PASSWORD=unused-with-trust-auth", f"POSTGRES_DB={database}",
            "CYWATCH_SECRET=deploy-test-secret", f"CYWATCH_PUBLIC_URL=http://127.0.0.1:{web_port}",
            f"SMTP_URL=smtp://mailpit:{smtp.port}", f"CYWATCH_MIRROR={mirror.url}",
            f"CYWATCH_SCHEDULE={soon.minute} {soon.hour} * * *", "CYWATCH_TIMEZONE=Asia/Shanghai"]) + "\n")
        services = resolved(env_file)["services"]
        envs = {}
        for name in ("app", "web"):
            environment = {k: _local(str(v), {"mailpit": smtp.port}, settings.database_url)
                           for k, v in services[name]["environment"].items()}
            envs[name] = environment | {"CYWATCH_DATA_DIR": str(tmp_path / name), "PATH": "/usr/bin:/bin",
                                        "CYWATCH_DOWNLOAD_TIMEOUT": "3", "CYWATCH_PROGRESS_INTERVAL": "0"}
        web_command = [part.replace("0.0.0.0", "127.0.0.1") for part in services["web"]["command"]]
        web_command[web_command.index("--port") + 1] = str(web_port)  # the published port
        subprocess.run([sys.executable, "-m", "cywatch", "subscribers", "add", "reader@example.org"],
                       env=envs["app"], cwd=ROOT, check=True, capture_output=True, timeout=60)
        app = subprocess.Popen([sys.executable, "-m", "cywatch", *services["app"]["command"]], env=envs["app"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        web = subprocess.Popen([sys.executable, "-m", "cywatch", *web_command], env=envs["web"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 150
            while time.monotonic() < deadline and not smtp.received:
                assert app.poll() is None, app.communicate()[1]
                time.sleep(0.5)
            assert smtp.received, "no digest arrived within 150 s"
            [mail] = smtp.received
            link = mail.message["List-Unsubscribe"].strip("<>")
            with urllib.request.urlopen(link, timeout=10) as page:
                assert page.status == 200 and "Stop sending chengyu-watch digests to reader@example.org?" in \
                    page.read().decode()
        finally:
            for process in (app, web):
                process.send_signal(signal.SIGTERM)
            _, app_log = app.communicate(timeout=90)
            web.communicate(timeout=30)
    assert app.returncode == 0, app_log
    assert "next cycle at" in app_log
    row = db.execute("SELECT status FROM runs WHERE run_date = %s", [today]).fetchone()
    assert row["status"] == "ok"
