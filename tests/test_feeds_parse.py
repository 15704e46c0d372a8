"""parse_feed on every fixture in tests/data/feeds and on the shapes real feeds take."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.feeds.dates import parse_date
from bot.feeds.encoding import decode
from bot.feeds.parse import ParsedFeed, html_to_text, parse_feed, stable_id
from tests.feed_server import rss

FEEDS = Path(__file__).parent / "data" / "feeds"
NOW = datetime(2026, 4, 11, 0, 0, tzinfo=UTC)


def parse(body: bytes | str, headers: dict[str, str] | None = None) -> ParsedFeed:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return parse_feed(
        data, feed_id=7, base_url="https://example.kr/rss.xml", now=NOW, headers=headers
    )


def test_every_fixture_parses_without_raising() -> None:
    files = sorted(FEEDS.glob("*.xml"))
    assert len(files) == 7
    for path in files:
        result = parse_feed(path.read_bytes(), feed_id=1, base_url="http://x.kr/", now=NOW)
        for article in result.articles:
            assert article.feed_id == 1
            assert article.title
            assert article.published_at.tzinfo is not None
            assert len(article.content_hash) == 64


def test_kma_korean_pubdate_from_channel_is_kst() -> None:
    result = parse_feed(
        (FEEDS / "kma_midterm_forecast_2020-01-22.xml").read_bytes(),
        feed_id=1, base_url="http://x.kr/", now=NOW,
    )  # fmt: skip
    assert result.error is None
    assert result.title == "기상청 육상 중기예보"
    [article] = result.articles
    assert article.title == "전국 육상 중기예보 - 2020년 01월 22일 (수)요일 06:00 발표"
    assert article.published_at == datetime(2020, 1, 21, 21, 0, tzinfo=UTC)  # 06:00 KST
    assert article.guid == "http://www.kma.go.kr/weather/forecast/mid-term_01.jsp"


def test_kma_dongne() -> None:
    result = parse_feed(
        (FEEDS / "kma_dongne_yatap_2021-07-17.xml").read_bytes(),
        feed_id=1, base_url="http://x.kr/", now=NOW,
    )  # fmt: skip
    [article] = result.articles
    assert article.published_at == datetime(2021, 7, 17, 5, 0, tzinfo=UTC)
    assert "소나기" in article.text
    assert "&amp;" not in article.url


def test_truncated_wordpress_feed_recovers_item_and_records_error() -> None:
    result = parse_feed(
        (FEEDS / "FRAGMENT_seoul_env_wordpress_feed_TRUNCATED.xml").read_bytes(),
        feed_id=1, base_url="http://x.kr/", now=NOW,
    )  # fmt: skip
    assert result.error is not None and result.error.startswith("malformed document")
    assert "recovered 1 items" in result.error
    [article] = result.articles
    assert article.title == "정월 대보름 한강 방생 주의사항"
    assert article.guid == "http://news.seoul.go.kr/env/?p=18138"
    # zone-less "2013-02-22 10:42:49" is Seoul time
    assert article.published_at == datetime(2013, 2, 22, 1, 42, 49, tzinfo=UTC)
    # the cut-off content:encoded body is preferred over the one-line description
    assert article.text.lstrip("# ").startswith("정월대보름(2.24)을 맞아")  # a heading (h5)
    assert "금지어종" in article.text
    assert "<" not in article.text


def test_truncated_gnuboard_feed_double_escaped_title_and_cut_html() -> None:
    result = parse_feed(
        (FEEDS / "FRAGMENT_acbc_gnuboard_rss_press2_6_TRUNCATED.xml").read_bytes(),
        feed_id=1, base_url="http://x.kr/", now=NOW,
    )  # fmt: skip
    assert result.error is not None
    assert result.title == "연합기독교방송 > 일반뉴스 > 정치"
    [article] = result.articles
    assert article.title == "2026년, IFEZ 이렇게 달라집니다"
    assert article.url == "http://acbc.co.kr/bbs/board.php?bo_table=press2_6&wr_id=428"
    assert article.guid == stable_id(article.url, article.title)  # no <guid>
    assert article.published_at == NOW  # no date anywhere: first seen
    assert article.text.startswith("인천경제자유구역청은 송도컨벤시아가")
    assert "▣ 전시장 가동률 59%" in article.text
    assert "<span" not in article.text and "style=" not in article.text


@pytest.mark.parametrize(
    "name", ["SYNTHETIC_feedparser_euc-kr.xml", "SYNTHETIC_feedparser_euc-kr-item.xml"]
)
def test_euc_kr_fixtures(name: str) -> None:
    result = parse_feed((FEEDS / name).read_bytes(), feed_id=1, base_url="http://x/", now=NOW)
    assert result.error is None
    if name.endswith("-item.xml"):
        [article] = result.articles
        assert article.text == "년"
    else:
        assert result.title == "년"
        assert result.articles == ()


def test_euc_kr_attribute_fixture_image_only_item_is_skipped() -> None:
    body = (FEEDS / "SYNTHETIC_feedparser_euc-kr-attribute.xml").read_bytes()
    result = parse_feed(body, feed_id=1, base_url="http://x/", now=NOW)
    assert result.error is None
    assert result.articles == ()  # the only item is an image: no text, no title


def test_wrong_encoding_declaration_utf8_declared_but_cp949() -> None:
    doc = rss([{"title": "중기부 추경 확정", "guid": "a1", "description": "1조 6,903억원"}])
    body = doc.encode("cp949")  # declared utf-8, bytes are CP949
    result = parse(body)
    [article] = result.articles
    assert article.title == "중기부 추경 확정"
    assert article.text == "1조 6,903억원"
    assert result.error is not None
    assert "declared encoding utf-8 is wrong; decoded as cp949" in result.error


def test_wrong_encoding_declaration_euckr_declared_but_utf8() -> None:
    doc = rss([{"title": "과기정통부 보도자료", "guid": "a1"}], encoding="euc-kr")
    result = parse(doc.encode("utf-8"))
    [article] = result.articles
    assert article.title == "과기정통부 보도자료"


def test_http_charset_header_is_used() -> None:
    doc = rss([{"title": "한글 제목", "guid": "g"}]).replace(' encoding="utf-8"', "")
    result = parse(doc.encode("euc-kr"), headers={"Content-Type": "text/xml; charset=EUC-KR"})
    assert result.articles[0].title == "한글 제목"
    assert result.error is None


def test_decode_prefers_declared_then_falls_back() -> None:
    assert decode("<?xml version='1.0' encoding='euc-kr'?><a>년</a>".encode("cp949")) == (
        "<?xml version='1.0' encoding='euc-kr'?><a>년</a>",
        None,
    )
    text, note = decode("<a>년</a>".encode("cp949"))
    assert text == "<a>년</a>" and note is None  # nothing declared: fallbacks are silent


def test_content_encoded_preferred_and_html_cleaned() -> None:
    content = (
        "<p>첫 문단입니다.</p><script>alert(1)</script><style>p{}</style>"
        "<nav>메뉴 홈</nav><img src='x.png' alt='사진'><p>둘째 문단<br>다음 줄</p>"
        "<ul><li>하나</li><li>둘</li></ul>"
    )
    doc = rss([{"title": "제목", "guid": "g", "description": "요약", "content": content}])
    [article] = parse(doc).articles
    # the stored copy is the Document's canonical markdown: one line per unit, items together
    assert article.text == "첫 문단입니다.\n\n둘째 문단\n\n다음 줄\n\n- 하나\n- 둘"


def test_double_escaped_html_is_cleaned() -> None:
    doc = rss([{"title": "제목", "guid": "g"}]).replace(
        "</item>",
        "<description>&amp;lt;p&amp;gt;본문 &amp;amp; 내용&amp;lt;/p&amp;gt;</description></item>",
    )
    [article] = parse(doc).articles
    assert article.text == "본문 & 내용"


def test_relative_links_resolved() -> None:
    doc = rss([{"title": "제목", "link": "/briefing/view.do?id=1", "guid": "g"}])
    [article] = parse(doc).articles
    assert article.url == "https://example.kr/briefing/view.do?id=1"


def test_items_without_guid_get_stable_id_and_duplicates_dropped() -> None:
    items = [
        {"title": "같은 글", "link": "https://example.kr/a"},
        {"title": "같은 글", "link": "https://example.kr/a"},
        {"title": "다른 글", "link": "https://example.kr/b"},
    ]
    first = parse(rss(items)).articles
    second = parse(rss(list(reversed(items)))).articles
    assert len(first) == 2
    assert {a.guid for a in first} == {a.guid for a in second}
    assert first[0].guid == stable_id("https://example.kr/a", "같은 글")


def test_atom_and_rdf() -> None:
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>아톰</title>
<entry><id>tag:example.kr,2026:1</id><title>아톰 글</title>
<link href="/posts/1"/><updated>2026-04-10T09:00:00+09:00</updated>
<summary>요약</summary><content type="html">&lt;p&gt;본문 전체&lt;/p&gt;</content></entry></feed>"""
    [a] = parse(atom).articles
    assert (a.guid, a.title, a.text, a.url) == (
        "tag:example.kr,2026:1", "아톰 글", "본문 전체", "https://example.kr/posts/1",
    )  # fmt: skip
    assert a.published_at == datetime(2026, 4, 10, 0, 0, tzinfo=UTC)
    rdf = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://example.kr/"><title>RDF</title></channel>
