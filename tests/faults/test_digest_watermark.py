"""Fault 7: a digest built while a crawl is committing must not skip the article being committed.

Article ids are handed out when a row is inserted, not when it commits: an article inserted first and
committed last has a lower id than one committed before it. Here a writer (this test's own connection)
holds an article uncommitted while another is committed and `cywatch digest` runs in a process of its own;
then the writer commits. Every article must be listed in exactly one digest.
"""

from __future__ import annotations

import email
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from email import policy
from pathlib import Path

import pytest

from db.connection import connect
from tests.conftest import ROOT, run_cli
from tests.test_digest import seed

TITLES = ("渝西地区规上工业增加值增长13.5%", "川南经济区技术合同成交额增长9.1%", "成德眉资同城化交通项目完工八成")
BODIES = ("1—7月渝西地区规上工业增加值增长13.5%，成渝协同发展。", "1—7月川南经济区技术合同成交额增长9.1%，成渝合作深化。",
          "截至7月底，成德眉资同城化交通项目完工八成，成渝双城经济圈互联互通。")


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    return cli_env | {"CYWATCH_SECRET": "test-secret", "CYWATCH_MAIL_FROM": "digest@example.org"}


def _waiting_on_a_lock(db, application: str) -> bool:
    """Whether the database session named `application` waits for a lock (held by an uncommitted writer)."""
    rows = db.execute("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = %s",
                      [application]).fetchall()
    db.commit()
    return bool(rows)


def _until(done: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)


def _listed(folder: Path) -> Counter[str]:
    """How many digests under `folder` list each title among their new articles."""
    seen: Counter[str] = Counter()
    for path in folder.rglob("*.eml"):
        text = email.message_from_bytes(path.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
        seen.update(t for t in TITLES if f"* {t} —" in text)
    return seen


def test_an_article_committed_while_a_digest_runs_is_in_a_later_digest_once(db, settings, env, fault_outcome):
    seed(db)  # the baseline only
    assert run_cli("subscribers", "add", "reader@example.org", env=env).returncode == 0
    with connect(settings) as first, connect(settings) as second:
        second.execute("SET application_name = 'cywatch-tests-second'")
        second.commit()
        first.execute("SELECT 1")  # a transaction is open: what it stores is not committed
        seed(first, (TITLES[0], BODIES[0]), with_baseline=False)  # the lower id, committed last
        # Another crawler stores the next article meanwhile (committed at once, or held back until the
        # first commits: both are fine, as long as the digest then misses neither).
        other = threading.Thread(target=seed, args=(second, (TITLES[1], BODIES[1])), kwargs={"with_baseline": False})
        other.start()
        _until(lambda: not other.is_alive() or _waiting_on_a_lock(db, "cywatch-tests-second"))
        digest = subprocess.Popen([sys.executable, "-m", "cywatch", "digest", "--date", "2024-08-12"],
                                  env=env | {"PGAPPNAME": "cywatch-tests-digest"}, cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _until(lambda: digest.poll() is not None or _waiting_on_a_lock(db, "cywatch-tests-digest"))
        first.commit()
        other.join(timeout=60)
        out, err = digest.communicate(timeout=60)
    assert digest.returncode == 0, out + err
    seed(db, (TITLES[2], BODIES[2]), with_baseline=False)
    later = [run_cli("digest", "--date", day, env=env) for day in ("2024-08-13", "2024-08-14")]
    assert all(r.returncode == 0 for r in later), [r.stdout + r.stderr for r in later]
    listed = _listed(Path(env["CYWATCH_DATA_DIR"]) / "outbox")
    fault_outcome("article committed while a digest runs", lost=sum(1 for t in TITLES if not listed[t]),
                  duplicated=sum(max(n - 1, 0) for n in listed.values()),
                  note=f"digests: {len(list((Path(env['CYWATCH_DATA_DIR']) / 'outbox').rglob('*.eml')))}")
    assert {t: listed[t] for t in TITLES} == {t: 1 for t in TITLES}
