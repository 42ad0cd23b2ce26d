"""The extractor on the constructions of the genre, one at a time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import opencc
import pytest

from crawler.extract import extract_indicators, to_json_line

BASELINE = Path(__file__).parents[1] / "db" / "baseline" / "cqrb-2024-06-22-shuangchengji.txt"
PUBLISHED = date(2024, 6, 22)


def facts(text: str, published: date = PUBLISHED) -> list[tuple]:
    return [(r.metric, r.region, r.period, r.kind, r.value, r.unit, r.qualifier)
            for r in extract_indicators(text, published)]


def test_distributive_list_gives_each_metric_its_value():
    assert facts("1—5月，重庆规上工业增加值、工业投资分别增长9.3%、16.8%") == [
        ("规上工业增加值", "重庆", "2024-01/2024-05", "growth", Decimal("9.3"), "%", None),
        ("工业投资", "重庆", "2024-01/2024-05", "growth", Decimal("16.8"), "%", None),
    ]


def test_trailing_qualifier_binds_to_the_last_value_and_jun_broadcasts_the_rank():
    got = facts("1—5月成渝机场旅客和货邮吞吐量均居全国前10，分别增长14%和30%以上")
    assert got == [
        ("机场旅客吞吐量", "成渝", "2024-01/2024-05", "rank", Decimal(10), "位", "前"),
        ("机场货邮吞吐量", "成渝", "2024-01/2024-05", "rank", Decimal(10), "位", "前"),
        ("机场旅客吞吐量", "成渝", "2024-01/2024-05", "growth", Decimal(14), "%", None),
        ("机场货邮吞吐量", "成渝", "2024-01/2024-05", "growth", Decimal(30), "%", "以上"),
    ]


def test_head_noun_is_shared_across_a_list():
    metrics = [f[0] for f in facts("新能源汽车、集成电路产量分别增长144%、81%")]
    assert metrics == ["新能源汽车产量", "集成电路产量"]


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("1—5月中欧班列(成渝)运输22.8万标箱", Decimal(228000), "标箱"),
    ("1—5月重庆技术合同成交额309.6亿元", Decimal(30960000000), "元"),
    ("川渝千万方天然气产能基地项目年产量突破700亿立方米", Decimal(70000000000), "立方米"),
    ("成渝动车高铁日均客流量达18.6万人次", Decimal(186000), "人次"),
    ("川渝两地经济总量合计突破两千八百亿元", Decimal(280000000000), "元"),
    ("全省数字经济规模达1.2万亿元", Decimal(1200000000000), "元"),
])
def test_magnitudes_become_exact_base_units(text, value, unit):
    [record] = extract_indicators(text, PUBLISHED)
    assert (record.value, record.unit) == (value, unit)
    assert str(record.value) == str(value)  # exact: no float artefacts, no exponent


@pytest.mark.parametrize(("text", "surface", "kind", "value", "unit", "qualifier"), [
    ("其中对东盟进出口约占三成", "三成", "share", Decimal(30), "%", "约"),
    ("成都国际铁路港每天开行两列国际班列", "两列", "level", Decimal(2), "列", None),
    ("1至5月，成都市进出口总值同比增长百分之五", "百分之五", "growth", Decimal(5), "%", None),
    ("新能源汽车渗透率达到百分之四十一", "百分之四十一", "share", Decimal(41), "%", "达到"),  # a …率 is a share
])
def test_chinese_numerals_that_state_a_quantity(text, surface, kind, value, unit, qualifier):
    [record] = extract_indicators(text, PUBLISHED)
    assert (record.surface, record.kind, record.value, record.unit, record.qualifier) == \
        (surface, kind, value, unit, qualifier)


@pytest.mark.parametrize(("text", "kind", "value", "unit"), [
    ("5月份，四川能源投资增速较去年同期回落2.3个百分点", "change", Decimal("-2.3"), "百分点"),
    ("全省规模以上工业增加值增长6.1%，其中汽车制造业下降4.1%", "growth", Decimal("-4.1"), "%"),
    ("重庆地区生产总值增长6.1%，增速比全国高1.1个百分点", "change", Decimal("1.1"), "百分点"),
    ("全市新增市场主体30万余户", "level", Decimal(300000), "户"),  # no base: how many new ones (CONVENTIONS)
    ("全市市场主体比上年末新增3万户", "change", Decimal(30000), "户"),
])
def test_signs_and_kinds(text, kind, value, unit):
    record = extract_indicators(text, PUBLISHED)[-1]
    assert (record.kind, record.value, record.unit) == (kind, value, unit)


@pytest.mark.parametrize("dash", ["—", "–", "-", "－", "~", "～", "至", "到"])
def test_month_ranges_with_any_dash(dash):
    [record] = extract_indicators(f"1{dash}5月重庆技术合同成交额309.6亿元", PUBLISHED)
    assert record.period == "2024-01/2024-05"


@pytest.mark.parametrize(("phrase", "published", "period"), [
    ("今年上半年", date(2024, 7, 20), "2024-01/2024-06"),
    ("一季度", date(2024, 4, 20), "2024-01/2024-03"),
    ("前三季度", date(2024, 10, 21), "2024-01/2024-09"),
    ("去年", date(2025, 1, 21), "2024"),
    ("2023年", date(2024, 3, 1), "2023"),
    ("1—11月", date(2025, 1, 5), "2024-01/2024-11"),  # no year written: the latest 1—11月 before January
    ("截至5月底", date(2024, 6, 18), "2024-01/2024-05"),
])
def test_periods_resolve_against_the_publication_date(phrase, published, period):
    [record] = extract_indicators(f"{phrase}，重庆规上工业增加值增长6.1%", published)
    assert record.period == period


def test_heading_and_lead_sentence_carry_period_and_region_to_bullets():
    text = "重大平台功能升级\n\n今年上半年，川渝深化双核联动。\n\n- 10个毗邻地区合作平台建设步伐加快\n"
    assert facts(text) == [("毗邻地区合作平台", "川渝", "2024-01/2024-06", "level", Decimal(10), "个", None)]


def test_comparison_bases_are_not_periods():
    records = extract_indicators("截至5月底，全省高新技术企业近1.8万家，比2023年末增加1500多家", date(2024, 6, 18),
                                 default_region="四川")
    assert [(r.period, r.kind, r.qualifier, r.region) for r in records] == [
        ("2024-01/2024-05", "level", "近", "四川"), ("2024-01/2024-05", "change", "多", "四川")]


@pytest.mark.parametrize("text", [
    "6月21日，重庆市党政代表团赴四川省广安市考察，召开党政联席会议第九次会议座谈会。",
    "如今，双城经济圈建设已来到第5个年头，进入了全面提速的新阶段。",
    "着力构建科技创新“1456”工作体系和“2215”现代制造业集群体系。",
    "双城经济圈“1+7+13+N”规划体系加速形成。",
    "下一步将迭代升级“十项行动”，立足“两中心两地”战略定位，聚焦打造“六个区”。",
    "其中包括长安汽车的阿维塔E11等，G93成渝环线高速改扩建工程全线通车。",
    "签约开工第一批重点项目，第二批名单近期公布。",
    "该公司去年开发了15款新车模型，5款成功上市。",
    "2024年6月22日 星期六",
    "潼南有渝西地区唯一化工园区，川渝千万方天然气产能基地加快建设。",
])
def test_what_is_not_an_indicator(text):
    assert facts(text) == []


def test_target_figures_are_marked_as_targets():
    [record] = extract_indicators("到2027年，川渝力争建成世界级汽车产业集群，汽车产量占全国比重提高到15%。", PUBLISHED)
    assert (record.status, record.period, record.kind, record.qualifier) == ("target", "2027", "share", "提高到")


def test_names_are_canonicalised_through_the_lexicon():
    a = facts("1—5月，重庆市规模以上工业增加值增长9.3%")
    b = facts("1—5月，重庆规上工业增加值增长9.3%")
    assert a == b
    assert facts("今年上半年，重庆GDP增长6.1%")[0][0] == "地区生产总值"


def test_traditional_text_extracts_like_simplified():
    simplified = BASELINE.read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2t").convert(simplified)
    assert traditional != simplified
    assert facts(traditional) == facts(simplified)
    assert all(r.surface in r.sentence for r in extract_indicators(traditional, PUBLISHED))


def test_surface_and_sentence_are_exact_slices_of_the_text():
    text = "（香港文匯報訊）據重慶市統計局消息，今年上半年，重慶地區生產總值（GDP）15,174.39億元，同比增長６.１％。"
    records = extract_indicators(text, date(2024, 7, 18))
    assert [r.surface for r in records] == ["15,174.39億元", "６.１％"]
    for r in records:
        assert text[r.start:r.end] == r.surface
        assert text[r.sentence_start:].startswith(r.sentence)
    assert records[0].value == Decimal("1517439000000") and records[1].value == Decimal("6.1")


def test_every_baseline_record_points_into_the_text():
    text = BASELINE.read_text(encoding="utf-8")
    for r in extract_indicators(text, PUBLISHED):
        assert text[r.start:r.end] == r.surface
        assert r.surface in r.sentence and text[r.sentence_start:].startswith(r.sentence)


def test_json_line_keeps_chinese_and_exact_numbers():
    [record] = extract_indicators("1—5月重庆技术合同成交额309.6亿元", PUBLISHED)
    line = to_json_line({"doc": "a.txt", **record.to_dict()})
    assert '"value": 30960000000,' in line
    assert '"metric": "技术合同成交额"' in line


# --- constructions of real reporting (issue 9); sentences written for these tests -----------------------

def one(text: str, published: date = date(2026, 1, 10), region: str | None = "重庆"):
    [record] = extract_indicators(text, published, default_region=region)
    return record


@pytest.mark.parametrize(("text", "kind", "value", "unit"), [
    ("前三季度，规上工业对全市经济增长的贡献率为38.5%", "share", Decimal("38.5"), "%"),
    ("全市常住人口城镇化率提高至71.2%", "share", Decimal("71.2"), "%"),
    ("工业产品增长面达72.6%", "share", Decimal("72.6"), "%"),
    ("民间投资负增长2.3%", "growth", Decimal("-2.3"), "%"),
    ("工业生产者出厂价格降幅收窄1.2个百分点", "change", Decimal("1.2"), "百分点"),
    ("全市完成年度投资计划的115%", "share", Decimal("115"), "%"),
    ("约1/10的规上工业企业布局智能网联汽车零部件", "share", Decimal("10"), "%"),
    ("7成以上的整车产能用于新能源车型", "share", Decimal("70"), "%"),
    ("两江新区汽车产业规模首次突破万亿元", "level", Decimal("1000000000000"), "元"),
    ("新能源汽车产量升至全国第三", "rank", Decimal("3"), "位"),
    ("铁海联运班列开行量居全国同类班列首位", "rank", Decimal("1"), "位"),
    ("成渝中线高铁设计时速350公里", "level", Decimal("350"), "公里/小时"),
    ("三趟专列当天从重庆发出", "level", Decimal("3"), "趟"),
])
def test_kinds_and_numbers_of_real_reporting(text, kind, value, unit):
    record = one(text)
    assert (record.kind, record.value, record.unit) == (kind, value, unit)


@pytest.mark.parametrize("text", [
    "出台稳增长“20条”政策",
    "10万吨再生纸项目建成投产",
    "全省新签约亿元以上项目",
    "报告从12个方面总结了改革成果",
    "0次浏览",
    "打造“3座航站楼+4条跑道”格局",
    "今年1月，江北机场迎来第5000万名旅客",
])
def test_numbers_that_are_not_figures(text):
    assert extract_indicators(text, date(2026, 1, 10)) == []


@pytest.mark.parametrize(("text", "region"), [
    ("上半年成渝地区双城经济圈实现地区生产总值4.3万亿元", "成渝"),
    ("川渝共建成渝地区双城经济圈重大项目248个", "川渝"),
    ("重庆、四川共推出150项“川渝通办”事项", "川渝"),
    ("重庆、四川经济总量合计8万亿元", "川渝"),
    ("去年，中欧班列(成渝)开行超过5000列", "成渝"),
    ("西部陆海新通道运输货物52万标箱", ""),
    ("1月至6月，成都都市圈地区生产总值增长6.1%", "成都都市圈"),
])
def test_regions_of_real_reporting(text, region):
    assert one(text).region == region


def test_places_sharing_one_value_get_a_record_each():
    records = extract_indicators("绵阳、德阳经济总量超过2000亿元", date(2026, 1, 10))
    assert [(r.region, r.metric, r.value) for r in records] == [
        ("绵阳", "地区生产总值", Decimal("200000000000")), ("德阳", "地区生产总值", Decimal("200000000000"))]


def test_every_item_of_a_target_list_is_a_target_also_after_semicolons():
    records = extract_indicators("今年主要预期目标是：地区生产总值增长6%左右；城镇新增就业60万人以上；"
                                 "城镇调查失业率5.5%左右。", date(2025, 1, 20), default_region="重庆")
    assert [(r.metric, r.kind, r.status) for r in records] == [
        ("地区生产总值", "growth", "target"), ("城镇新增就业", "level", "target"),
        ("城镇调查失业率", "share", "target")]


def test_periods_of_real_reporting():
    assert one("1月至6月，全市工业投资增长10.2%", date(2025, 7, 20)).period == "2025-01/2025-06"
    assert one("1―5月，全市工业投资增长10.2%", date(2025, 6, 20)).period == "2025-01/2025-05"
    assert one("5年来，该班列累计开行超2.6万列", date(2026, 1, 20)).period is None
    assert one("过去一年，全市地区生产总值增长5.5%", date(2026, 2, 4)).period == "2025"
    plan = one("规划纲要提出到2035年远景目标，2024年全市地区生产总值增长6.1%", date(2025, 1, 20))
    assert (plan.period, plan.status) == ("2024", "actual")
    estimate = one("据测算，2025年全年地区生产总值预计增长6%左右", date(2026, 1, 10))
    assert estimate.status == "actual"  # 预计 for a year already closed is an estimate of the outcome


def test_metric_names_peel_predicates_and_parallel_items_share_the_head():
    records = extract_indicators("上半年，全市集成电路产量同比增长67.3%，工业机器人增长54.9%，发电量增长2.2%。"
                                 "第一产业实现增加值714.8亿元。", date(2025, 7, 20), default_region="重庆")
    assert [r.metric for r in records] == ["集成电路产量", "工业机器人产量", "发电量", "第一产业增加值"]


# --- failure classes of the 25 real dev texts (2026-12-01); sentences written for these tests -------------

def test_the_base_of_a_comparison_is_not_the_figures_period():
    records = extract_indicators("前三季度，全市规上工业增加值增长6.2%，增速高于上年全年0.4个百分点，"
                                 "快于去年同期0.3个百分点，比上半年提高0.2个百分点。", date(2025, 10, 20),
                                 default_region="四川")
    assert [r.period for r in records] == ["2025-01/2025-09"] * 4


def test_a_value_stated_for_the_base_period_keeps_that_period_only():
    records = extract_indicators("前三季度，电子产业对全市工业的拉动力从上半年的1.2个百分点上升为1.9个百分点，"
                                 "贡献率达31.5%。", date(2025, 10, 20), default_region="重庆")
    assert [(r.value, r.period) for r in records] == [
        (Decimal("1.2"), "2025-01/2025-06"), (Decimal("1.9"), "2025-01/2025-09"),
        (Decimal("31.5"), "2025-01/2025-09")]


def test_a_contribution_to_growth_is_a_level_in_percentage_points():
    record = extract_indicators("上半年，全市电子产业投资增长8.2%，拉动全市工业投资增长1.3个百分点",
                                date(2025, 7, 20))[-1]
    assert (record.kind, record.value, record.unit) == ("level", Decimal("1.3"), "百分点")


def test_the_end_value_of_a_rise_from_one_year_to_another_is_a_level_of_that_year():
    records = extract_indicators("新通道运输集装箱从2020年的5.1万标箱增长到2024年的60.2万标箱。", date(2025, 3, 1))
    assert [(r.value, r.kind, r.period, r.qualifier, r.status) for r in records] == [
        (Decimal(51000), "level", "2020", None, "actual"), (Decimal(602000), "level", "2024", "增长到", "actual")]
    records = extract_indicators("覆盖港口从全球80个增加至全球150个。", date(2025, 3, 1))
    assert [(r.value, r.kind, r.qualifier) for r in records] == [
        (Decimal(80), "level", None), (Decimal(150), "level", "增加至")]


def test_a_national_subject_is_about_the_whole_country_not_the_headline_city():
    text = ("全市机场旅客吞吐量增长5%，高于全国2.1个百分点。\n"
            "数据显示，2025年我国民用机场完成货邮吞吐量1800万吨，较上年增长6.0%。\n"
            "在中国内地200个运输机场中，千万级机场有40个。")
    records = extract_indicators(text, date(2026, 2, 26), default_region="成都")
    assert [(r.value, r.region) for r in records] == [
        (Decimal(5), "成都"), (Decimal("2.1"), "成都"), (Decimal(18000000), "全国"), (Decimal("6.0"), "全国"),
        (Decimal(200), "全国"), (Decimal(40), "全国")]


def test_cities_outside_the_two_provinces_are_regions_but_never_what_quanshi_means():
    records = extract_indicators("全年客流量最高的城市为广州，达7000万人次。全市客流量增长3%。", date(2026, 2, 26),
                                 default_region="成都")
    assert [(r.value, r.region) for r in records] == [(Decimal(70000000), "广州"), (Decimal(3), "成都")]


def test_a_chinese_numeral_amount_before_yi_is_shared_by_two_places():
    records = extract_indicators("北京、上海两地客流量均超一亿人次。", date(2026, 2, 26))
    assert [(r.region, r.value, r.unit, r.qualifier) for r in records] == [
        ("北京", Decimal(100000000), "人次", "超"), ("上海", Decimal(100000000), "人次", "超")]


def test_durations_are_figures_in_days_and_hours():
    records = extract_indicators("新线路全程压缩至18天以内，较海运节约12天以上，两市车程将缩短0.5小时。",
                                 date(2026, 1, 10))
    assert [(r.value, r.unit, r.kind, r.qualifier) for r in records] == [
        (Decimal(18), "天", "level", "以内"), (Decimal(-12), "天", "change", "以上"),
        (Decimal("-0.5"), "小时", "change", None)]
    assert extract_indicators("全力打造1小时通勤圈，2天府新区项目", date(2026, 1, 10)) == []
    # a service standard (接报后1小时人员到场) is a promise of response, not a measured duration
    assert extract_indicators("执行抢修机制，接报后1小时人员到场、4小时恢复通行。", date(2026, 1, 10)) == []


def test_a_corridor_or_branded_service_named_as_subject_keeps_its_own_region_for_what_follows():
    text = ("市物流办发布的数据显示，重庆口岸进出口增长5%。西部陆海新通道目前通达全球100个国家和地区的400个港口，"
            "国内覆盖60个城市。中欧班列(成渝)全年开行超4000列，运行线路40余条。")
    records = extract_indicators(text, date(2026, 1, 10), default_region="重庆")
    assert [(r.value, r.region) for r in records] == [
        (Decimal(5), "重庆"), (Decimal(100), ""), (Decimal(400), ""), (Decimal(60), ""), (Decimal(4000), "成渝"),
        (Decimal(40), "成渝")]


def test_numbers_inside_a_quoted_nickname_or_a_size_class_are_not_figures():
    assert extract_indicators("该市稳居“会展第二城”。", date(2026, 1, 10)) == []
    records = extract_indicators("2025年年客流量500万人次以上的“五百万级”车站增至12个。", date(2026, 2, 1))
    assert [(r.value, r.unit) for r in records] == [(Decimal(12), "个")]


def test_gaoda_before_a_growth_rate_keeps_it_a_growth():
    record = one("锂电池出口增速高达61.2%")
    assert (record.kind, record.value) == ("growth", Decimal("61.2"))


def test_a_report_on_how_targets_were_met_states_actual_figures():
    text = ("(一)去年计划指标完成情况\n\n各项工作有序推进，10项主要预期目标中9项较好完成。\n\n"
            "1.地区生产总值达到3.1万亿元、增长5.8%，符合预期目标。")
    records = extract_indicators(text, date(2026, 1, 20), default_region="重庆")
    assert [(r.value, r.status) for r in records] == [
        (Decimal(9), "actual"), (Decimal("3100000000000"), "actual"), (Decimal("5.8"), "actual")]


def test_fenbie_after_liangdi_spreads_over_the_two_places_named_before():
    records = extract_indicators("四川和重庆两会发布的数据显示，去年两地地区生产总值分别达6.1万亿元和3.2万亿元。",
                                 date(2026, 2, 1))
    assert [(r.region, r.metric, r.value) for r in records] == [
        ("四川", "地区生产总值", Decimal("6100000000000")), ("重庆", "地区生产总值", Decimal("3200000000000"))]


def test_a_count_of_people_without_a_measure_word_is_in_persons():
    records = extract_indicators("全年新增12.5万高校毕业生留渝就业、8万农民工返乡创业。", date(2026, 1, 20),
                                 default_region="重庆")
    assert [(r.value, r.unit, r.kind) for r in records] == [(Decimal(125000), "人", "level"),
                                                            (Decimal(80000), "人", "level")]
    assert extract_indicators("新建5万亩高标准农田", date(2026, 1, 20)) != []  # 亩 is a unit: untouched
    assert extract_indicators("2万元以下的小额贷款", date(2026, 1, 20)) == []


@pytest.mark.parametrize(("text", "metrics"), [
    ("全市规上工业增加值增长6.1%，增速比上半年提高0.3个百分点。", ["规上工业增加值", "规上工业增加值"]),
    ("全市出口增长8%，增速较一季度回落1.2个百分点。", ["出口总额", "出口总额"]),
    ("班列全程时效压缩至20天以内，较传统海运节约8天。", ["班列全程时效", "班列全程时效"]),
    ("全市地区生产总值从2020年的2.5万亿元增长到2025年的3.2万亿元。", ["地区生产总值", "地区生产总值"]),
    ("全市生产总值增速位居副省级城市第三。", ["地区生产总值"]),  # a rate's rank takes the quantity's name
    ("在全省180个运输站点中，客运站有60个。", ["运输站点", "客运站"]),
])
def test_predicate_and_comparison_words_are_peeled_off_metric_names(text, metrics):
    assert [r.metric for r in extract_indicators(text, date(2026, 1, 20), default_region="重庆")] == metrics


def test_a_fenbie_list_split_by_commas_gives_each_item_its_value_and_the_shared_head():
    records = extract_indicators("其中，钢铁冶炼业，纺织和服装业，食品及饮料制造业增加值分别增长5.1%、4.2%、3.3%。",
                                 date(2026, 1, 20), default_region="重庆")
    assert [(r.metric, r.value) for r in records] == [
        ("钢铁冶炼业增加值", Decimal("5.1")), ("纺织和服装业增加值", Decimal("4.2")),
        ("食品及饮料制造业增加值", Decimal("3.3"))]


def test_the_subject_is_carried_to_a_verb_led_clause_also_after_a_semicolon():
    text = "2025年我国铁路完成旅客发送量40亿人次，较上年增长6%；完成货物发送量50亿吨，较上年增长2%。"
    records = extract_indicators(text, date(2026, 2, 1), default_region="成都")
    assert [(r.metric, r.region) for r in records] == [("铁路旅客发送量", "全国")] * 2 + [("铁路货物发送量", "全国")] * 2
    traditional = opencc.OpenCC("s2t").convert(text).replace("；", "﹔")
    assert [(r.metric, r.region) for r in extract_indicators(traditional, date(2026, 2, 1), default_region="成都")] \
        == [(r.metric, r.region) for r in records]


def test_yi_n_de_metric_names_what_the_value_measures():
    records = extract_indicators("2025年，江北机场以4100万人次的旅客吞吐量，排名第九位，同比增长2.2%。",
                                 date(2026, 2, 1), default_region="重庆")
    assert [(r.metric, r.kind) for r in records] == [
        ("江北机场旅客吞吐量", "level"), ("江北机场旅客吞吐量", "rank"), ("江北机场旅客吞吐量", "growth")]


def test_holidays_day_ranges_and_the_first_day_are_day_periods():
    text = ("今年国庆中秋假期，全省道路客运量共计900万人次。\n"
            "10月1日至8日，全省高速公路车流量3000万辆次，其中假期首日车流量420万辆次。")
    records = extract_indicators(text, date(2025, 10, 9), default_region="四川")
    assert [r.period for r in records] == ["2025-10-01/2025-10-08", "2025-10-01/2025-10-08", "2025-10-01/2025-10-01"]


def test_day_periods_have_day_bounds_in_storage():
    from db.articles import period_bounds

    assert period_bounds("2025-10-01/2025-10-08") == (date(2025, 10, 1), date(2025, 10, 8))
    assert period_bounds("2024-01/2024-02") == (date(2024, 1, 1), date(2024, 2, 29))


def test_lexicon_lookups_fold_width_and_traditional_characters_like_the_text():
    from crawler.extract.lexicon import lexicon

    lex = lexicon()
    assert lex.canonical_metric("規模以上工業增加值") == "规上工业增加值"
    assert lex.canonical_metric("中欧班列（成渝）开行") == "中欧班列(成渝)开行量"
    assert lex.region("重慶") == lex.region("重庆") is not None
    [record] = extract_indicators("全市規模以上工業增加值增長６.１％。", date(2025, 7, 20), default_region="重慶")
    assert (record.region, record.metric) == ("重庆", "规上工业增加值")


def test_figures_after_a_brand_subject_are_named_after_the_brand():
    text = "中欧班列(成渝)全年开行超4000列，连续3年保持全国开行量第一。该班列运行线路40余条，覆盖欧亚100余个城市。"
    records = extract_indicators(text, date(2026, 1, 10), default_region="重庆")
    assert [(r.metric, r.region) for r in records] == [
        ("中欧班列(成渝)开行量", "成渝"), ("中欧班列(成渝)开行量", "成渝"), ("中欧班列(成渝)运行线路", "成渝"),
        ("中欧班列(成渝)覆盖城市", "成渝")]


def test_a_framing_phrase_names_the_head_of_the_items_that_follow():
    records = extract_indicators("从主要产品产量看，水泥产量下降3.1%，发电量增长4.0%，服务器增长20.5%，无人机增长15.2%。",
                                 date(2025, 8, 18), default_region="四川")
    assert [r.metric for r in records] == ["水泥产量", "发电量", "服务器产量", "无人机产量"]


def test_fenbie_after_a_clause_that_only_names_the_subjects_and_a_shared_category_word():
    records = extract_indicators("上半年，全市采矿业增加值下降2.0%。重点产业中，家电和轻纺产业增长较快，分别增长12.1%、9.4%；"
                                 "食品、能源工业和建材产业分别增长3.1%、2.2%和1.5%。", date(2025, 7, 20),
                                 default_region="重庆")
    assert [r.metric for r in records] == ["采矿业增加值", "家电产业增加值", "轻纺产业增加值", "食品产业增加值",
                                           "能源工业增加值", "建材产业增加值"]


def regions_of(text: str, published: date, home: str) -> list[tuple[str, str]]:
    return [(r.surface, r.region) for r in extract_indicators(text, published, default_region=home)]


def test_district_bulletins_keep_their_district_and_zone_regions():
    text = ("2024年重庆市江津区统计公报\n"
            "全年全区实现地区生产总值900亿元，增长5.0%，其中德感经开区完成工业产值200亿元。"
            "全区粮食产量40万吨。\n")
    assert regions_of(text, date(2025, 3, 20), "江津") == [
        ("900亿元", "江津"), ("5.0%", "江津"), ("200亿元", "江津"), ("40万吨", "江津")]
    assert regions_of("其中万州经开区完成工业产值260亿元，全区工业税收12亿元。", date(2021, 3, 1), "万州") == [
        ("260亿元", "万州经开区"), ("12亿元", "万州")]


def test_sichuan_counties_are_regions_but_not_inside_river_or_company_names():
    from crawler.extract.lexicon import lexicon

    lex = lexicon()
    assert lex.region("嘉陵") == lex.region("嘉陵区") is not None
    assert lex.region("巴中经开区") is not None and lex.region("巴中经开区").level == "zone"
    assert [m.region.name for m in lex.region_mentions("嘉陵江畔，嘉陵区和平昌县，四川能投集团，四川银行业")] == [
        "嘉陵", "平昌", "四川"]


def test_rows_by_place_do_not_carry_the_last_place_into_the_next_paragraph():
    text = ("本次甲市集中开工项目共30个，总投资100亿元。\n"
            "从区域看：巴州区10个，总投资20亿元；恩阳区12个，总投资30亿元。\n"
            "从类别看：基础设施项目8个，总投资15亿元。\n")
    assert regions_of(text, date(2022, 1, 4), "巴中")[2:] == [
        ("10个", "巴州"), ("20亿元", "巴州"), ("12个", "恩阳"), ("30亿元", "恩阳"), ("8个", "巴中"), ("15亿元", "巴中")]


def test_places_inside_the_names_of_listed_examples_are_not_the_subject():
    text = "其中，资阳线、成都东站改造等交通项目20个，投资300亿元。"
    records = extract_indicators(text, date(2020, 11, 27), default_region="四川")
    assert {r.region for r in records} == {"四川"}


def kinds_of(text: str, published: date = date(2023, 3, 1)) -> list[tuple[str, Decimal, str, str]]:
    return [(r.surface, r.value, r.unit, r.kind) for r in extract_indicators(text, published)]


def test_printed_signs_spaces_in_numbers_and_per_mille_rates():
    assert kinds_of("全年人口自然增长率为-2.15‰，项目10 个，总投资 6. 8亿元。") == [
        ("-2.15‰", Decimal("-2.15"), "‰", "share"), ("10 个", Decimal(10), "个", "level"),
        ("6. 8亿元", Decimal(680000000), "元", "level")]
    assert kinds_of("价格区间为5-10个百分点。") == [("10个百分点", Decimal(10), "百分点", "change")]
    assert [value for _, value, _, _ in kinds_of("预计增长5%-8%，单价3万-5万元。")] == [5, 8, 50000]


def test_a_list_of_values_each_with_its_own_verb_shares_the_last_unit():
    assert kinds_of("三次产业结构比分别较上年下降0.6、提高1.2、下降0.6个百分点。") == [
        ("0.6", Decimal("-0.6"), "百分点", "change"), ("1.2", Decimal("1.2"), "百分点", "change"),
        ("0.6个百分点", Decimal("-0.6"), "百分点", "change")]
    assert kinds_of("三大需求分别拉动增长0.4、-0.3、1.2个百分点。") == [
        ("0.4", Decimal("0.4"), "百分点", "level"), ("-0.3", Decimal("-0.3"), "百分点", "level"),
        ("1.2个百分点", Decimal("1.2"), "百分点", "level")]


def test_contribution_rates_and_capped_rates_are_shares():
    records = extract_indicators("三次产业对经济增长的贡献率依次为4.0%、60.5%和35.5%，其中工业、建筑业贡献突出，"
                                 "分别为50.1%和10.4%。城镇调查失业率控制在5.5%左右。", date(2023, 3, 1))
    assert [r.kind for r in records] == ["share"] * 6
    assert [r.metric for r in records][3:5] == ["工业贡献率", "建筑业贡献率"]


def test_chinese_numerals_with_a_dot_round_amounts_and_global_ranks():
    assert kinds_of("年产手机一.八亿部，是全球第三大手机生产基地；当地有外资企业两千多家。") == [
        ("一.八亿部", Decimal(180000000), "部", "level"), ("第三大", Decimal(3), "位", "rank"),
        ("两千多家", Decimal(2000), "家", "level")]
    assert kinds_of("一艘艘货轮驶过江面。") == []


def test_conversions_in_parentheses_restate_the_figure_before():
    assert kinds_of("投资3亿元人民币(约新台币13亿元)设立分行，人均产值52000元(7600美元)。") == [
        ("3亿元人民币", Decimal(300000000), "元", "level"), ("52000元", Decimal(52000), "元", "level")]


def test_new_things_without_a_base_are_a_level_and_signing_is_no_approximation():
    records = extract_indicators("新建茶叶基地3万亩，新增合作社40家，比上年新增企业12家，签约15个项目。", date(2023, 3, 1))
    assert [(r.surface, r.kind, r.qualifier) for r in records] == [
        ("3万亩", "level", None), ("40家", "level", None), ("12家", "change", None), ("15个", "level", None)]


def test_a_year_s_planned_investment_is_a_target_and_the_project_cost_is_not():
    records = extract_indicators("甲县12个，总投资50亿元，2022年计划投资20亿元。", date(2022, 1, 4), default_region="巴中")
    assert [(r.surface, r.status) for r in records] == [("12个", "actual"), ("50亿元", "actual"), ("20亿元", "target")]


def test_a_photo_caption_does_not_become_the_context_of_the_next_paragraph():
    text = ("甲企业重庆投资30亿元\n"
            "▲上海客商与重庆企业签约。\n"
            "投资总额8亿元的5个项目签约落户。\n")
    assert regions_of(text, date(2018, 12, 1), "") == [("30亿元", "重庆"), ("8亿元", "重庆"), ("5个", "重庆")]


def test_periods_of_a_rise_from_a_to_b_of_a_title_and_of_a_month_before_a_place():
    review = extract_indicators("2020年，四大产业占工业比重由60.5%提高到63.1%，从2019年的9万标箱增长到12万标箱。",
                                date(2021, 3, 1), default_region="万州")
    assert [(r.surface, r.period) for r in review] == [
        ("60.5%", "2019"), ("63.1%", "2020"), ("9万标箱", "2019"), ("12万标箱", "2020")]
    title = extract_indicators("120个项目、总投资900亿元！甲省2020年第四季度重大项目集中开工\n全省共开工120个项目。",
                               date(2020, 11, 27), default_region="四川")
    assert [r.period for r in title][:2] == ["2020-10/2020-12", "2020-10/2020-12"]
    month = extract_indicators("2024年10月四川规上工业增加值增长7.8%", date(2024, 11, 19))
    assert [(r.period, r.region) for r in month] == [("2024-10/2024-10", "四川")]


def test_pinyin_glosses_inside_words_and_numbers_are_read_through():
    text = "宜賓市統(tǒng)計(jì)局：全市糧食產(chǎn)量增加8.5萬(wàn)噸，新增企業12個(gè)。"
    records = extract_indicators(text, date(2022, 1, 1))
    assert [(r.surface, r.value, r.unit, r.metric, r.region) for r in records] == [
        ("8.5萬", Decimal(85000), "吨", "粮食产量", "宜宾"), ("12個", Decimal(12), "个", "新增企业", "宜宾")]
    assert all(text[r.start:r.end] == r.surface for r in records)


def test_sex_ratios_and_price_indexes_are_levels_in_percent_without_their_base():
    assert kinds_of("人口性别比(以女性为100)为104.6，居民消费价格总指数为101.2。") == [
        ("104.6", Decimal("104.6"), "%", "level"), ("101.2", Decimal("101.2"), "%", "level")]


def test_amounts_of_money_without_a_unit_take_the_currency_the_text_implies():
    assert kinds_of("两地经济总量达9万亿，") == [("9万亿", Decimal(9000000000000), "元", "level")]
    converted = extract_indicators("甲商投资45亿、签约8个项目\n投资10亿元人民币(约新台币45亿元)的8个项目签约。",
                                   date(2018, 12, 1))
    assert [(r.surface, r.unit) for r in converted][:2] == [("45亿", "新台币"), ("8个", "个")]


def test_a_whole_year_growth_stated_before_the_year_closes_is_a_target():
    # Nothing actual can have a period still running: 全年增长…左右 in a spring report is the year's goal.
    spring = one("某市提出，全年地区生产总值增长5.5%左右。", date(2031, 3, 2))
    assert (spring.kind, spring.status, spring.period, spring.qualifier) == ("growth", "target", "2031", "左右")
    # The same words about a year already closed report what happened.
    closed = one("2030年，某市全年地区生产总值增长5.5%。", date(2031, 1, 20))
    assert (closed.status, closed.period) == ("actual", "2030")


def test_the_word_target_is_not_part_of_the_metric_it_sets():
    goal = one("今年全区规上工业增加值目标增长7%左右。", date(2031, 2, 1))
    assert (goal.metric, goal.status) == ("规上工业增加值", "target")
