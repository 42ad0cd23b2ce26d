"""The table reader: tables the project wrote (tests/tables), and real ones where they are present."""

from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from parsel import Selector

from crawler.extract.tablegrid import find_flat_tables
from crawler.extract.tables import extract_document, find_tables
from crawler.parsing import body_content
from tests.conftest import ROOT
from tests.gold.scoring import Score
from tests.gold.table_scoring import check_gold, load_gold, score_cells

TABLES = ROOT / "tests" / "tables"
# doc -> (publication date, publisher's region); every doc is plain text except report (an HTML page)
DOCS = {"products.txt": (date(2025, 7, 18), "四川"), "cities.txt": (date(2025, 10, 30), "四川"),
        "industry.txt": (date(2025, 6, 20), "重庆"), "report.txt": (date(2025, 10, 28), "重庆"),
        "yearbook.txt": (date(2025, 3, 1), None)}


def html_article(path: Path) -> tuple[str, list]:
    """An HTML page as the spiders make it an article: title, blank line, body lines; and its tables."""
    page = Selector(path.read_text(encoding="utf-8"))
    lines, layouts = body_content(page.css("div.content"))
    return page.css("h1::text").get() + "\n\n" + "\n".join(lines) + "\n", layouts


def records_of(doc: str):
    published, region = DOCS[doc]
    if doc == "report.txt":
        text, layouts = html_article(TABLES / "report.html")
        return text, extract_document(text, published, default_region=region, layouts=layouts, body_line=2)
    text = (TABLES / doc).read_text(encoding="utf-8")
    return text, extract_document(text, published, default_region=region)


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_tables_written_for_the_project_are_read_as_annotated(doc):
    gold = load_gold(TABLES / "gold.jsonl")[doc]
    text, records = records_of(doc)
    check_gold(text, gold)
    score = score_cells(doc, text, records, gold)
    assert (score.correct, score.extracted) == (len(gold), len(gold)), "\n".join(score.problems)
    assert all(score.accuracy(name) == 1 for name in ("metric", "region", "period")), "\n".join(score.problems)


def test_an_html_table_becomes_tab_separated_lines_with_cells_at_their_offsets():
    text, layouts = html_article(TABLES / "report.html")
    assert text == (TABLES / "report.txt").read_text(encoding="utf-8")  # the committed plain-text form
    [layout] = layouts
    assert (layout.rows, layout.header_rows) == (5, None)  # no <thead>/<th>: the reader finds the 2 header rows
    assert layout.spans == ((0, 0, 2, 1), (0, 1, 1, 2), (0, 3, 2, 1))
    assert "九龙坡区\t1300.7\t-1.2\t-" in text.splitlines()
    for record in records_of("report.txt")[1]:
        assert text[record.start:record.end] == record.surface
        assert text[record.sentence_start:].startswith(record.sentence) and "\n" not in record.sentence


def test_negative_growth_keeps_its_sign_and_a_dash_is_no_figure():
    _, records = records_of("report.txt")
    jiulongpo = {(r.kind, r.value) for r in records if r.region == "九龙坡"}
    assert jiulongpo == {("level", Decimal("130070000000")), ("growth", Decimal("-1.2"))}


def test_a_cell_is_read_once_and_the_prose_around_a_table_as_before():
    text = ("1—6月，四川地区生产总值增长5.1%。\n"
            "地区\t地区生产总值(亿元)\t增速\n"
            "成都市\t11400.2\t5.9%\n"
            "绵阳市\t2010.5\t6.6%\n"
            "上半年，绵阳规上工业增加值增长8.2%。\n")
    records = extract_document(text, date(2025, 7, 25), default_region="四川")
    assert [(r.surface, r.region, r.kind) for r in records] == [
        ("5.1%", "四川", "growth"), ("11400.2", "成都", "level"), ("5.9%", "成都", "growth"),
        ("2010.5", "绵阳", "level"), ("6.6%", "绵阳", "growth"), ("8.2%", "绵阳", "growth")]
    assert records[-1].sentence == "上半年，绵阳规上工业增加值增长8.2%。"


