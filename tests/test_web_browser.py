"""The web archive in a real browser: Debian's chromium + chromedriver through selenium,
against a real ``sokbo run`` that polls the sample feeds from a local feed server.

Fails (never skips) when chromium or chromedriver is missing: `.ci/run` installs them.
Screenshots go to $SOKBO_SCREENSHOTS when set (docs/img/ is made that way), else tmp_path.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import httpx
import pytest
import sqlalchemy as sa
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.expected_conditions import url_contains
from selenium.webdriver.support.wait import WebDriverWait

from bot.store import create_engine, schema
from bot.store.migrate import upgrade
from tests.feed_server import FeedServer, rss
from tests.search_corpus import add_feed, add_story

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SAMPLES = {
    "정책브리핑 보도자료": "press_releases.xml",
    "중기부·과기정통부 소식": "seeds_euc-kr.xml",
    "실시간 뉴스 속보": "posts_atom.xml",
}
HOSTILE = rss(
    [
        {
            "title": "<![CDATA[<script>alert('feed')</script> 보안 점검 결과 발표]]>",
            "link": "https://www.korea.kr/hostile/1",
            "guid": "hostile-1",
            "pubDate": "Fri, 10 Apr 2026 22:42:00 +0900",
            "description": "<p>과학기술정보통신부는 보안 점검 결과를 발표했다.</p>"
            "<script>alert('body')</script><img src=x onerror=alert('img')>",
        }
    ],
    title="보안 점검 피드",
)
STORED_TITLE = "<script>alert('stored')</script> 저장된 제목 표시 점검"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} missing: install Debian's chromium and chromium-driver "
            "(.ci/run does: apt-get install -y chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="sokbo-chromium-")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1000,1300",
        "--lang=ko-KR",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `sokbo run` serving the archive of the sample feeds; yields its base URL."""
    tmp = tmp_path_factory.mktemp("web")
    with FeedServer() as feeds:
        sources = {
            name: feeds.add(f"/{file}", (ROOT / "examples" / "feeds" / file).read_bytes())
            for name, file in SAMPLES.items()
        }
        sources["보안 점검 피드"] = feeds.add("/hostile.xml", HOSTILE)
        db = tmp / "sokbo.db"
        engine = create_engine(f"sqlite:///{db}")
        upgrade(engine)
        documents = add_feed(engine, "문서 가져오기", "https://docs.example.kr/feed.xml")
        with engine.begin() as conn:  # a removed feed: its articles stay in the archive
            conn.execute(sa.update(schema.feeds).values(enabled=False))
        add_story(  # as if an earlier version or a document source had stored it
            engine,
            documents,
            title=STORED_TITLE,
            text="저장된 제목 표시 점검 본문이다.",
            published_at=datetime(2026, 4, 13, 9, 0, tzinfo=UTC),
            summary={"headline": STORED_TITLE[:60], "bullets": ["<b>굵게</b> 보이면 안 된다."]},
        )
        engine.dispose()
        port = free_port()
        config = tmp / "config.toml"
        lines = [
            f'[database]\nurl = "sqlite:///{db}"',
            "[feeds]\npoll_interval = 30\nread_timeout = 5",
            *(f'[[feeds.sources]]\nname = "{n}"\nurl = "{u}"' for n, u in sources.items()),
            f'[web]\nlisten = "127.0.0.1"\nport = {port}',
        ]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "SLACK_", "OPENAI_", "SOKBO_DATABASE"))
        }
        log = tmp / "stderr.log"
        with log.open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(config)],
                cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
            base = f"http://127.0.0.1:{port}"
            try:
                deadline = time.monotonic() + 60
                entries = 0
                while time.monotonic() < deadline:
                    assert proc.poll() is None, log.read_text()
                    try:
                        parsed = feedparser.parse(httpx.get(f"{base}/feed.xml").content)
                        entries = len(parsed.entries)
                    except httpx.HTTPError:
                        entries = 0
                    if entries >= 10:
                        break
                    time.sleep(0.3)
                assert entries >= 10, log.read_text()
                yield base
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                finally:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
        text = log.read_text()
        web_errors = [
            line for line in text.splitlines()
            if " ERROR bot.web" in line or "aiohttp.server" in line or "bot.app: web:" in line
        ]  # fmt: skip
        assert web_errors == [], text


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SOKBO_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def console_errors(driver: WebDriver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def no_alert(driver: WebDriver) -> None:
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018


def test_browse_follow_search_and_atom(browser: WebDriver, running: str, tmp_path: Path) -> None:
    shots = shots_dir(tmp_path)
    browser.set_window_size(1000, 1300)
    browser.get(running + "/")
    assert browser.title == "최신 정책 소식 — 속보"
    headlines = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "article.story h2")]
    assert len(headlines) >= 10
    assert headlines[0] == STORED_TITLE[:60]  # newest first; markup shown as text
    assert not browser.find_elements(By.XPATH, "//script")  # none from feeds or the store
    no_alert(browser)
    assert "보안 점검 결과 발표" in browser.page_source  # the feed's title, tags removed
    assert "onerror" not in browser.page_source
    assert browser.find_element(By.CSS_SELECTOR, "article.story .meta time").text.endswith("KST")
    browser.save_screenshot(str(shots / "web-index.png"))
    assert console_errors(browser) == []

    link = browser.find_element(By.PARTIAL_LINK_TEXT, "딥테크 300억")
    link.click()
    assert "/stories/" in browser.current_url
    heading = browser.find_element(By.CSS_SELECTOR, "article.story h2").text
    assert heading.startswith("딥테크 300억")
    og = browser.find_element(By.CSS_SELECTOR, 'meta[property="og:title"]')
    assert og.get_attribute("content") == heading
    sources = browser.find_elements(By.CSS_SELECTOR, ".sources li a")
    assert sources and sources[0].get_attribute("href").startswith("http://127.0.0.1:")
    assert "문의처" in browser.find_element(By.CSS_SELECTOR, ".contacts").text
    browser.save_screenshot(str(shots / "web-story.png"))
    story_url = browser.current_url
    assert console_errors(browser) == []

    box = browser.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
    box.clear()
    box.send_keys("딥테크를")
    box.submit()  # returns before the next page loads: wait for it (the race failed under load)
    WebDriverWait(browser, 10).until(url_contains("/search?q="))
    assert (
        browser.find_element(By.CSS_SELECTOR, "form.search input[name=q]").get_attribute("value")
        == "딥테크를"
    )
    results = browser.find_elements(By.CSS_SELECTOR, "article.story h2 a")
    assert story_url in [r.get_attribute("href") for r in results]
    browser.save_screenshot(str(shots / "web-search.png"))
    assert console_errors(browser) == []

    atom = browser.find_element(By.LINK_TEXT, "Atom 피드").get_attribute("href")
    assert atom == running + "/feed.xml"
    answer = httpx.get(atom)
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.content)
    assert not feed.bozo and len(feed.entries) >= 10
    assert story_url in [e.link for e in feed.entries]


