"""Targets against actuals: each target of a digest's indicators beside its latest actual, and how far it is
(db/targets.py, alerts/targets.py), in the email digest, the chat summary and the webhook's JSON."""

from __future__ import annotations

import email
import json
from datetime import date
from email import policy

from alerts import subscribers
from alerts.delivery import Report, build
from db import diff
from tests.test_digest import DAY, seed

TARGETS = ("<b>重庆</b>工业目标：力争增长6%左右",
           "2024年重庆规上工业增加值力争增长6%左右，工业投资力争突破5000亿元。")
MAY = ("1—5月重庆工业运行情况", "1—5月，重庆规上工业增加值增长6.5%。")
JULY = ("1—7月重庆工业运行情况", "1—7月，重庆规上工业增加值增长7.1%，工业投资4620亿元，工业投资增长8.2%。")


def built(db, settings) -> dict[str, bytes]:
    diff.compute(db)
    report = Report()
    build(db, settings, date.fromisoformat(DAY), report)
    assert report.built and not report.failed, report
    rows = db.execute("SELECT channel, payload FROM digests").fetchall()
    db.commit()
    return {r["channel"]: bytes(r["payload"]) for r in rows}


def test_each_target_is_set_beside_the_latest_actual_with_how_far_and_both_sentences(db, settings):
    seed(db, TARGETS, MAY, JULY)
    subscribers.add(db, "analyst@example.org", channels=["wecom://key", "https://hooks.example.org/in#secret=s"])
    payloads = built(db, settings)
    mail = email.message_from_bytes(payloads["email"], policy=policy.default)
    text = mail.get_body(("plain",)).get_content()
    section = text.split("== 目标与实际", 1)[1].split("\n== ", 1)[0]
    # a growth target against the latest growth actual (1—7月, not 1—5月), in percentage points
    assert ("* 规上工业增加值 · 增速（重庆）: 目标 target 6%左右（2024年）· 实际 actual 7.1%（2024年1—7月）  "
            "实际比目标 +1.1个百分点") in section
    # a level target against the latest level, as a per cent of the target and what is left
    assert ("* 工业投资（重庆）: 目标 target 突破5000亿元（2024年）· 实际 actual 4620亿元（2024年1—7月）  "
            "完成目标的92.4% (92.4% of the target)，尚差380亿元") in section
    assert "6.5%" not in section  # the older actual is not the latest
    assert section.count("目标 target：“") == 2 and section.count("实际 actual：“") == 2  # both sentences
    assert "“2024年重庆规上工业增加值力争增长6%左右，工业投资力争突破5000亿元。”" in section
    assert "“1—7月，重庆规上工业增加值增长7.1%，工业投资4620亿元，工业投资增长8.2%。”" in section
    assert "8.2%" not in section.split("“")[0]  # no growth target for 工业投资: its growth is not set beside one
    html = mail.get_body(("html",)).get_content()
    assert "目标与实际 · Targets against actuals" in html
    assert "&lt;b&gt;重庆&lt;/b&gt;工业目标" in html and "<b>重庆</b>" not in html  # a scraped title stays text
    assert "<strong>4620亿元</strong>" in html
    # chat: only the count, behind the link to the whole digest (the section does not fit a chat message)
    wecom = json.loads(payloads["wecom"])["markdown"]["content"]
    assert "目标与实际 Targets**：2项指标的目标与最新实际值" in wecom and "/digest/" in wecom
    hook = json.loads(payloads["webhook"])
    growth = next(t for t in hook["targets"] if t["kind"] == "增速")
    assert growth["target"]["value"] == "6%左右" and growth["actual"]["period"] == "2024年1—7月"
    assert growth["reached"] is True and hook["counts"]["targets"] == 2


def test_no_section_without_a_target_and_a_subscriber_filter_keeps_its_targets_only(db, settings):
    seed(db, MAY, JULY)  # actuals only
    subscribers.add(db, "a@example.org")
    payloads = built(db, settings)
    assert "目标与实际" not in payloads["email"].decode(errors="replace")
    seed(db, TARGETS, with_baseline=False)
    subscribers.add(db, "b@example.org", metrics=["投资"])
    diff.compute(db)
    build(db, settings, date.fromisoformat("2024-08-13"), Report())
    row = db.execute("SELECT d.payload FROM digests d JOIN subscribers s ON s.id = d.subscriber_id "
                     "WHERE s.email = 'b@example.org'").fetchone()
    text = email.message_from_bytes(bytes(row["payload"]), policy=policy.default).get_body(("plain",)).get_content()
    section = text.split("== 目标与实际", 1)[1].split("\n== ", 1)[0]
    assert "* 工业投资（重庆）" in section and "* 规上工业增加值" not in section


def test_a_whole_year_goal_without_a_cue_word_is_a_target_too(db, settings):
    # 全年…左右 in August is the year's goal though no 力争/目标 says so (the extractor's rule)
    seed(db, ("重庆工业全年安排", "重庆规上工业增加值全年增长6%左右。"), JULY)
    subscribers.add(db, "analyst@example.org")
    mail = email.message_from_bytes(built(db, settings)["email"], policy=policy.default)
    section = mail.get_body(("plain",)).get_content().split("== 目标与实际", 1)[1].split("\n== ", 1)[0]
    assert ("* 规上工业增加值 · 增速（重庆）: 目标 target 6%左右（2024年）· 实际 actual 7.1%（2024年1—7月）  "
            "实际比目标 +1.1个百分点") in section