def test_a_unit_note_above_a_table_gives_its_columns_their_unit_and_year_columns_their_period():
    text = ("2024年成渝主要城市经济总量\n\n2024年成渝地区主要城市地区生产总值\n单位：亿元\n"
            "城市\t2024年\t2023年\n成都\t23511.3\t22074.7\n重庆\t32193.2\t30145.8\n")
    records = extract_document(text, date(2025, 2, 1))
    assert [(r.region, r.metric, r.period, r.value, r.unit) for r in records] == [
        ("成都", "地区生产总值", "2024", Decimal("2351130000000"), "元"),
        ("成都", "地区生产总值", "2023", Decimal("2207470000000"), "元"),
        ("重庆", "地区生产总值", "2024", Decimal("3219320000000"), "元"),
        ("重庆", "地区生产总值", "2023", Decimal("3014580000000"), "元")]


def test_a_cell_the_table_reader_cannot_read_is_read_as_prose_and_not_lost():
    page = Selector("<div class='content'><p>某县人口概况</p><table>"
                    "<tr><td>常住人口(2024年末)</td><td>1234567人(约123.5万人)</td></tr>"
                    "<tr><td>男性</td><td>630000人</td></tr><tr><td>增速</td><td>1.5</td></tr></table></div>")
    lines, layouts = body_content(page.css("div.content"))
    text = "某县人口\n\n" + "\n".join(lines)
    records = extract_document(text, date(2025, 3, 1), layouts=layouts, body_line=2)
    assert {r.value for r in records} >= {Decimal("1234567"), Decimal("630000")}
    for record in records:
        assert text[record.start:record.end] == record.surface
        assert text[record.sentence_start:].startswith(record.sentence)


def test_prose_is_not_mistaken_for_a_table():
    baseline = (ROOT / "db" / "baseline" / "cqrb-2024-06-22-shuangchengji.txt").read_text(encoding="utf-8")
    assert find_tables(baseline) == []
    assert find_tables("会议强调  要加快推进。\n下一步  将继续努力。\n") == []  # two spaces, no figures


def test_a_table_flattened_one_cell_a_line_is_read_by_column():
    cells = ["2025年6月全省工业主要数据", "6", "1-6", "绝对量", "同比增长", "(%)", "绝对量", "同比增长", "(%)",
             "规模以上工业增加值", "6.2", "5.9", "分三大门类", " ", " 采矿业", "…", "4.1", "-0.3",
             " 制造业", "7.0", "6.6", "其中:私营企业", "-1.2", "2.5"]
    text = "6月份，全省规模以上工业增加值同比增长6.2%。\n\n" + "\n\n".join(cells) + "\n"
    records = extract_document(text, date(2025, 7, 18), default_region="四川")
    assert [(r.surface, r.metric, r.kind, r.unit, r.period) for r in records] == [
        ("6.2%", "规上工业增加值", "growth", "%", "2025-06/2025-06"),
        ("6.2", "规上工业增加值", "growth", "%", "2025-06/2025-06"),
        ("5.9", "规上工业增加值", "growth", "%", "2025-01/2025-06"),
        ("4.1", "采矿业增加值", "growth", "%", "2025-06/2025-06"),
        ("-0.3", "采矿业增加值", "growth", "%", "2025-01/2025-06"),
        ("7.0", "制造业增加值", "growth", "%", "2025-06/2025-06"),
        ("6.6", "制造业增加值", "growth", "%", "2025-01/2025-06"),
        ("-1.2", "私营企业增加值", "growth", "%", "2025-06/2025-06"),
        ("2.5", "私营企业增加值", "growth", "%", "2025-01/2025-06")]
    assert find_flat_tables("会议指出\n\n要加快推进\n\n2025\n\n增长较快\n") == []


