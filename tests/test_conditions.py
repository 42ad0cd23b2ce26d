"""Conditions: only the figures that matter to a subscriber (alerts/conditions.py), stored on the subscriber."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from alerts import subscribers
from alerts.conditions import ConditionError, Conditions, Threshold, edit, reasons
from alerts.delivery import Report, build
from db import diff
from tests.test_digest import CORRIDORS, DAY, seed


def figure(kind: str, old: str, new: str, *, metric: str = "规上工业增加值", ratio: str | None = None) -> dict:
    delta = Decimal(new) - Decimal(old)
    return {"outcome": "changed", "kind": kind, "metric": metric, "baseline_value": Decimal(old),
            "value": Decimal(new), "delta": delta,
            "delta_ratio": Decimal(ratio) if ratio else delta / abs(Decimal(old)), "observation_id": 1}


def test_a_change_is_measured_in_points_for_rates_and_per_cent_for_levels():
    wanted = Conditions(min_change=Decimal("2"))
    assert reasons(wanted, figure("growth", "6.5", "8.6"), None) == ["min_change"]  # 2.1 points
    assert reasons(wanted, figure("growth", "6.5", "7.8"), None) == []  # 1.3 points
    assert reasons(wanted, figure("level", "2800", "2870"), None) == ["min_change"]  # 2.5 per cent
    assert reasons(wanted, figure("level", "2800", "2850"), None) == []  # 1.8 per cent
    assert reasons(wanted, figure("share", "40", "37.5"), None) == ["min_change"]  # down 2.5 points counts too


def test_a_flip_a_crossed_threshold_and_a_new_high():
    assert reasons(Conditions(flip=True), figure("growth", "1.2", "-0.4"), None) == ["flip"]
    assert reasons(Conditions(flip=True), figure("growth", "1.2", "0.4"), None) == []
    assert reasons(Conditions(flip=True), figure("level", "-3", "2"), None) == []  # levels do not "turn"
    six = Conditions(thresholds=(Threshold("工业增加值", Decimal("6")),))
    assert reasons(six, figure("growth", "5.8", "6.0"), None) == ["threshold"]  # reaching it crosses it
    assert reasons(six, figure("growth", "6.5", "5.9"), None) == ["threshold"]  # from above too
    assert reasons(six, figure("growth", "6.1", "6.9"), None) == []
    assert reasons(six, figure("growth", "5", "7", metric="固定资产投资"), None) == []  # another metric
    high = Conditions(new_high=True)
    assert reasons(high, figure("level", "100", "120"), Decimal("119")) == ["new_high"]
    assert reasons(high, figure("level", "100", "120"), Decimal("130")) == []
    assert reasons(high, figure("level", "100", "120"), None) == []  # the first of its series is no "high"


def test_conditions_are_edited_as_given_and_stored_exactly():
    start = edit(Conditions(), min_change="1.5", thresholds=["规上工业增加值=6", "地区生产总值=3000"])
    assert start.min_change == Decimal("1.5") and len(start.thresholds) == 2
    later = edit(start, flip=True)
    assert later.min_change == Decimal("1.5") and later.flip and later.thresholds == start.thresholds
    assert Conditions.from_json(later.to_json()) == later
    assert later.describe() == "变动≥1.5 · 转向 · 规上工业增加值=6 · 地区生产总值=3000"
    assert not edit(later, clear=True).active()
    assert edit(later, min_change="off").min_change is None
    for bad in ({"min_change": "lots"}, {"min_change": "-1"}, {"thresholds": ["6"]}, {"thresholds": ["x=NaN"]}):
        with pytest.raises(ConditionError):
            edit(Conditions(), **bad)


def test_a_digest_with_conditions_holds_only_the_changes_that_meet_them(db, settings):
    seed(db, CORRIDORS)
    diff.compute(db)
    subscribers.add(db, "all@example.org")
    subscribers.add(db, "moved@example.org", conditions=Conditions(min_change=Decimal("0")))
    subscribers.add(db, "never@example.org", conditions=Conditions(min_change=Decimal("100000")))
    build(db, settings, date.fromisoformat(DAY), Report())
    counts = {r["email"]: r["counts"] for r in db.execute(
        "SELECT s.email, d.counts FROM digests d JOIN subscribers s ON s.id = d.subscriber_id")}
    assert counts["all@example.org"]["articles"] > 0
    assert counts["moved@example.org"]["changed"] == counts["all@example.org"]["changed"] > 0
    assert counts["moved@example.org"]["new"] == counts["moved@example.org"]["articles"] == 0
    assert "never@example.org" not in counts  # nothing met its condition: no digest at all


def test_conditions_are_set_and_changed_from_the_command_line(db, cli_env):
    from tests.conftest import run_cli

    first = run_cli("subscribers", "add", "w@example.org", "--min-change", "2", "--threshold", "规上工业增加值=6",
                    env=cli_env)
    assert first.returncode == 0 and "only 变动≥2 · 规上工业增加值=6" in first.stdout, first.stdout + first.stderr
    later = run_cli("subscribers", "add", "w@example.org", "--flip", env=cli_env)  # the rest is kept
    assert "only 变动≥2 · 转向 · 规上工业增加值=6" in later.stdout, later.stdout
    assert "变动≥2 · 转向" in run_cli("subscribers", "list", env=cli_env).stdout
    bad = run_cli("subscribers", "add", "w@example.org", "--min-change", "lots", env=cli_env)
    assert bad.returncode == 2 and "--min-change must be a number" in bad.stderr
    cleared = run_cli("subscribers", "add", "w@example.org", "--clear-conditions", env=cli_env)
    assert cleared.returncode == 0 and "only" not in cleared.stdout
