"""The pure middle of the sources work, with plain values and a fixed clock: the dates of
SOURCES.md, item identity without session ids, debris and doubled entities, the channel
repeated as an item, https links, encoding switches, the catalog, feed links on a page,
silence, cookies kept between fetches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.config import FeedSettings
from bot.feeds.dates import parse_date
from bot.feeds.fetch import _allowed_instead, dump_cookies, load_cookies
from bot.feeds.parse import parse_feed, secure_like, without_debris
from bot.feeds.silence import QUIET_FLOOR, quiet_limit, rhythm, silence
from bot.sources.catalog import CatalogError, catalog, parse_catalog
from bot.sources.discover import feed_links, usual_feed_urls
from bot.stories import canonical_url, without_session

NOW = datetime(2026, 10, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "utc"),
    [
        ("2026-08-12 09:41:11.0", datetime(2026, 8, 12, 0, 41, 11, tzinfo=UTC)),  # zone-less: KST
        ("2026.09.23", datetime(2026, 9, 22, 15, 0, tzinfo=UTC)),
        ("Wed Jul 08 15:00:00 KST 2026", datetime(2026, 7, 8, 6, 0, tzinfo=UTC)),
        ("Wed Jul 08 15:00:00 GMT 2026", datetime(2026, 7, 8, 15, 0, tzinfo=UTC)),
        ("2026-09-23T10:00:00+09:00", datetime(2026, 9, 23, 1, 0, tzinfo=UTC)),  # dc:date
        ("2026-09-23T10:00:00+0900", datetime(2026, 9, 23, 1, 0, tzinfo=UTC)),
        ("Tue, 22 Sep 2026 01:00:00 GMT", datetime(2026, 9, 22, 1, 0, tzinfo=UTC)),
        ("2026-09-23T10:00:00", datetime(2026, 9, 23, 1, 0, tzinfo=UTC)),
    ],
)
def test_dates_of_sources_md(raw: str, utc: datetime) -> None:
    assert parse_date(raw) == utc


def test_java_date_with_an_impossible_day_is_no_date() -> None:
    assert parse_date("Wed Feb 31 15:00:00 KST 2026") is None


@pytest.mark.parametrize(
    ("url", "identity"),
    [
        ("https://x.kr/read.do;jsessionid=A1B2C3.node1?boardId=5&menuId=9",
         "https://x.kr/read.do?boardId=5&menuId=9"),
        ("https://x.kr/v?id=1&sid=9f8c2e7a1b3d4c5e6f70&utm_source=rss&utm_campaign=c7",
         "https://x.kr/v?id=1"),
        ("https://x.kr/v?PHPSESSID=abc&id=2", "https://x.kr/v?id=2"),
        ("https://x.kr/v?sid=105&oid=1&b=2", "https://x.kr/v?sid=105&oid=1&b=2"),  # a section
        ("https://x.kr/v?sid=20260930123456789", "https://x.kr/v?sid=20260930123456789"),  # an id
        ("https://x.kr/?s=semiconductorsubsidy", "https://x.kr/?s=semiconductorsubsidy"),
        ("https://x.kr/v?b=2&a=%EA%B0%80#top", "https://x.kr/v?b=2&a=%EA%B0%80#top"),  # as is
    ],
)  # fmt: skip
def test_identity_without_session_ids_and_tracking(url: str, identity: str) -> None:
    assert without_session(url) == identity


def test_canonical_url_drops_sessions_too() -> None:
    assert canonical_url("HTTPS://X.kr:443/a.do;jsessionid=Z?sid=0123456789abcdef01&id=3") == (
        "https://x.kr/a.do?id=3"
    )


def test_debris_and_doubled_entities_never_reach_the_text() -> None:
    markup = (
        '<!--[data-hwpjson]{"documentPr":{"x":1}}-->'
        "&lt;!--[if gte mso 9]&gt;&lt;xml&gt;&lt;w:WordDocument&gt;Normal&lt;/w:WordDocument&gt;"
        "&lt;/xml&gt;&lt;![endif]--&gt;<p>양자&amp;middot;기술 &amp;amp;lt;표&amp;amp;gt;"
        "<o:p>&nbsp;</o:p></p>&lt;!-- 잘린 주석 {json <p>끝</p><!-- 열린 주석"
    )
    cleaned = without_debris(markup)
    assert "hwpjson" not in cleaned and "WordDocument" not in cleaned and "o:p" not in cleaned
    assert "&middot;" in cleaned and "&amp;middot;" not in cleaned
    assert "잘린 주석" not in cleaned and "열린 주석" not in cleaned and "<p>끝</p>" in cleaned


def _rss(items: str, *, title: str = "금융위원회 보도자료", encoding: str = "utf-8") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://www.fsc.go.kr/no/list</link>{items}</channel></rss>"
    )


def test_the_channel_repeated_as_an_item_is_no_release() -> None:
    body = _rss(
        "<item><title>금융위원회 보도자료</title><link><![CDATA[https://www.fsc.go.kr/no/list]]>"
        "</link></item>"
        "<item><title>금융위원회 보도자료</title></item>"
        "<item><title>진짜 보도자료</title><link><![CDATA[ /no/view?no=1 ]]></link>"
        "<description>본문</description></item>"
    )
    parsed = parse_feed(body.encode(), feed_id=1, base_url="https://www.fsc.go.kr/rss", now=NOW)
    assert [a.title for a in parsed.articles] == ["진짜 보도자료"]
    assert parsed.articles[0].url == "https://www.fsc.go.kr/no/view?no=1"  # CDATA, relative


def test_http_links_of_an_https_feeds_site_become_https() -> None:
    assert secure_like("http://www.mofe.go.kr/v?id=1", "https://mofe.go.kr/rss") == (
        "https://www.mofe.go.kr/v?id=1"
    )
    assert secure_like("http://other.kr/v", "https://mofe.go.kr/rss") == "http://other.kr/v"
    assert secure_like("http://mofe.go.kr/v", "http://mofe.go.kr/rss") == "http://mofe.go.kr/v"
    body = _rss("<item><title>글</title><link>http://mofe.go.kr/v?id=7</link></item>")
    parsed = parse_feed(body.encode(), feed_id=1, base_url="https://mofe.go.kr/rss", now=NOW)
    [article] = parsed.articles
    assert article.url == "https://mofe.go.kr/v?id=7"
    # the identity stays that of the link as given (an upgraded install adds nothing again)
    same = parse_feed(body.encode(), feed_id=1, base_url="http://x/", now=NOW)
    assert same.articles[0].guid == article.guid


def test_an_encoding_switch_changes_nothing() -> None:
    items = (
        "<item><title>재외국민 안전 공관장 회의</title><link>/v?seq=1</link>"
        "<pubDate>Tue, 29 Sep 2026 16:00:00 +0900</pubDate>"
        "<description>외교부는 회의를 열었다.</description></item>"
    )
    euc = _rss(items, title="외교부", encoding="euc-kr").encode("cp949")
    utf = _rss(items, title="외교부").encode("utf-8")
    a = parse_feed(euc, feed_id=1, base_url="https://www.mofa.go.kr/rss", now=NOW)
    b = parse_feed(utf, feed_id=1, base_url="https://www.mofa.go.kr/rss", now=NOW)
    assert a.articles == b.articles and a.error is None and b.error is None


def test_session_ids_change_no_identity_between_polls() -> None:
    def poll(session: str) -> str:
        body = _rss(
            f"<item><title>미세먼지 계절관리제 시행</title><link>read.do;jsessionid={session}?id=1"
            "</link><description>본문</description></item>"
        )
        parsed = parse_feed(body.encode(), feed_id=1, base_url="https://www.mcee.go.kr/r", now=NOW)
        return parsed.articles[0].guid

    assert poll("AAAA1111") == poll("BBBB2222")


def test_newest_and_rhythm_from_the_document() -> None:
    items = "".join(
        f"<item><title>글 {n}</title><guid>g{n}</guid>"
        f"<pubDate>{(NOW - timedelta(hours=6 * n)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        "</pubDate></item>"
        for n in range(1, 6)
    )
    future = "<item><title>미래</title><guid>f</guid><pubDate>Fri, 01 Jan 2099 00:00:00 +0000"
    future += "</pubDate></item>"
    parsed = parse_feed(_rss(items + future).encode(), feed_id=1, base_url="https://x/", now=NOW)
    assert parsed.newest == NOW - timedelta(hours=6)  # 2099 is not "newest"
    assert parsed.rhythm == 6 * 3600


def test_silence() -> None:
    day = 86400.0
    assert silence(item_count=0, had_items=True, newest_item_at=None, last_new_at=None,
                   rhythm_seconds=None, now=NOW).kind == "emptied"  # fmt: skip
    assert silence(item_count=0, had_items=False, newest_item_at=None, last_new_at=None,
                   rhythm_seconds=None, now=NOW).kind == "empty"  # fmt: skip
    quiet = silence(item_count=3, had_items=True, newest_item_at=NOW - timedelta(days=12),
                    last_new_at=NOW, rhythm_seconds=day, now=NOW)  # fmt: skip
    assert quiet is not None and quiet.in_words() == (
        "silent: nothing new for 12 days, usually every 1 day"
    )
    assert silence(item_count=3, had_items=True, newest_item_at=NOW - timedelta(days=3),
                   last_new_at=None, rhythm_seconds=3600, now=NOW) is None  # fmt: skip
    assert quiet_limit(3600) == QUIET_FLOOR and quiet_limit(day) == timedelta(days=8)
    assert rhythm([NOW]) is None


def test_catalog_holds_every_body_of_sources_md() -> None:
    bodies = {b.name for b in catalog().bodies}
    assert {
        "재정경제부", "금융위원회", "국토교통부", "과학기술정보통신부", "보건복지부", "산업통상부",
        "기후에너지환경부", "외교부", "행정안전부", "통일부", "문화체육관광부", "농림축산식품부",
        "성평등가족부", "해양수산부", "중소벤처기업부", "인사혁신처", "식품의약품안전처",
        "고용노동부", "국세청", "기획예산처", "방위사업청", "법무부", "국방부", "국가보훈부",
    } <= bodies  # fmt: skip
    for name, body in (("중기부", "중소벤처기업부"), ("재정경제부", "재정경제부"),
                       ("기획재정부", "재정경제부"), ("금융위", "금융위원회"),
                       ("mcee", "기후에너지환경부"), ("환경부", "기후에너지환경부"),
                       ("과기 정통부", "과학기술정보통신부")):  # fmt: skip
        match = catalog().find(name)
        assert match is not None and match.body.name == body, name
    explain = catalog().find("금융위 설명자료")
    assert explain is not None and explain.feed is not None and explain.feed.url.endswith("0112")
    assert catalog().find("국방부") is not None and catalog().find("국방부").feed is None  # type: ignore[union-attr]
    assert catalog().ended_service("http://korea.kr/rss/dept_moef.xml") is not None
    assert catalog().ended_service("https://www.korea.kr/briefing/x.do") is None


def test_catalog_refuses_unknown_quirks_and_missing_fields() -> None:
    with pytest.raises(CatalogError, match="unknown quirks"):
        parse_catalog({"body": [{"name": "x", "feeds": [
            {"kind": "보도자료", "url": "https://x/", "quirks": ["teleports"]}]}]})  # fmt: skip
    with pytest.raises(CatalogError, match="url is missing"):
        parse_catalog({"body": [{"name": "x", "feeds": [{"kind": "보도자료"}]}]})


def test_the_default_read_timeout_waits_for_the_slowest_known_first_byte() -> None:
    slowest = max(f.first_byte_seconds or 0 for f in catalog().feeds())
    assert slowest > 0 and FeedSettings().read_timeout > slowest


def test_feed_links_of_a_page() -> None:
    page = (
        '<html><head><link rel="stylesheet" href="/s.css">'
        '<link rel="alternate" type="application/rss+xml" href="/rss/allArticle.xml">'
        '<LINK REL="Alternate" TYPE="application/atom+xml; charset=utf-8" href="//cdn.x.kr/a">'
        '<link rel="alternate" hreflang="en" href="/en/">'
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
    )
    assert feed_links(page, "https://newsdao.kr/") == [
        "https://newsdao.kr/rss/allArticle.xml",
        "https://cdn.x.kr/a",
    ]
    assert usual_feed_urls("https://newsdao.kr/news/x?y=1")[0] == "https://newsdao.kr/rss"


def test_cookies_kept_between_fetches_and_the_method_a_405_allows() -> None:
    jar = httpx.Cookies()
    jar.set("TMOSHCooKie", "abc", domain="www.molit.go.kr", path="/")
    stored = dump_cookies(jar)
    again = load_cookies(stored)
    assert again.get("TMOSHCooKie", domain="www.molit.go.kr") == "abc"
    assert load_cookies("not json").jar is not None and dump_cookies(httpx.Cookies()) is None
    request = httpx.Request("GET", "https://x/")
    refused = httpx.Response(405, headers={"Allow": "POST, OPTIONS"}, request=request)
    assert _allowed_instead(refused, "GET") == "POST"
    assert _allowed_instead(refused, "POST") is None
    assert _allowed_instead(httpx.Response(405, request=request), "GET") is None