def test_flattened_index_tables_and_tables_whose_row_labels_were_lost():
    index = ["表3 2024年居民消费价格指数", "指标", "上年同期=100", "总指数", "101.2", "食品烟酒", "98.7", "衣着", "100.4"]
    text = "2024年某县统计公报\n全年物价平稳。\n\n" + "\n\n".join(index) + "\n"
    assert [(r.surface, r.unit, r.kind, r.period) for r in extract_document(text, date(2025, 3, 1))] == [
        ("101.2", "%", "level", "2024"), ("98.7", "%", "level", "2024"), ("100.4", "%", "level", "2024")]
    lost = ["表1 2024年末户籍人口及其构成", "指标", "年末数(万人)", "比重(%)", "120.5", "100.0", "60.2", "50.0"]
    text = "2024年某县统计公报\n全年人口平稳。\n\n" + "\n\n".join(lost) + "\n"
    assert [(r.surface, r.value, r.unit, r.kind) for r in extract_document(text, date(2025, 3, 1))] == [
        ("120.5", Decimal(1205000), "人", "level"), ("100.0", Decimal(100), "%", "share"),
        ("60.2", Decimal(602000), "人", "level"), ("50.0", Decimal(50), "%", "share")]


def cells_of(text: str, published: date, region: str | None = None) -> list[tuple]:
    """(surface, metric, region, period, kind, value, unit) of every record of a text, in order."""
    return [(r.surface, r.metric, r.region, r.period, r.kind, r.value, r.unit)
            for r in extract_document(text, published, default_region=region)]


def test_a_rank_column_before_the_places_ranks_the_quantity_the_table_measures():
    text = "某市2030年各区产值\n\n经济排行\t区域\t2030年GDP(亿元)\n1\t甲东区\t612.5\n2\t乙西区\t488.0\n"
    assert cells_of(text, date(2031, 2, 1), "重庆")[:3] == [
        ("1", "地区生产总值", "甲东", "2030", "rank", Decimal(1), "位"),
        ("612.5", "地区生产总值", "甲东", "2030", "level", Decimal("61250000000"), "元"),
        ("2", "地区生产总值", "乙西", "2030", "rank", Decimal(2), "位")]


def test_a_column_of_years_labels_its_rows_and_a_link_text_is_no_figure():
    text = "某市历年经济总量\n\n年份\t总GDP(亿元)\n2031\t点击查看\n2030\t820.4\n2029\t777.1\n"
    assert [c[:4] + c[5:] for c in cells_of(text, date(2032, 3, 1), "成都")] == [
        ("820.4", "地区生产总值", "成都", "2030", Decimal("82040000000"), "元"),
        ("777.1", "地区生产总值", "成都", "2029", Decimal("77710000000"), "元")]


def test_a_price_table_keeps_its_units_as_written_and_reads_the_change_as_growth():
    text = ("某市商品价格\n\n名称\t规格\t单位\t本期均价\t上期均价\t变动幅度\t备注\n"
            "大米②\t一级,袋装10公斤\t元/500克\t2.40\t2.30\t4.35%\t\n"
            "菜油\t桶装\t元/5升\t70.00\t70.00\t--\t平稳\n")
    assert cells_of(text, date(2031, 6, 1), "达州") == [
        ("2.40", "大米价格", "达州", None, "level", Decimal("2.40"), "元/500克"),
        ("2.30", "大米价格", "达州", None, "level", Decimal("2.30"), "元/500克"),
        ("4.35%", "大米价格", "达州", None, "growth", Decimal("4.35"), "%"),
        ("70.00", "菜油价格", "达州", None, "level", Decimal("70.00"), "元/5升"),
        ("70.00", "菜油价格", "达州", None, "level", Decimal("70.00"), "元/5升")]  # 10公斤 and -- are no figures


def test_an_html_table_with_spans_and_empty_cells_reads_like_its_plain_text_form():
    page = Selector("<h1>某区主要指标</h1><div class='content'><table>"
                    "<tr><td>指标</td><td>绝对额(亿元)</td><td>比上年±%</td><td>备注</td></tr>"
                    "<tr><td>工业总产值</td><td>300.5</td><td>8.1</td><td></td></tr>"
                    "<tr><td colspan='4'>按轻重工业分</td></tr>"
                    "<tr><td>轻工业</td><td>100.2</td><td>6.0</td><td></td></tr></table></div>")
    lines, layouts = body_content(page.css("div.content"))
    text = page.css("h1::text").get() + "\n\n" + "\n".join(lines) + "\n"
    plain = ("某区主要指标\n\n指标\t绝对额(亿元)\t比上年±%\t备注\n工业总产值\t300.5\t8.1\t\n按轻重工业分\n"
             "轻工业\t100.2\t6.0\t\n")
    assert text == plain  # a spanned cell is written once, an empty cell stays an empty field
    read = [(r.start, r.metric, r.value) for r in extract_document(text, date(2031, 3, 1), default_region="重庆",
                                                                   layouts=layouts, body_line=2)]
    assert read == [(r.start, r.metric, r.value) for r in extract_document(plain, date(2031, 3, 1),
                                                                           default_region="重庆")]
    assert [(m, v) for _, m, v in read] == [("工业总产值", Decimal("30050000000")), ("工业总产值", Decimal("8.1")),
                                            ("轻工业总产值", Decimal("10020000000")), ("轻工业总产值", Decimal("6.0"))]


