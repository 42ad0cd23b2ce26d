"""Crawling on Scrapyd nodes (CYWATCH_SCRAPYD_URLS): real Scrapyd servers on 127.0.0.1, the egg deployed to them.

The egg is built as an operator builds it (`scrapyd-deploy --build-egg`, from a copy of the project's files),
and the nodes run its spiders from it: each Scrapyd works in a folder of its own, outside the checkout.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from crawler.baseline import ensure_loaded
from crawler.scrapyd import Client, Node, NodeError, node, placement
from crawler.sources import SOURCES
from devtools.mirror import serving
from scheduler.cycle import StopRequest, run_cycle
from scheduler.nodes import node_rows, node_status
from tests.conftest import ROOT, run_cli
from tests.fixtures.sitegen import ARTICLES, SITES, WINDOW, real_url
from tests.mail import free_port
from tests.test_cycle import wait_for

SCRAPYD_DEPLOY = Path(sys.executable).with_name("scrapyd-deploy")
pytestmark = pytest.mark.skipif(shutil.which("scrapyd", path=str(Path(sys.executable).parent)) is None
                                or not SCRAPYD_DEPLOY.exists(),
                                reason="scrapyd is not installed: `pip install -e '.[scale]'` (make test does)")
PACKAGED = ("pyproject.toml", "setup.py", "scrapy.cfg", "README.md", "cywatch", "crawler", "db", "alerts", "scheduler",
            "settings", "devtools")
STORED = sorted(real_url(a) for a in ARTICLES if a.expect.stored)
USER, PASSWORD = "cywatch", "node-test-password"


@pytest.fixture(scope="session")
def egg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's egg, built by scrapyd-client from a copy of what the package holds.

    Built once per test run: the pytest-xdist workers share their run's temporary folder, and the first
    worker to need the egg builds it there under a lock while the others wait for it.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # this run's, not an older run's
    built = shared / "egg" / "chengyu-watch.egg"
    with (shared / "egg.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            source = shared / "egg" / "project"
            shutil.rmtree(source, ignore_errors=True)  # what a worker that failed to build left
            source.mkdir(parents=True)
            for name in PACKAGED:
                copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
                copy(ROOT / name, source / name)  # type: ignore[operator]
            result = subprocess.run([str(SCRAPYD_DEPLOY), "--build-egg", str(built)], cwd=source,
                                    capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stderr
    return built


class ScrapydNode:
    """A real Scrapyd server in a folder of its own, in a process group of its own (its jobs die with it)."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env, self.port = folder, env, free_port()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "scrapyd.conf").write_text("\n".join([
            "[scrapyd]", "bind_address = 127.0.0.1", f"http_port = {self.port}", f"username = {USER}",
            f"password = {PASSWORD}", "poll_interval = 0.2", "max_proc = 4", "jobs_to_keep = 10"]) + "\n")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{USER}:{PASSWORD}@127.0.0.1:{self.port}"

    def start(self) -> ScrapydNode:
        log = (self.folder / "scrapyd.log").open("ab")
        self.process = subprocess.Popen([str(Path(sys.executable).with_name("scrapyd"))], cwd=self.folder,
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        client = Client(node(1, self.url), timeout=2)

        def answers() -> bool:
            assert self.process is not None and self.process.poll() is None, (self.folder / "scrapyd.log").read_text()
            try:
                return client.status()["status"] == "ok"
            except NodeError:
                return False

        wait_for(answers, seconds=30, step=0.1)
        return self

    def kill(self) -> None:
        """SIGKILL to the server and its running jobs: a machine lost mid-crawl."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def nodes(settings, egg, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CYWATCH_", "SMTP_", "SCRAPY_"))}
    env |= {"DATABASE_URL": settings.database_url or "", "CYWATCH_DATA_DIR": str(settings.data_dir),
            "CYWATCH_PROGRESS_INTERVAL": "0", "CYWATCH_DOWNLOAD_TIMEOUT": "3"}
    made = [ScrapydNode(tmp_path / f"node{i}", env) for i in (1, 2)]

    def ready(n: ScrapydNode) -> int:  # started and deployed: both nodes at once (each lists its spiders)
        return Client(node(1, n.start().url), timeout=60).add_version("1", egg)

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            assert list(pool.map(ready, made)) == [len(SOURCES)] * 2  # every spider, found in the egg
        yield made
    finally:
        for n in made:
            n.kill()


def test_the_egg_holds_the_data_files_and_runs_from_a_folder_outside_the_checkout(egg, tmp_path):
    # as Scrapyd's runner activates an egg; the lexicon (its words.txt keeps 规上企业 whole; jieba alone splits
    # it), the relevance terms and the migrations are read from it
    probe = (f"import pkg_resources; d = next(pkg_resources.find_distributions({str(egg)!r})); d.activate(); "
             "import crawler, crawler.relevance as r, crawler.extract.lexicon as l; "
             "from importlib import resources; "
             "print(crawler.__file__); print(d.get_entry_info('scrapy', 'settings').module_name); "
             "print(len(list((resources.files('db') / 'migrations').iterdir())) > 10); "
             "print(l.tokenizer().lcut('规上企业') == ['规上企业'] and len(r.terms()) > 5)")
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", probe], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
                            | {"CYWATCH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    where, module, migrations, tokenized = result.stdout.split()
    assert where.startswith(str(egg)) and module == "crawler.settings" and migrations == tokenized == "True"


def test_sources_stay_on_their_node_and_pins_win():
    two = [Node(1, "http://a:6800"), Node(2, "http://b:6800")]
    names = ["cqrb", "sc_gov", "sc_fgw", "cq_gov", "cd_gov", "cq_fgw"]
    hashed = placement(names, two, {})
    assert placement(list(reversed(names)), two, {}) == hashed  # the name decides, not the order
    assert {n.number for n in hashed.values()} == {1, 2}
    pinned = placement(names, two, {"cqrb": 2, "sc_gov": 2})
    assert pinned["cqrb"].number == pinned["sc_gov"].number == 2
    assert {k: v for k, v in pinned.items() if k not in ("cqrb", "sc_gov")} == \
        {k: v for k, v in hashed.items() if k not in ("cqrb", "sc_gov")}


def test_a_job_that_died_or_was_lost_fails_its_source_unless_its_run_finished():
    from crawler.run import RunSummary
    from scheduler.nodes import Placed, _outcome

    where = Node(2, "http://b:6800")
    running = RunSummary("sc_fgw", "running", 3, 0, 1, 1, 0, 0, None)
    killed = _outcome(running, Placed("sc_fgw", where, "j1", finished=True, log_url="/logs/chengyu-watch/sc_fgw/j1.log"))
    assert (killed.status, killed.errors) == ("failed", 1)
    assert killed.detail == ("the job ended on node 2 (http://b:6800) before its run finished (killed?); its log: "
                             "http://b:6800/logs/chengyu-watch/sc_fgw/j1.log")
    lost = _outcome(running, Placed("sc_fgw", where, "j1", failure="lost while its job ran: node 2 … unreachable"))
    assert lost.status == "failed" and lost.detail.startswith("lost while its job ran")
    never = RunSummary("sc_fgw", "failed", 0, 0, 0, 0, 0, 1, "did not start (see the log above)")
    assert "recorded no run" in (_outcome(never, Placed("sc_fgw", where, "j1", finished=True)).detail or "")
    done = RunSummary("sc_fgw", "ok", 9, 0, 4, 2, 6, 0, None)  # crawl_runs has the last word when it finished
    assert _outcome(done, Placed("sc_fgw", where, "j1", failure="lost while its job ran: …")) == done


def test_a_pin_naming_no_source_fails_the_crawl_step_with_the_variables_name(db, settings):
    result = run_cycle(replace(settings, scrapyd_urls=("http://127.0.0.1:9",), scrapyd_pins=(("cqrbb", 1),)),
                       date(2024, 8, 12), stop=StopRequest())
    assert result.steps["crawl"]["status"] == "failed"
    assert result.steps["crawl"]["detail"].startswith("ConfigError: CYWATCH_SCRAPYD_PINS names unknown source(s) "
                                                      "cqrbb; known: cqrb,")


def test_a_node_url_keeps_its_credentials_out_of_what_is_printed():
    n = node(2, "https://cy%40ops:p%3Ass@crawl.example.org:6800/scrapyd/")
    assert n.auth == ("cy@ops", "p:ss") and n.url == "https://crawl.example.org:6800/scrapyd"
    assert n.shown == "node 2 (https://crawl.example.org:6800/scrapyd)"


@pytest.mark.slow
def test_a_node_lost_mid_crawl_fails_its_sources_and_the_next_cycle_stores_every_article_once(db, settings, nodes,
                                                                                             cli_env):
    day = date.fromisoformat(WINDOW[1].isoformat())
    one, two = nodes
    ensure_loaded(db)  # the bundled baseline, as `cywatch run` loads it: the diff then has something to compare
    db.commit()
    pins = {"cqrb": 1, "sc_gov": 1, "sc_fgw": 2, "cq_gov": 2}
    pins |= {name: 1 for name in SOURCES if name not in pins}  # the other sources: on the node that stays up
    cycle_settings = replace(settings, scrapyd_urls=(one.url, two.url), scrapyd_pins=tuple(pins.items()),
                             scrapyd_poll=0.2)  # as the nodes' own poll_interval: no second spent idle per look
    with serving(SITES) as mirror:
        mirror.fail("/fgw.sc.gov.cn/robots.txt", "sleep:60")  # sc_fgw's job on node 2 hangs at its first request
        cycle_settings = replace(cycle_settings, mirror=mirror.url)
        results = []
        first = threading.Thread(target=lambda: results.append(run_cycle(cycle_settings, day, stop=StopRequest())))
        first.start()

        def fgw_started() -> bool:
            found = db.execute("SELECT 1 FROM crawl_runs WHERE source = 'sc_fgw' AND status = 'running'").fetchone()
            db.commit()
            return found is not None

        try:
            wait_for(fgw_started, seconds=60)
        finally:
            two.kill()  # node 2, with the job it is running
            first.join(timeout=120)
        [lost] = results
        crawl = lost.steps["crawl"]
        assert lost.status == "failed" and crawl["status"] == "failed" and lost.steps["diff"]["status"] == "ok"
        assert {s: crawl["sources"][s]["node"] for s in crawl["sources"]} == pins
        assert crawl["sources"]["sc_fgw"]["status"] == "failed"
        assert "node 2 (http://127.0.0.1:" in crawl["sources"]["sc_fgw"]["detail"]
        assert "is unreachable" in crawl["sources"]["sc_fgw"]["detail"]
        assert PASSWORD not in str(crawl)
        assert crawl["sources"]["cqrb"]["status"] == crawl["sources"]["sc_gov"]["status"] == "ok"

        rows = node_rows(node_status(cycle_settings))
        assert [r[3] for r in rows if r[0].startswith("node 2")] == ["down"]
        assert {(r[2], r[3]) for r in rows if r[0].startswith("node 1")} == {
            (name, "finished") for name, number in pins.items() if number == 1}
        status = run_cli("status", env=cli_env | {"CYWATCH_SCRAPYD_URLS": f"{one.url},{two.url}"})
        assert status.returncode == 0, status.stderr
        shown = status.stdout.split("crawl nodes (CYWATCH_SCRAPYD_URLS)\n", 1)[1]
        assert f"node 2 (http://127.0.0.1:{two.port})" in shown and "down" in shown and "cqrb" in shown
        assert PASSWORD not in status.stdout

        two.start()  # the machine is back; its eggs are still on its disk
        again = run_cycle(cycle_settings, day, force=True, stop=StopRequest())
    crawl = again.steps["crawl"]
    assert again.status == "ok" and crawl["status"] == "ok", again.steps
    assert {s["status"] for s in crawl["sources"].values()} <= {"ok", "empty"}
    urls = [r["canonical_url"] for r in db.execute("SELECT canonical_url FROM articles WHERE origin = 'crawl'")]
    assert sorted(urls) == STORED  # every article, each once
    assert db.execute("SELECT count(*) AS n FROM crawl_runs WHERE status = 'running'").fetchone()["n"] == 0
