"""`cywatch extract FILE` on a text with a plain-text table: its figures come out as table cells."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.conftest import run_cli

TEXT = """2025年8月12日 来源：四川省统计局

1—7月四川部分市州地区生产总值
地区        地区生产总值(亿元)    比上年增长(%)
成都市      13120.6               5.8
绵阳市      2240.3                -0.4
自贡市      965.1                 4.2

1—7月，全省规上工业增加值增长6.0%。
"""


def test_a_plain_text_table_is_read_cell_by_cell(cli_env, tmp_path):
    path = tmp_path / "cities.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = run_cli("extract", str(path), env=cli_env)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line, parse_float=Decimal) for line in result.stdout.splitlines()]
    cells = [(r["region"], r["metric"], r["kind"], r["value"], r["unit"], r["period"]) for r in records]
    assert cells == [
        ("成都", "地区生产总值", "level", Decimal("1312060000000"), "元", "2025-01/2025-07"),
        ("成都", "地区生产总值", "growth", Decimal("5.8"), "%", "2025-01/2025-07"),
        ("绵阳", "地区生产总值", "level", Decimal("224030000000"), "元", "2025-01/2025-07"),
        ("绵阳", "地区生产总值", "growth", Decimal("-0.4"), "%", "2025-01/2025-07"),
        ("自贡", "地区生产总值", "level", Decimal("96510000000"), "元", "2025-01/2025-07"),
        ("自贡", "地区生产总值", "growth", Decimal("4.2"), "%", "2025-01/2025-07"),
        ("四川", "规上工业增加值", "growth", Decimal("6.0"), "%", "2025-01/2025-07"),
    ]
    for record in records:  # what the digest quotes is the text as written: the cell, and its row
        assert TEXT[record["start"]:record["end"]] == record["surface"]
        assert TEXT[record["sentence_start"]:].startswith(record["sentence"])
    assert records[2]["sentence"] == "绵阳市      2240.3                -0.4"
    assert "7 indicators" in result.stderr


def test_a_ragged_table_loses_nothing_and_breaks_nothing(cli_env, tmp_path):
    path = tmp_path / "ragged.txt"
    path.write_text("2025年8月12日\n\n指标\t绝对量\t增长\n\t\t\n工业投资\t\n汽车\t12.5\t3.1\t9\t\n重庆\t(亿元)\t--\n",
                    encoding="utf-8")
    result = run_cli("extract", str(path), env=cli_env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    values = sorted(json.loads(line, parse_float=Decimal)["value"] for line in result.stdout.splitlines())
    assert values == [Decimal("3.1"), Decimal("9"), Decimal("12.5")]