def test_a_cumulative_table_dates_its_month_its_year_to_date_and_last_year_and_keeps_small_form_signs():
    text = ("表2 2031年1-4月各县砂石产量\n\n县区\t本月数(千吨)\t本年累计(千吨)\t同期累计(千吨)\t同比±%\n"
            "甲县\t12.5\t40.25\t44.0\t﹣8.5\n乙县\t3.0\t9.5\t8.0\t﹢18.8\n")
    rows = cells_of(text, date(2031, 5, 20), "广元")
    assert [(s, r, p, k, v, u) for s, _, r, p, k, v, u in rows[:4]] == [
        ("12.5", "甲县", "2031-04/2031-04", "level", Decimal("12500"), "吨"),
        ("40.25", "甲县", "2031-01/2031-04", "level", Decimal("40250"), "吨"),
        ("44.0", "甲县", "2030-01/2030-04", "level", Decimal("44000"), "吨"),
        ("﹣8.5", "甲县", "2031-01/2031-04", "growth", Decimal("-8.5"), "%")]
    assert (rows[-1][0], rows[-1][5]) == ("﹢18.8", Decimal("18.8"))


def test_the_parts_of_a_gdp_block_take_its_unit_and_value_added_and_a_structure_block_gives_shares():
    text = ("某市上半年经济\n\n指标名称\t上半年\t增长±%\n地区生产总值(亿元)\t900.5\t6.0\n#第一产业增加值\t80.1\t4.0\n"
            "第二产业增加值\t300.2\t5.0\n批发和零售业\t50.3\t7.0\n产业结构\n第一产业(%\t8.9\n")
    rows = cells_of(text, date(2031, 7, 30), "四川")
    assert [(s, m, k, v, u) for s, m, _, _, k, v, u in rows] == [
        ("900.5", "地区生产总值", "level", Decimal("90050000000"), "元"),
        ("6.0", "地区生产总值", "growth", Decimal("6.0"), "%"),
        ("80.1", "第一产业增加值", "level", Decimal("8010000000"), "元"),
        ("4.0", "第一产业增加值", "growth", Decimal("4.0"), "%"),
        ("300.2", "第二产业增加值", "level", Decimal("30020000000"), "元"),
        ("5.0", "第二产业增加值", "growth", Decimal("5.0"), "%"),
        ("50.3", "批发和零售业增加值", "level", Decimal("5030000000"), "元"),
        ("7.0", "批发和零售业增加值", "growth", Decimal("7.0"), "%"),
        ("8.9", "第一产业增加值", "share", Decimal("8.9"), "%")]


def test_enterprise_classes_take_enterprise_and_the_caption_scopes_the_aggregate():
    text = ("表5 2031年规模以上工业总产值\n\n指 标\t绝对额(亿元)\t比上年±%\n工业总产值\t700.0\t9.0\n#国有控股\t200.0\t5.5\n"
            "按登记注册类型分\n集体\t12.0\t-3.0\n")
    rows = cells_of(text, date(2032, 4, 1), "重庆")
    assert [(s, m) for s, m, *_ in rows] == [
        ("700.0", "规上工业总产值"), ("9.0", "规上工业总产值"), ("200.0", "国有控股企业工业总产值"),
        ("5.5", "国有控股企业工业总产值"), ("12.0", "集体企业工业总产值"), ("-3.0", "集体企业工业总产值")]


