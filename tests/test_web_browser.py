"""The web as a person uses it, in a real headless Chromium (Selenium, Debian's chromium and chromium-driver):
home -> an indicator page (the chart drawn, its points leading to their sentences) -> subscribe -> confirm by
the link mailed (real SMTP) -> manage -> unsubscribe. No JavaScript is involved: the pages have none.

WEB_SCREENSHOTS=DIR also saves the home and the indicator page as DIR/web-home.png and DIR/web-indicator.png
(the README's pictures: `WEB_SCREENSHOTS=docs pytest tests/test_web_browser.py`).
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from crawler.baseline import load as load_baseline
from db import diff
from db.baseline import BaselineSource
from settings import Settings
from tests.mail import MailServer, free_port
from tests.test_digest import CORRIDORS, seed
from tests.test_digest_browser import CHROMIUM, DRIVER, browser  # noqa: F401 (a fixture)
from tests.test_web import INDUSTRY
from tests.webserver import serving

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="needs Debian's chromium and chromium-driver (make test installs them when run as root with apt)")

MORE = ("重庆上半年工业", "上半年，全市规上工业增加值同比增长8.6%。")
# A baseline of our own writing, so that the screenshots show no text but ours
OWN_BASELINE = BaselineSource(
    "成渝双城经济圈半年观察\n\n1—5月，重庆规上工业增加值同比增长9.3%。截至6月底，川渝省际高速公路通道增至16条。"
    "1—5月重庆技术合同成交额309.6亿元，增长8.2%。", date(2024, 6, 22), "cqrb", "成渝双城经济圈半年观察", "test")


def _heading(driver, text: str) -> None:
    """Wait for the page that a click leads to (a form's POST returns after the click does)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # a heading read while the old page gives way to the new one is stale: look again
    WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: any(text in h.text for h in d.find_elements("tag name", "h1")), f"no page headed {text!r}")


def _shot(driver, name: str) -> None:
    folder = os.environ.get("WEB_SCREENSHOTS")
    if folder:
        driver.set_window_size(1100, 1400)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1100, min(height, 1800))
        driver.save_screenshot(str(Path(folder) / name))


def test_a_reader_follows_a_figure_to_its_sentence_then_subscribes_manages_and_leaves(db, settings: Settings, browser):  # noqa: F811
    load_baseline(db, OWN_BASELINE)
    seed(db, CORRIDORS, INDUSTRY, MORE, with_baseline=False)
    diff.compute(db)
    db.commit()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with MailServer() as smtp:
        configured = replace(settings, secret="test-secret", public_url=base, smtp_url=smtp.url(),
                             mail_from="成渝观察 <digest@example.org>")
        with serving(configured, port):
            browser.implicitly_wait(15)  # find_element waits for the page a click leads to
            browser.get(base + "/")
            assert browser.title.startswith("首页 · Home")
            _shot(browser, "web-home.png")
            browser.find_element("link text", "重庆 规上工业增加值").click()
            _heading(browser, "重庆 规上工业增加值")
            chart = browser.find_element("css selector", "svg.chart")
            assert chart.is_displayed() and chart.size["width"] > 400  # drawn, at its size
            points = browser.find_elements("css selector", "svg.chart a.point circle")
            assert len(points) == 3 and all(p.is_displayed() for p in points)
            periods = [t.text for t in browser.find_elements("css selector", "svg.chart text.period")]
            assert periods == ["2024年1—5月", "2024年上半年", "2024年1—7月"]
            _shot(browser, "web-indicator.png")
            browser.find_elements("css selector", "svg.chart a.point")[-1].click()  # the point of 7.8%
            fragment = browser.current_url.rpartition("#")[2]
            row = browser.find_element("id", fragment)
            assert "1—7月，全市规上工业增加值同比增长7.8%。" in row.text
            assert row.find_element("css selector", "td.sentence b").text == "7.8%"
            assert row.value_of_css_property("background-color") == "rgba(255, 248, 197, 1)"  # :target

            browser.find_element("link text", "订阅 · Subscribe").click()
            browser.find_element("id", "email").send_keys("reader@example.org")
            browser.find_element("id", "regions").send_keys("重庆市")
            browser.find_element("css selector", "form button").click()
            _heading(browser, "请查收邮件 · Check your mail")
            [mail] = smtp.received
            link = re.search(r"http://\S+/subscribe/confirm/\S+", mail.text())[0]
            browser.get(link)
            browser.find_element("css selector", "form button").click()
            _heading(browser, "已订阅 · Subscribed")
            browser.find_element("id", "next").click()  # to the manage page
            frequency = browser.find_element("id", "frequency")
            frequency.find_element("css selector", "option[value='weekly']").click()
            browser.find_element("css selector", "form button").click()
            _heading(browser, "已保存 · Saved")
            browser.find_element("id", "next").click()
            browser.find_element("id", "unsubscribe").click()
            _heading(browser, "已退订 · Unsubscribed")
            assert "will receive no more digests" in browser.find_element("tag name", "body").text
    db.commit()
    row = db.execute("SELECT regions, frequency, unsubscribed_at FROM subscribers").fetchone()
    assert row["regions"] == ["重庆"] and row["frequency"] == "weekly" and row["unsubscribed_at"] is not None
