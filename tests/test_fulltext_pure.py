"""The pure parts of full text: robots.txt rules and their cache on a fixed clock, a page's
main text and attachment links, what counts as thin, and the stored-hash lookup."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.errors import FetchError
from bot.fulltext.enrich import with_text
from bot.fulltext.page import attachment_links, is_thin, main_text
from bot.fulltext.robots import RobotsCache, agent_token, rules_from
from bot.store import articles as article_store
from bot.store import feeds as feed_store
from bot.types import Article

ROBOTS = b"User-agent: *\nDisallow: /board/view\n\nUser-agent: sokbo\nDisallow: /secret/\n"


def test_robots_rules_follow_rfc_9309_for_status_codes() -> None:
    assert rules_from(404, b"").allows("sokbo", "https://a.go.kr/x")
    assert rules_from(403, b"").allows("sokbo", "https://a.go.kr/x")
    assert not rules_from(503, b"").allows("sokbo", "https://a.go.kr/x")
    rules = rules_from(200, ROBOTS)
    assert not rules.allows("sokbo", "https://a.go.kr/secret/1")
    assert rules.allows("sokbo", "https://a.go.kr/board/view?id=1")  # its own group only
    assert not rules.allows("otherbot", "https://a.go.kr/board/view?id=1")
    assert agent_token("sokbo/0.1 (+https://x; bot)") == "sokbo"


async def test_robots_cache_asks_once_per_host_until_it_expires() -> None:
    clock = FixedClock()
    asked: list[str] = []

    async def fetch(url: str) -> tuple[int, bytes]:
        asked.append(url)
        if "down" in url:
            raise FetchError("connection refused")
        return 200, ROBOTS

    cache = RobotsCache(fetch, clock, "sokbo/0.1", ttl=3600)
    assert await cache.allowed("https://a.go.kr/news/1")
    assert not await cache.allowed("https://a.go.kr/secret/2")
    assert asked == ["https://a.go.kr/robots.txt"]
    refusal = await cache.refusal("https://down.go.kr/news/1")
    assert refusal is not None and "connection refused" in refusal
    clock.advance(2 * 3600)
    await cache.allowed("https://a.go.kr/news/3")
    assert asked.count("https://a.go.kr/robots.txt") == 2


PAGE = """<html><head><title>보도자료</title></head><body>
<nav><ul><li><a href="/m1">기관소개</a></li><li><a href="/m2">알림마당</a></li></ul></nav>
<div class="location">홈 &gt; 알림마당 &gt; 보도자료</div>
<div class="view"><h3>지역 기업 지원 확대</h3>
<p>중소벤처기업부는 지역 기업의 성장을 돕기 위해 지원 사업을 확대한다고 밝혔다.</p>
<p>올해는 모두 1,200개 기업을 선정해 기업당 최대 5천만원을 지원한다.</p>
<table><tr><td>담당 부서</td><td>지역기업정책과</td><td>책임자</td><td>과장</td><td>홍길동</td>
<td>(044-204-7000)</td></tr></table>
<ul class="file"><li><a href="/dl.do?fileId=9" title="붙임 파일">보도자료.pdf</a></li>
<li><a href="files/release.HWPX">hwpx 내려받기</a></li>
<li><a href="javascript:x('a.hwp')">보기.hwp</a></li>
</ul></div><footer>세종특별자치시 | Copyright 중소벤처기업부</footer></body></html>"""


def test_main_text_keeps_the_release_not_the_menus_breadcrumb_or_footer() -> None:
    text = main_text(PAGE, "https://www.mss.go.kr/view?id=1")
    assert "지원 사업을 확대한다고 밝혔다" in text and "1,200개 기업" in text
    assert "| 담당 부서 | 지역기업정책과 | 책임자 | 과장 | 홍길동 | (044-204-7000) |" in text
    for chrome in ("기관소개", "홈 >", "Copyright"):
        assert chrome not in text
    assert main_text("", "") == ""


def test_attachment_links_best_format_first_scripts_ignored() -> None:
    links = attachment_links(PAGE, "https://www.mss.go.kr/board/view?id=1")
    assert [(link.kind, link.url) for link in links] == [
        ("hwpx", "https://www.mss.go.kr/board/files/release.HWPX"),
        ("pdf", "https://www.mss.go.kr/dl.do?fileId=9"),
    ]


def test_thin_means_less_than_a_release_has() -> None:
    assert is_thin("", 200) and is_thin("중기부, 지역 기업 지원 확대", 200)
    assert not is_thin("가" * 250, 200)


def test_with_text_builds_the_document_and_its_contacts(clock: FixedClock) -> None:
    item = Article(1, "g", "https://x.go.kr/1", "제목", "", clock.now(), "hash-of-feed")
    enriched = with_text(item, main_text(PAGE, "https://x.go.kr/1"))
    assert enriched.content_hash == "hash-of-feed"  # the feed's: the next poll finds it unchanged
    assert [(c.name, c.phone) for c in enriched.contacts] == [("홍길동", "044-204-7000")]
    assert "1,200개 기업" in enriched.text


@pytest.mark.parametrize("n", [3])
def test_stored_hashes_on_both_engines(engine: Engine, clock: FixedClock, n: int) -> None:
    feed = feed_store.add_feed(engine, "https://x.go.kr/rss", "x", clock.now())
    other = feed_store.add_feed(engine, "https://y.go.kr/rss", "y", clock.now())
    items = [
        Article(f.id, f"g{i}", f"https://x.go.kr/{i}", f"t{i}", "", clock.now(), f"h{f.id}{i}")
        for f in (feed, other)
        for i in range(n)
    ]
    article_store.upsert_articles(engine, items, clock.now())
    found = article_store.stored_hashes(engine, feed.id, ["g0", "g2", "missing"])
    assert found == {"g0": f"h{feed.id}0", "g2": f"h{feed.id}2"}