def test_a_total_row_measures_the_column_in_the_district_the_title_names_inside_its_city():
    text = "重庆市开州区某普查公报\n\n\t企业法人单位(个)\t从业人员(人)\n合 计\t120\t3400\n内资企业\t118\t3300\n"
    rows = cells_of(text, date(2031, 7, 1), "重庆")
    assert [(s, m, r, u) for s, m, r, _, _, _, u in rows] == [
        ("120", "企业法人单位", "开州", "个"), ("3400", "从业人员", "开州", "人"),
        ("118", "内资企业法人单位", "开州", "个"), ("3300", "内资企业从业人员", "开州", "人")]


def test_a_row_of_units_under_the_header_gives_the_units_and_a_growth_column_the_year_beside_it():
    text = "某县经济\n\n指标\t2030年\t比上年增长\n\t亿元\t%\n地区生产总值\t120.5\t6.1\n社会消费品零售总额\t40.2\t-5.0\n"
    assert [(s, p, k, v, u) for s, _, _, p, k, v, u in cells_of(text, date(2031, 3, 1), "重庆")] == [
        ("120.5", "2030", "level", Decimal("12050000000"), "元"), ("6.1", "2030", "growth", Decimal("6.1"), "%"),
        ("40.2", "2030", "level", Decimal("4020000000"), "元"), ("-5.0", "2030", "growth", Decimal("-5.0"), "%")]


def test_numbered_item_labels_and_chain_and_year_on_year_columns_of_a_price_table():
    text = ("某县居民食品零售价格监测表\n\n项目名称\t规 格\t单 位\t3月平均价\t与30年2月环比(%)\t与29年3月同比(%)\n"
            "1、甲米\t标二米\t元/500克\t2.9\t0\t-3.33\n"
            "12、乙奶(盒装奶)\t当地主销\t元/250ml\t3.8\t5.56\t2.7\n")
    assert cells_of(text, date(2030, 4, 8), "丁川") == [  # a publisher's region the lexicon lacks, as given
        ("2.9", "甲米价格", "丁川", "2030-03/2030-03", "level", Decimal("2.9"), "元/500克"),
        ("0", "甲米价格", "丁川", "2030-03/2030-03", "growth", Decimal(0), "%"),
        ("-3.33", "甲米价格", "丁川", "2030-03/2030-03", "growth", Decimal("-3.33"), "%"),
        ("3.8", "乙奶价格", "丁川", "2030-03/2030-03", "level", Decimal("3.8"), "元/250ml"),
        ("5.56", "乙奶价格", "丁川", "2030-03/2030-03", "growth", Decimal("5.56"), "%"),
        ("2.7", "乙奶价格", "丁川", "2030-03/2030-03", "growth", Decimal("2.7"), "%")]


def test_last_months_price_and_the_change_of_an_undated_price_table_are_prices_too():
    text = "二、某类价格\n\n品名\t单位\t上月同期\t本月均价\t环比±%\n甲菜\t元/500克\t2.5\t3\t+20%\n"
    assert [(s, m, p, k) for s, m, _, p, k, _, _ in cells_of(text, date(2031, 3, 1), "重庆")] == [
        ("2.5", "甲菜价格", None, "level"), ("3", "甲菜价格", None, "level"), ("+20%", "甲菜价格", None, "growth")]


def test_a_unit_in_the_label_of_a_products_table_reads_the_completed_figure_as_output():
    text = "主要产品列示如下:\n\n品 名\t2030年完成数\t比2029年±%\n丙麦(吨)\t12000\t2.5\n#春丙麦(吨)\t3000\t-1.0\n" \
           "丁产量(吨)\t800\t3\n"
    assert [(s, m, p, k, u) for s, m, _, p, k, _, u in cells_of(text, date(2031, 3, 1))] == [
        ("12000", "丙麦产量", "2030", "level", "吨"), ("2.5", "丙麦产量", "2030", "growth", "%"),
        ("3000", "春丙麦产量", "2030", "level", "吨"), ("-1.0", "春丙麦产量", "2030", "growth", "%"),
        ("800", "丁产量", "2030", "level", "吨"), ("3", "丁产量", "2030", "growth", "%")]


