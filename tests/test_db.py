"""Schema migrations and the baseline, against a real PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from db.migrate import available
from tests.conftest import ROOT, migrate_up_to, run_cli

pytestmark = pytest.mark.embedded  # `make test-embedded` runs these on the embedded server too


def _applied(url: str) -> list[int]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]


def test_migrate_applies_every_version_once_and_is_safe_to_rerun(empty_database, cli_env):
    env = cli_env | {"DATABASE_URL": empty_database}
    first = run_cli("db", "migrate", env=env)
    second = run_cli("db", "migrate", env=env)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "applied 0001_articles_and_indicators" in first.stdout
    assert "(0 applied now)" in second.stdout
    assert _applied(empty_database) == [m.version for m in available()]


def test_two_processes_migrating_at_once_both_succeed(empty_database, cli_env):
    env = cli_env | {"DATABASE_URL": empty_database}
    procs = [subprocess.Popen([sys.executable, "-m", "cywatch", "db", "migrate"], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert _applied(empty_database) == [m.version for m in available()]
    applied_now = sum(out.count("applied 0001") for out, _ in outputs)
    assert applied_now == 1  # exactly one of the two did the work


def test_a_migration_edited_after_it_was_applied_is_refused(db, settings):
    db.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
    db.commit()
    from db.connection import connect
    from db.migrate import MigrationError, migrate

    with connect(settings) as conn, pytest.raises(MigrationError, match="edited after it was applied"):
        migrate(conn)
    from db.migrate import available as files

    db.execute("UPDATE schema_migrations SET checksum = %s WHERE version = 1", [files()[0].checksum])
    db.commit()


def test_baseline_loaded_twice_is_one_baseline(db, cli_env):
    first = run_cli("baseline", "load", env=cli_env)
    second = run_cli("baseline", "load", env=cli_env)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "version 1: 36 indicators" in first.stdout
    assert "nothing changed" in second.stdout
    assert db.execute("SELECT count(*) AS n FROM baselines").fetchone()["n"] == 1
    assert db.execute("SELECT count(*) AS n FROM articles").fetchone()["n"] == 1
    assert db.execute("SELECT count(*) AS n FROM indicator_observations").fetchone()["n"] == 36


def test_a_corrected_baseline_is_a_new_version_and_the_old_one_stays(db, cli_env, tmp_path):
    run_cli("baseline", "load", env=cli_env)
    original = (ROOT / "db" / "baseline" / "cqrb-2024-06-22-shuangchengji.txt").read_text(encoding="utf-8")
    corrected = tmp_path / "corrected.txt"
    corrected.write_text(original.replace("川渝省际高速公路通道增至16条", "川渝省际高速公路通道增至17条"),
                         encoding="utf-8")
    args = ("baseline", "load", str(corrected), "--date", "2024-06-22", "--title", "更正稿")
    result = run_cli(*args, env=cli_env)
    assert result.returncode == 0, result.stderr
    assert "version 2" in result.stdout
    assert "nothing changed" in run_cli(*args, env=cli_env).stdout
    old = run_cli("baseline", "show", "--version", "1", env=cli_env).stdout
    new = run_cli("baseline", "show", env=cli_env).stdout

    def corridors(table: str) -> list[str]:
        return [line.split()[4] for line in table.splitlines() if line.startswith("省际高速公路通道")]

    assert corridors(old) == ["16条"] and "version 1: 深化改革" in old
    assert corridors(new) == ["17条"] and "version 2: 更正稿" in new


def test_baseline_show_is_a_readable_table(db, cli_env):
    run_cli("baseline", "load", env=cli_env)
    result = run_cli("baseline", "show", env=cli_env)
    assert result.returncode == 0, result.stderr
    header, rule, *rows = result.stdout.splitlines()[1:]
    assert header.split() == ["metric", "region", "period", "kind", "value", "qualifier", "status"]
    assert len(rows) == 36
    assert any(r.split()[:5] == ["技术合同成交额", "重庆", "2024-01/2024-05", "level", "309.6亿元"] for r in rows)
    assert any(r.split()[:6] == ["技术合同成交额", "川渝", "2024-01/2024-06", "level", "2800亿元", "突破"]
               for r in rows)


def test_baseline_figures_cannot_be_modified(db, cli_env):
    run_cli("baseline", "load", env=cli_env)
    with pytest.raises(psycopg.errors.RaiseException, match="belongs to a baseline"):
        db.execute("UPDATE indicator_observations SET value = 0")
    db.rollback()
    with pytest.raises(psycopg.errors.RaiseException, match="belongs to a baseline"):
        db.execute("DELETE FROM indicator_observations")
    db.rollback()


def test_the_diff_walks_its_own_index_and_the_unused_one_is_gone(db, cli_env):
    run_cli("baseline", "load", env=cli_env)
    indexes = {r["indexname"] for r in db.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'indicator_observations'")}
    assert "observations_key_published" in indexes and "observations_latest" not in indexes


def test_unreachable_database_gives_one_clear_line(cli_env):
    env = cli_env | {"DATABASE_URL": "postgresql://cywatch:secret@127.0.0.1:1/cywatch"}
    result = run_cli("baseline", "show", env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DATABASE_URL=postgresql://cywatch:***@127.0.0.1:1/cywatch" in lines[0]
    assert "secret" not in result.stderr


@pytest.mark.parametrize("url", ["postgresql://cywatch:Qx7@Zy9:Kp3@127.0.0.1:1/cywatch",
                                 "postgresql://cywatch:Qx7#Zy9?Kp3@127.0.0.1:1/cywatch",
                                 "postgresql://cywatch@127.0.0.1:1/cywatch?password=Qx7@Zy9:Kp3",
                                 "postgresql://cywatch:x@127.0.0.1:1/cywatch?sslpassword=Qx7Zy9Kp3",
                                 "host=127.0.0.1 port=1 user=cywatch password=Qx7@Zy9:Kp3 dbname=cywatch"])
def test_no_form_of_database_url_prints_its_password(cli_env, url):
    result = run_cli("baseline", "show", env=cli_env | {"DATABASE_URL": url})
    assert result.returncode == 2 and "cannot connect to the database" in result.stderr
    assert not [piece for piece in ("Qx7", "Zy9", "Kp3") if piece in result.stderr], result.stderr
    assert "***" in result.stderr


def test_in_a_checkout_the_default_data_dir_is_the_checkouts_var(cli_env):
    env = {k: v for k, v in cli_env.items() if k != "CYWATCH_DATA_DIR"} | {"HOME": "/nonexistent"}
    shown = subprocess.run([sys.executable, "-c", "from settings import Settings; "
                            "print(Settings.from_env().data_dir)"], env=env, cwd="/", capture_output=True,
                           text=True, timeout=60)
    assert shown.stdout.strip() == str(ROOT / "var"), shown.stderr  # what `make run` uses, from any directory


def test_without_database_url_an_embedded_postgres_keeps_data_across_restarts(public_tmp_path: Path, cli_env):
    env = {k: v for k, v in cli_env.items() if k != "DATABASE_URL"} | {"CYWATCH_DATA_DIR": str(public_tmp_path)}
    loaded = run_cli("baseline", "load", env=env, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    assert f"creating an embedded PostgreSQL in {public_tmp_path / 'postgres'}" in loaded.stderr  # never silently
    shown = run_cli("baseline", "show", env=env, timeout=300)  # a new process: the server was stopped
    assert shown.returncode == 0, shown.stderr
    assert "creating" not in shown.stderr
    assert "36 indicators" in shown.stdout
    assert (public_tmp_path / "postgres" / "PG_VERSION").exists()


def test_email_case_twins_stored_before_are_merged_into_one_reader(empty_database, cli_env):
    env = cli_env | {"DATABASE_URL": empty_database}
    migrate_up_to(empty_database, 8)
    with psycopg.connect(empty_database, autocommit=True) as conn:  # the state before 0009: two readers
        older, newer = (conn.execute("INSERT INTO subscribers (email, operator, unsubscribed_at) VALUES (%s, %s, %s) "
                                     "RETURNING id", row).fetchone()[0]
                        for row in (("Upper@Example.org", False, None), ("upper@example.org", True, "2024-08-01")))
        for subscriber, period in ((older, "2024-08-10"), (newer, "2024-08-10"), (newer, "2024-08-11")):
            conn.execute("INSERT INTO digests (subscriber_id, period, recipient, subject, message_id, message) "
                         "VALUES (%s, %s, 'x', 's', %s, 'm')", [subscriber, period, f"<{subscriber}.{period}>"])
    migrated = run_cli("db", "migrate", env=env)
    assert migrated.returncode == 0 and "applied 0009_case_insensitive_emails" in migrated.stdout, migrated.stderr
    with psycopg.connect(empty_database) as conn:
        [(kept, email, operator, unsubscribed)] = conn.execute(
            "SELECT id, email, operator, unsubscribed_at IS NOT NULL FROM subscribers").fetchall()
        periods = [r[0] for r in conn.execute("SELECT period FROM digests WHERE subscriber_id = %s ORDER BY period",
                                              [kept])]
    assert (kept, email, operator, unsubscribed) == (older, "upper@example.org", True, True)  # the click stands
    assert periods == ["2024-08-10", "2024-08-11"]  # the twin's history moved over; its second copy went
    added = run_cli("subscribers", "add", "UPPER@EXAMPLE.ORG", "--name", "王", env=env)
    assert added.returncode == 0 and added.stdout.startswith("updated upper@example.org"), added.stdout


def _store(db, url: str, published: str, *sentences: str) -> int:
    from datetime import datetime
    from decimal import Decimal

    from crawler.extract import extract_indicators
    from db.articles import Article, store_article

    text = "。".join(sentences) + "。"
    at = datetime.fromisoformat(published)
    found = extract_indicators(text, at.date(), default_region="重庆")
    return store_article(db, Article(source="cqrb", canonical_url=url, title=url, published_at=at, body=text,
                                     relevant=True, relevance=Decimal(5)), found).article_id


def test_each_figure_is_compared_with_the_latest_earlier_figure_of_its_key_in_another_article(db):
    from crawler.baseline import load as load_baseline
    from db import baseline, diff

    load_baseline(db, baseline.bundled())
    figure = "1—7月重庆技术合同成交额{}亿元"
    first = _store(db, "https://x.example/1", "2024-08-10T09:00+08:00", figure.format(400))
    # two figures of the key in one article, and another article published at the same moment
    second = _store(db, "https://x.example/2", "2024-08-11T09:00+08:00", figure.format(410), figure.format(415))
    third = _store(db, "https://x.example/3", "2024-08-11T09:00+08:00", figure.format(420))
    db.commit()

    def previous() -> dict[int, list[tuple[object, object]]]:
        rows = db.execute(
            "SELECT o.article_id, o.value, p.value AS previous, c.previous_delta FROM indicator_changes c "
            "JOIN indicator_observations o ON o.id = c.observation_id "
            "LEFT JOIN indicator_observations p ON p.id = c.previous_observation_id "
            "WHERE o.metric = '技术合同成交额' AND o.article_id <> %s ORDER BY o.id",
            [db.execute("SELECT article_id FROM baselines").fetchone()["article_id"]]).fetchall()
        by_article: dict[int, list[tuple[object, object]]] = {}
        for r in rows:
            by_article.setdefault(r["article_id"], []).append((r["previous"], r["previous_delta"]))
        return by_article

    # a scope first (as a reprocess recomputes a few articles), then the rest: the same as all at once
    assert diff.compute_articles(db, [third]) == 1
    assert set(previous()) == {third}
    assert diff.compute(db) == 3
    e = 10 ** 8  # 亿
    expected = {first: [(None, None)], second: [(400 * e, 10 * e), (400 * e, 15 * e)], third: [(415 * e, 5 * e)]}
    assert previous() == expected
    db.execute("DELETE FROM indicator_changes")
    db.commit()
    assert diff.compute(db) == 4 and previous() == expected


def test_the_diff_finds_what_is_uncompared_after_deletes_truncates_and_new_figures(db):
    from crawler.baseline import load as load_baseline
    from db import baseline, diff

    load_baseline(db, baseline.bundled())
    _store(db, "https://x.example/1", "2024-08-10T09:00+08:00", "1—7月重庆技术合同成交额400亿元")
    _store(db, "https://x.example/2", "2024-08-11T09:00+08:00", "1—7月重庆技术合同成交额410亿元")
    db.commit()
    baseline_figures = db.execute("SELECT count(*) AS n FROM indicator_observations o "
                                  "JOIN baselines b ON b.article_id = o.article_id").fetchone()["n"]
    listed = "SELECT count(*) AS n FROM diff_uncompared"
    assert diff.compute(db) == 2 and diff.compute(db) == 0
    assert db.execute(listed).fetchone()["n"] == baseline_figures  # never compared, never dropped
    db.execute("DELETE FROM indicator_changes WHERE observation_id = (SELECT max(id) FROM indicator_observations)")
    db.commit()
    assert diff.compute(db) == 1
    db.execute("TRUNCATE indicator_changes CASCADE")  # and what refers to it (empty here)
    db.commit()
    assert diff.compute(db) == 2
    _store(db, "https://x.example/3", "2024-08-12T09:00+08:00", "1—7月重庆技术合同成交额420亿元")
    db.commit()
    assert diff.compute(db) == 1 and db.execute(listed).fetchone()["n"] == baseline_figures
