"""The digest's HTML as a reader sees it: opened in a real headless Chromium (Selenium, Debian's chromium).

What a reader must see on a figure's line: the baseline's period and date next to the old value, the kind
(增速 …), the period as reporting writes it (1—7月, not 2024-01/2024-07); the old value not struck through,
and a fall not coloured as a rise.
"""

from __future__ import annotations

import email
import email.policy
import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.test_digest import CORRIDORS, DAY, add, seed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="needs Debian's chromium and chromium-driver (make test installs them when run as root with apt)")


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    return cli_env | {"CYWATCH_SECRET": "test-secret", "CYWATCH_MAIL_FROM": "成渝观察 <digest@example.org>"}


@pytest.fixture
def browser():
    """A headless Chromium driven through chromedriver; no network, no profile left behind."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extras: pip install -e '.[test]'")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=700,1400"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _digest_html(env: dict[str, str], folder: Path) -> Path:
    result = run_cli("digest", "--date", DAY, "--dry-run", str(folder), env=env)
    assert result.returncode == 0, result.stderr
    [eml] = folder.rglob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    page = folder / "digest.html"
    page.write_text(message.get_body(("html",)).get_content(), encoding="utf-8")
    return page


def test_a_reader_sees_the_baselines_period_the_kind_and_reader_periods(db, env, tmp_path, browser):
    seed(db, CORRIDORS, ("前7月重庆工业", "1—7月，全市规上工业增加值同比增长7.8%。"))  # the baseline: 9.3%
    add(env, "reader@example.org")
    browser.get(_digest_html(env, tmp_path / "preview").as_uri())
    lines = [row.text for row in browser.find_elements("css selector", "td.item")]
    growth = next(line for line in lines if line.startswith("技术合同成交额 增速"))  # the kind, on its line
    assert "8.2% （基线 baseline：1—5月 · 2024-06-22）" in growth  # the old value's period and date
    assert "9.1% （1—7月）" in growth  # the period as readers write it
    corridor = next(line for line in lines if line.startswith("省际高速公路通道"))
    assert "增至16条 （基线 baseline：上半年 · 2024-06-22） → 增至18条 （1—7月）" in corridor
    assert "2024-01/" not in browser.find_element("tag name", "body").text
    assert "2024年8月12日" in browser.find_element("css selector", "td.head").text  # the year in the header
    old = browser.find_element("css selector", "span.old")
    assert "line-through" not in old.value_of_css_property("text-decoration-line")
    rise = browser.find_element("css selector", "span.new.up").value_of_css_property("color")
    fall = browser.find_element("css selector", "span.new.down").value_of_css_property("color")
    assert rise == "rgba(26, 127, 55, 1)" and fall == "rgba(207, 34, 46, 1)"  # a fall is not green
