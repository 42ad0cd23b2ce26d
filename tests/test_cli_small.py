"""The small promises of the command line: bad input gets one clear line, one --format everywhere."""

from __future__ import annotations

import json

from tests.conftest import run_cli


def test_status_runs_must_be_a_positive_number(db, cli_env):
    for bad in ("-3", "0", "many"):
        result = run_cli("status", "--runs", bad, env=cli_env)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert "argument --runs:" in result.stderr.splitlines()[-1]
    assert run_cli("status", "--runs", "1", env=cli_env).returncode == 0


def test_version(cli_env):
    result = run_cli("--version", env=cli_env)
    assert result.returncode == 0 and result.stdout.strip() == "cywatch 0.1.0"


def test_extract_reads_standard_input_and_refuses_unknown_regions(cli_env):
    text = "今年以来，川渝共同实施重大合作事项120项。\n全省地区生产总值增长5.8%。\n"
    read = run_cli("extract", "-", "--date", "2024-08-10", "--region", "四川省", env=cli_env, input=text)
    assert read.returncode == 0, read.stderr
    records = [json.loads(line) for line in read.stdout.splitlines()]
    assert {(r["doc"], r["metric"], r["region"]) for r in records} == {
        ("-", "重大合作事项", "川渝"), ("-", "地区生产总值", "四川")}  # --region canonicalised (四川省 -> 四川)
    assert "cywatch extract: -: 2 indicators" in read.stderr
    mars = run_cli("extract", "-", "--region", "火星", env=cli_env, input=text)
    assert mars.returncode == 2 and mars.stdout == ""
    assert mars.stderr.strip() == "cywatch extract: --region: unknown region(s): 火星 (see crawler/extract/data/regions.tsv)"


def test_one_format_option_everywhere(db, cli_env):
    table = run_cli("extract", "-", "--date", "2024-08-10", "--format", "table", env=cli_env,
                    input="今年以来，川渝共同实施重大合作事项120项。\n")
    assert table.stdout.splitlines()[0].split() == ["doc", "metric", "region", "period", "kind", "value",
                                                    "qualifier", "status"]
    assert "cywatch extract: -: 1 indicator\n" in table.stderr
    as_json = run_cli("diff", "--format", "json", env=cli_env)
    legacy = run_cli("diff", "--json", env=cli_env)
    assert as_json.returncode == legacy.returncode == 0 and as_json.stdout == legacy.stdout


def test_web_and_mirror_options_are_explained(cli_env):
    for command in ("web", "mirror"):
        shown = run_cli(command, "--help", env=cli_env).stdout.splitlines()
        options = [line.strip() for line in shown if line.strip().startswith(("--port", "--host", "--root"))]
        assert options and all("default:" in line for line in options), shown