YEARBOOK_SHEET = ("3-5  分片区生产总值20292030\n\nGross Product by Zone (2029-2030)\n单位:亿元 (100 million yuan)\n"
                  "\tItem\t2029\t2030\t上年=100 Index Preceding Year=100\n"
                  "本市生产总值\tGross Product\t900.50\t980.00\t108.1\n"
                  "甲山经济圈\tJiashan Circle\t500.00\t540.25\t107.9\n"
                  "第一产业\tPrimary Industry\t80.10\t85.00\t104.0\n"
                  "#甲山经济圈\tJiashan Circle\t30.00\t31.50\t104.5\n"
                  "乙东北翼\tNortheast of Yi\t20.00\t21.00\t103.2\n")


def test_a_yearbook_sheet_multiplies_by_its_unit_line_and_reads_its_index_column_as_a_level_in_percent():
    rows = cells_of(YEARBOOK_SHEET, date(2031, 9, 30), "重庆")
    assert [(s, m, r, p, k, v, u) for s, m, r, p, k, v, u in rows[:6]] == [
        ("900.50", "地区生产总值", "重庆", "2029", "level", Decimal("90050000000"), "元"),
        ("980.00", "地区生产总值", "重庆", "2030", "level", Decimal("98000000000"), "元"),
        ("108.1", "地区生产总值", "重庆", "2030", "level", Decimal("108.1"), "%"),  # 上年=100: not in 亿元
        ("500.00", "地区生产总值", "甲山经济圈", "2029", "level", Decimal("50000000000"), "元"),
        ("540.25", "地区生产总值", "甲山经济圈", "2030", "level", Decimal("54025000000"), "元"),
        ("107.9", "地区生产总值", "甲山经济圈", "2030", "level", Decimal("107.9"), "%")]
    assert [(s, m, r) for s, m, r, *_ in rows[6:]] == [  # zones under an industry: that industry, in the zone
        ("80.10", "第一产业增加值", "重庆"), ("85.00", "第一产业增加值", "重庆"), ("104.0", "第一产业增加值", "重庆"),
        ("30.00", "第一产业增加值", "甲山经济圈"), ("31.50", "第一产业增加值", "甲山经济圈"),
        ("104.5", "第一产业增加值", "甲山经济圈"), ("20.00", "第一产业增加值", "乙东北翼"),
        ("21.00", "第一产业增加值", "乙东北翼"), ("103.2", "第一产业增加值", "乙东北翼")]


def test_a_yearbook_sheet_as_html_puts_its_title_and_unit_rows_spanning_the_table_above_it():
    lines = YEARBOOK_SHEET.split("\n")
    page = Selector("<h1>" + lines[0] + "</h1><div class='content'><table>" +
                    "".join(f"<tr><td colspan='5'>{line}</td></tr>" for line in lines[2:4]) +
                    "".join("<tr>" + "".join(f"<td>{c}</td>" for c in line.split("\t")) + "</tr>"
                            for line in lines[4:] if line) + "</table></div>")
    body, layouts = body_content(page.css("div.content"))
    text = lines[0] + "\n\n" + "\n".join(body) + "\n"
    assert text == YEARBOOK_SHEET
    read = extract_document(text, date(2031, 9, 30), default_region="重庆", layouts=layouts, body_line=2)
    assert [(r.start, r.metric, r.region, r.value) for r in read] == [
        (r.start, r.metric, r.region, r.value) for r in extract_document(YEARBOOK_SHEET, date(2031, 9, 30),
                                                                         default_region="重庆")]