<item rdf:about="http://example.kr/1"><title>RDF 글</title><link>http://example.kr/1</link>
<description>설명</description><dc:date>2026.04.10</dc:date></item></rdf:RDF>"""
    [r] = parse(rdf).articles
    assert (r.title, r.text) == ("RDF 글", "설명")
    assert r.published_at == datetime(2026, 4, 9, 15, 0, tzinfo=UTC)


def test_rss_09x() -> None:
    doc = """<?xml version="1.0"?><rss version="0.91"><channel><title>옛 피드</title>
<item><title>옛 글</title><link>http://example.kr/old</link><description>내용</description></item>
</channel></rss>"""
    [a] = parse(doc).articles
    assert a.title == "옛 글"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Fri, 10 Apr 2026 22:42:00 +0900", datetime(2026, 4, 10, 13, 42, tzinfo=UTC)),
        ("Fri, 10 Apr 2026 13:42:00 GMT", datetime(2026, 4, 10, 13, 42, tzinfo=UTC)),
        ("Fri, 10 Apr 2026 22:42:00", datetime(2026, 4, 10, 13, 42, tzinfo=UTC)),
        ("2026-04-10T22:42:00+09:00", datetime(2026, 4, 10, 13, 42, tzinfo=UTC)),
        ("2026-04-10T13:42:00Z", datetime(2026, 4, 10, 13, 42, tzinfo=UTC)),
        ("2026-04-10T22:42:00", datetime(2026, 4, 10, 13, 42, tzinfo=UTC)),
        ("2026-04-10 22:42:00", datetime(2026, 4, 10, 13, 42, tzinfo=UTC)),
        ("2026.04.10", datetime(2026, 4, 9, 15, 0, tzinfo=UTC)),
        ("2026. 4. 10.", datetime(2026, 4, 9, 15, 0, tzinfo=UTC)),
        ("2026.04.10 22:42", datetime(2026, 4, 10, 13, 42, tzinfo=UTC)),
        ("2020년 01월 22일 (수)요일 06:00", datetime(2020, 1, 21, 21, 0, tzinfo=UTC)),
        ("2026년 4월 10일 오후 3:05", datetime(2026, 4, 10, 6, 5, tzinfo=UTC)),
        ("2026년 4월 10일", datetime(2026, 4, 9, 15, 0, tzinfo=UTC)),
    ],
)
def test_date_forms(raw: str, expected: datetime) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["", "내일", "2026.13.45", "not a date"])
def test_bad_dates_are_none(raw: str) -> None:
    assert parse_date(raw) is None


def test_html_page_instead_of_feed() -> None:
    page = "<!DOCTYPE html><html><head><title>정책브리핑</title></head><body>점검 중</body></html>"
    result = parse(page)
    assert result.articles == ()
    assert result.error == "not a feed (HTML page)"


def test_empty_and_garbage_bodies() -> None:
    assert parse(b"").error == "empty response body"
    assert parse(b"  \n ").error == "empty response body"
    garbage = parse(b"\x00\x01 this is not xml {json: 1}")
    assert garbage.articles == ()
    assert garbage.error is not None and garbage.error.startswith("not a feed")


def test_malformed_xml_keeps_good_items() -> None:
    doc = rss(
        [
            {"title": "온전한 글", "guid": "g1", "description": "내용 하나"},
            {"title": "두 번째 글", "guid": "g2", "description": "내용 둘"},
        ]
    ).replace("</channel></rss>", "<item><title>잘린 글 & 깨진</title><guid>g3</guid>")
    result = parse(doc)
    titles = [a.title for a in result.articles]
    assert titles[:2] == ["온전한 글", "두 번째 글"]
    assert result.error is not None and result.error.startswith("malformed document")


def test_html_to_text_keeps_paragraphs_and_entities() -> None:
    assert html_to_text("<div>가 &amp; 나</div><div>다&nbsp;라</div>") == "가 & 나\n\n다 라"
    assert html_to_text("plain text, no markup") == "plain text, no markup"
    assert html_to_text("<table><tr><td>부서</td><td>전화</td></tr></table>") == "부서 전화"


def test_content_hash_changes_with_text() -> None:
    a = parse(rss([{"title": "t", "guid": "g", "description": "본문 1"}])).articles[0]
    b = parse(rss([{"title": "t", "guid": "g", "description": "본문 2"}])).articles[0]
    assert a.content_hash != b.content_hash and a.guid == b.guid


def test_author_from_author_dc_creator_and_itunes() -> None:
    """The body that issued an item, however the feed names it (issue 19)."""
    body = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>t</title>
<item><title>가</title><link>http://a.kr/1</link><author>기상청</author></item>
<item><title>나</title><link>http://a.kr/2</link><dc:creator>고용노동부</dc:creator></item>
<item><title>다</title><link>http://a.kr/3</link><itunes:author>국가유산청</itunes:author></item>
<item><title>라</title><link>http://a.kr/4</link><author>a@moel.go.kr (고용노동부)</author></item>
<item><title>마</title><link>http://a.kr/5</link><author>press@moel.go.kr</author></item>
<item><title>바</title><link>http://a.kr/6</link></item>
</channel></rss>"""
    result = parse_feed(body.encode(), feed_id=1, base_url="http://a.kr/", now=NOW)
    assert [a.author for a in result.articles] == [
        "기상청", "고용노동부", "국가유산청", "고용노동부", "", "",
    ]  # fmt: skip


def test_kma_fixture_author() -> None:
    result = parse_feed(
        (FEEDS / "kma_midterm_forecast_2020-01-22.xml").read_bytes(),
        feed_id=1, base_url="http://x.kr/", now=NOW,
    )  # fmt: skip
    assert [a.author for a in result.articles] == ["기상청"]
