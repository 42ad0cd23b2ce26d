"""`cywatch extract FILE [FILE ...] [--date YYYY-MM-DD]` as a user runs it."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from crawler.parsing import publication_date
from tests.conftest import ROOT, run_cli

BASELINE = ROOT / "db" / "baseline" / "cqrb-2024-06-22-shuangchengji.txt"


def lines(stdout: str) -> list[dict]:
    return [json.loads(line, parse_float=Decimal) for line in stdout.splitlines()]


def test_baseline_gives_json_lines_with_the_contract_fields(cli_env):
    result = run_cli("extract", str(BASELINE), "--date", "2024-06-22", env=cli_env)
    assert result.returncode == 0, result.stderr
    records = lines(result.stdout)
    assert len(records) == 36
    first_growth = next(r for r in records if r["surface"] == "9.3%")
    assert first_growth == first_growth | {
        "doc": str(BASELINE), "metric": "规上工业增加值", "region": "重庆", "period": "2024-01/2024-05",
        "kind": "growth", "value": Decimal("9.3"), "unit": "%", "qualifier": None}
    assert "规上工业增加值" in result.stdout  # UTF-8, not \u-escaped
    assert "36 indicators" in result.stderr


def test_without_date_the_file_name_or_a_dateline_dates_the_text_and_the_choice_is_reported(cli_env, tmp_path):
    named = run_cli("extract", str(BASELINE), env=cli_env)
    assert "dated 2024-06-22 from the file name" in named.stderr
    assert {r["period"] for r in lines(named.stdout)} >= {"2024-01/2024-05", "2024-01/2024-06"}
    dateline = tmp_path / "article.txt"
    dateline.write_text("2024年8月10日 来源：四川省人民政府\n\n1—7月，四川规上工业增加值增长6.1%。\n", encoding="utf-8")
    [record] = lines(run_cli("extract", str(dateline), env=cli_env).stdout)
    assert record["period"] == "2024-01/2024-07"
    reference_first = tmp_path / "report.txt"  # the first date is a range, not the publication date
    reference_first.write_text("2023年12月1日至2024年5月31日，全省开展专项行动。发布时间：2024年6月3日\n\n"
                               "今年1—5月，四川规上工业增加值增长6.1%。\n", encoding="utf-8")
    [record] = lines(run_cli("extract", str(reference_first), env=cli_env).stdout)
    assert record["period"] == "2024-01/2024-05"
    undated = tmp_path / "undated.txt"
    undated.write_text("今年川渝共同实施100项重大合作事项。\n", encoding="utf-8")
    result = run_cli("extract", str(undated), env=cli_env)
    assert "as today: no date in the file name or its first lines" in result.stderr


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("cqrb-2024-6-22.txt", "", date(2024, 6, 22)),  # unpadded
    ("t20240810_13510003.html", "", date(2024, 8, 10)),  # a TRS document name
    ("x-20241399.txt", "", None),  # no such day
    ("a.txt", "截至2024年5月31日，全省……", None),  # what the text reports on, not when it was published
    ("a.txt", "2024年6月31日 2024年6月30日 来源：新华社", date(2024, 6, 30)),  # an impossible date is skipped
])
def test_a_document_is_dated_by_its_name_or_dateline_only(name, text, expected):
    found = publication_date(name, text)
    assert (found[0] if found else None) == expected


def test_gbk_file_gives_the_same_result_as_utf8(cli_env, tmp_path):
    text = "1—5月，重庆规上工业增加值、工业投资分别增长9.3%、16.8%\n"
    (tmp_path / "utf8.txt").write_text(text, encoding="utf-8")
    (tmp_path / "gbk.txt").write_bytes(text.encode("gbk"))
    utf8 = run_cli("extract", "utf8.txt", "--date", "2024-06-22", env=cli_env | {"PWD": str(tmp_path)})
    gbk = run_cli("extract", str(tmp_path / "gbk.txt"), "--date", "2024-06-22", env=cli_env)
    assert gbk.returncode == 0, gbk.stderr
    strip = [{k: v for k, v in r.items() if k != "doc"} for r in lines(gbk.stdout)]
    assert len(strip) == 2 and strip[0]["value"] == Decimal("9.3")
    assert "decoded as gb18030" in gbk.stderr
    assert utf8.returncode == 1  # relative to the repository root it does not exist


def test_bad_files_get_a_clear_error_and_no_traceback(cli_env, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = run_cli("extract", str(tmp_path / "missing.txt"), str(tmp_path / "empty.txt"),
                     str(tmp_path / "image.png"), str(BASELINE), env=cli_env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{tmp_path / 'missing.txt'}: no such file" in result.stderr
    assert f"{tmp_path / 'empty.txt'}: empty, no indicators" in result.stderr
    assert f"{tmp_path / 'image.png'}: binary data" in result.stderr
    assert len(lines(result.stdout)) == 36  # the good file is still processed