def test_a_revenue_sheet_with_tax_columns_marked_as_parts_and_a_total_row_labelled_in_english_only():
    text = ("1909  各区财政收入2029\n\nRevenue by District (2029)\n单位：万元 (10 000 yuan)\n"
            "\tRegion\t# 一 般\t#增值税\t#个人所得税\n\t\tGeneral Budgetary Revenue\tValue-added Tax\t\n"
            "\tTotal\t9000\t5200\t810\n江北区\tJiangbei District\t3000\t1200\t300\n"
            "丁桥区\tDingqiao District\t500\t100\t20\n渝中区\tYuzhong District\t2000\t900\t150\n")
    rows = cells_of(text, date(2030, 9, 30), "重庆")
    assert {(m, p, u) for _, m, _, p, _, _, u in rows} == {  # 1909 is the sheet's number, 2029 its year
        ("一般预算收入", "2029", "元"), ("增值税", "2029", "元"), ("个人所得税", "2029", "元")}
    assert [(s, m, r, v) for s, m, r, _, _, v, _ in rows[:4]] == [
        ("9000", "一般预算收入", "重庆", Decimal("90000000")), ("5200", "增值税", "重庆", Decimal("52000000")),
        ("810", "个人所得税", "重庆", Decimal("8100000")), ("3000", "一般预算收入", "江北", Decimal("30000000"))]
    assert [r for _, _, r, *_ in rows[4:]] == ["江北"] * 2 + ["丁桥"] * 3 + ["渝中"] * 3  # among districts, a
    # district the lexicon lacks is one too; places drop 区


# --- real tables: gold in the repository (tests/gold/realtables), texts outside it -------------------------

REAL_GOLD = ROOT / "tests" / "gold" / "realtables"
REAL = os.environ.get("CYWATCH_REALTABLES")
MANIFEST = json.loads((REAL_GOLD / "manifest.json").read_text(encoding="utf-8"))


def real_missing(split: str) -> str | None:
    """Why the texts of a split cannot be scored here, or None."""
    if not REAL or not Path(REAL).is_dir():
        return "real tables not present: set CYWATCH_REALTABLES to the folder of their texts (never committed)"
    absent = [f"{doc}.{form}" for doc, meta in MANIFEST.items() if meta["split"] == split
              for form in ("txt", "html") if not (Path(REAL) / f"{doc}.{form}").is_file()]
    return f"real tables: {', '.join(absent)} absent from CYWATCH_REALTABLES" if absent else None


def real_scores(texts: Path, split: str) -> tuple[Score, Score]:
    """Cell scores of the plain-text and the HTML forms of the real tables of a split."""
    gold = load_gold(REAL_GOLD / "gold.jsonl")
    plain, html = Score(), Score()
    for doc, meta in MANIFEST.items():
        if meta["split"] != split:
            continue
        published, region = date.fromisoformat(meta["published"]), meta["region"] or None
        text = (texts / f"{doc}.txt").read_text(encoding="utf-8")
        check_gold(text, gold[f"{doc}.txt"])
        plain.add(score_cells(doc, text, extract_document(text, published, default_region=region),
                              gold[f"{doc}.txt"]))
        page = Selector((texts / f"{doc}.html").read_text(encoding="utf-8"))
        lines, layouts = body_content(page.css("div.content"))
        text = page.css("h1::text").get() + "\n\n" + "\n".join(lines) + "\n"
        check_gold(text, gold[f"{doc}.txt"])  # the HTML form has the text of the plain one
        html.add(score_cells(doc, text, extract_document(text, published, default_region=region, layouts=layouts,
                                                         body_line=2), gold[f"{doc}.txt"]))
    return plain, html


@pytest.mark.skipif(real_missing("dev") is not None, reason=str(real_missing("dev")))
def test_real_tables_reach_the_cell_f1_of_the_issue():
    plain, html = real_scores(Path(REAL or ""), "dev")
    print(f"dev plain text: {plain.summary()}\ndev HTML: {html.summary()}")
    assert plain.gold and html.gold == plain.gold
    assert plain.f1 >= 0.90 and html.f1 >= 0.90, "\n".join(plain.problems + html.problems)
    assert min(plain.accuracy(name) for name in ("metric", "region", "period")) >= 0.90, "\n".join(plain.problems)


HELDOUT_SKIP = ("the held-out real tables are scored rarely: set CYWATCH_SCORE_HELDOUT=1"
                if os.environ.get("CYWATCH_SCORE_HELDOUT") != "1" else real_missing("heldout"))


@pytest.mark.skipif(HELDOUT_SKIP is not None, reason=str(HELDOUT_SKIP))
def test_heldout_real_tables_reach_the_cell_f1_of_the_issue():
    plain, html = real_scores(Path(REAL or ""), "heldout")
    print(f"heldout plain text: {plain.summary()}\nheldout HTML: {html.summary()}")  # never its problems
    assert plain.f1 >= 0.90 and html.f1 >= 0.90