def test_bad_input_pages_in_the_browser(browser: WebDriver, running: str, tmp_path: Path) -> None:
    browser.get(running + "/stories/987654")
    assert browser.find_element(By.TAG_NAME, "h1").text == "소식을 찾을 수 없어요"
    browser.get(running + "/?page=-1")
    assert "페이지 번호는 1부터" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    browser.get(running + "/topics/없는주제")
    assert "주제는 없어요" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    browser.get(running + "/search?q=" + "양자" * 5000)
    assert "검색어가 너무 길어요(10,000자)" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    # 404 pages log one "Failed to load resource" line each: that is the status, not a page error
    errors = [e for e in console_errors(browser) if "status of 40" not in e]
    assert errors == []


def test_phone_width_and_health(browser: WebDriver, running: str, tmp_path: Path) -> None:
    browser.set_window_size(390, 844)
    try:
        browser.get(running + "/")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390  # nothing wider than the phone's screen
        browser.save_screenshot(str(shots_dir(tmp_path) / "web-phone.png"))
    finally:
        browser.set_window_size(1000, 1300)
    health = httpx.get(running + "/healthz")
    assert health.status_code == 200
    body = json.loads(health.text)
    # fixture items are months old on the wall clock: read fine, some named silent
    assert body["database"] == "ok" and body["feeds"]["ok"] + body["feeds"]["silent"] == 4
    metrics = httpx.get(running + "/metrics").text
    assert "sokbo_poll_cycles_total 1.0" in metrics or "sokbo_poll_cycles_total 2.0" in metrics
    assert 'sokbo_poll_feeds_total{status="ok"}' in metrics
