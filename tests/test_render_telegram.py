"""Telegram HTML rendering: structure, escaping of hostile text, and the 4,096 split."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest

from bot.messages import (
    Alert,
    DailyDigest,
    DigestEntry,
    DigestSection,
    Notice,
    Reply,
    SearchHit,
    SearchPage,
)
from bot.render.telegram import LIMIT, render_message, render_reply, units
from bot.types import Contact, Labeled, Summary

ALLOWED = {"b", "i", "a"}
HOSTILE = '<script>alert(1)</script> <a href="javascript:x">클릭</a> &amp; &lt; 5 > 3 & "인용"'


class TelegramHtml(HTMLParser):
    """Checks a text the way the Bot API does: only our tags, balanced, entities whole."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.visible: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED, f"unexpected tag <{tag}>"
        if tag == "a":
            href = dict(attrs)["href"]
            assert href is not None and href.startswith(("http://", "https://"))
            self.links.append(href)
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        self.visible.append(data)


def parse(text: str) -> TelegramHtml:
    # Bare '<', '>' or '&' outside a tag/entity would be refused by Telegram.
    without_tags = re.sub(r"</?(b|i|a)( href=\"[^\"]*\")?>", "", text)
    assert "<" not in without_tags and ">" not in without_tags
    assert not re.search(r"&(?!(lt|gt|amp|quot|#x?[0-9a-fA-F]+);)", without_tags)
    parser = TelegramHtml()
    parser.feed(text)
    parser.close()
    assert parser.stack == [], f"unclosed tags {parser.stack}"
    return parser


def visible(text: str) -> str:
    return "".join(parse(text).visible)


def summary(**kw: object) -> Summary:
    base: dict[str, object] = {
        "headline": "중기부, 딥테크 창업기업 300개사 지원",
        "bullets": ["총 1,200억원을 투입한다", "4월 13일부터 신청을 받는다"],
        "key_dates": [Labeled(label="신청 기간", value="4월 13일~5월 8일")],
        "amounts": [Labeled(label="예산", value="1,200억원")],
        "contacts": [
            Contact(
                organization="중소벤처기업부",
                department="창업정책과",
                name="홍길동",
                role="사무관",
                phone="044-204-7711",
            ),
            Contact(department="기술창업과", phone="044-204-7722"),
        ],
    }
    base.update(kw)
    return Summary.model_validate(base)


PUBLISHED = datetime(2026, 4, 10, 23, 30, tzinfo=UTC)  # 2026-04-11 08:30 KST


def test_alert_has_bold_headline_bullets_contacts_source_time_and_link() -> None:
    alert = Alert(1, summary(), "정책브리핑 보도자료", PUBLISHED, "https://www.korea.kr/x?a=1&b=2")
    [text] = render_message(alert)
    assert text.startswith("<b>중기부, 딥테크 창업기업 300개사 지원</b>")
    assert "• 총 1,200억원을 투입한다\n• 4월 13일부터 신청을 받는다" in text
    assert "신청 기간: 4월 13일~5월 8일" in text and "예산: 1,200억원" in text
    assert "중소벤처기업부 창업정책과 사무관 홍길동 044-204-7711" in text  # one field order
    assert "기술창업과 044-204-7722" in text
    assert "<i>정책브리핑 보도자료 · 2026년 4월 11일 08:30 KST</i>" in text  # an alert: year
    parsed = parse(text)
    assert parsed.links == ["https://www.korea.kr/x?a=1&b=2"]
    assert '<a href="https://www.korea.kr/x?a=1&amp;b=2">원문 보기</a>' in text


def test_hostile_feed_text_cannot_inject_markup_or_links() -> None:
    hostile = summary(
        headline="<b>속보</b><a href='http://evil'>",
        bullets=[HOSTILE[:120]],
        contacts=[Contact(name="<i>김</i>", phone="010-0000-0000&#x3C;")],
    )
    alert = Alert(2, hostile, "피드 <b>이름</b>", PUBLISHED, 'javascript:alert("x")')
    [text] = render_message(alert)
    parsed = parse(text)
    assert parsed.links == []  # a javascript: URL is shown as text, never as a link
    assert "&lt;b&gt;속보&lt;/b&gt;&lt;a href='http://evil'&gt;" in text
    assert "&lt;script&gt;" in text and "&amp;amp;" in text
    shown = "".join(parsed.visible)
    assert "<b>속보</b><a href='http://evil'>" in shown  # the reader sees exactly the source text
    assert 'javascript:alert("x")' in shown

    quoted = Alert(3, summary(), "src", PUBLISHED, 'https://a.example/"><b>x')
    assert parse(render_message(quoted)[0]).links == []  # URL with quotes/space is not linked


def test_a_6000_character_story_is_split_at_paragraphs_within_the_limit() -> None:
    paragraphs = [f"{i}번째 문단. " + "반도체 지원 사업을 확대한다 <&> " * 12 for i in range(40)]
    text = "\n\n".join(paragraphs)
    assert units(text) > 6000
    chunks = render_message(Notice(text))
    assert len(chunks) >= 2
    shown = [visible(chunk) for chunk in chunks]
    assert all(units(s) <= LIMIT for s in shown)
    # Cuts fall only between paragraphs: every paragraph arrives whole, in order.
    rejoined = "\n\n".join(shown)
    assert rejoined == text
    for chunk in shown:
        assert all(p in paragraphs for p in chunk.split("\n\n"))


def test_one_huge_paragraph_is_cut_between_words_never_inside_an_entity() -> None:
    text = ("특구 & <지원> " * 700).strip()  # ~ 7,000 characters, one paragraph, no newline
    chunks = render_message(Notice(text))
    assert len(chunks) == 2
    shown = [visible(chunk) for chunk in chunks]
    assert all(units(s) <= LIMIT for s in shown)
    assert " ".join(shown) == text  # cut at a space; the space is dropped, nothing else
    for chunk in chunks:
        assert not re.search(r"&[a-z]*$", chunk)


def test_emoji_count_as_two_units() -> None:
    text = "🚀" * 3000  # 6,000 UTF-16 units
    chunks = render_message(Notice(text))
    assert [units(visible(c)) for c in chunks] == [4096, 1904]


def test_long_digest_is_split_between_entries_and_keeps_links() -> None:
    entries = tuple(
        DigestEntry(
            story_id=i,
            headline=f"반도체 소식 {i} <&>",
            url=f"https://www.korea.kr/news/{i}",
            agencies=("과기정통부",),
            published_at=PUBLISHED,
            contacts=(Contact(department="반도체과", phone="044-202-0000"),),
            source_count=2,
        )
        for i in range(120)
    )
    digest = DailyDigest(
        date(2026, 4, 11), "Asia/Seoul", (DigestSection("반도체", entries),), omitted=7
    )
    chunks = render_message(digest)
    assert len(chunks) >= 2
    links = [link for chunk in chunks for link in parse(chunk).links]
    assert links == [f"https://www.korea.kr/news/{i}" for i in range(120)]
    assert chunks[0].startswith("<b>📰 4월 11일 정책 브리핑</b>")
    assert "<b>[반도체]</b>" in chunks[0]
    assert "과기정통부 · 4월 11일 08:30 KST · 출처 2곳" in chunks[0]  # the digest's year
    assert chunks[-1].endswith("외 7건")
    assert all(units(visible(c)) <= LIMIT for c in chunks)


def test_empty_digest_says_so() -> None:
    [text] = render_message(DailyDigest(date(2026, 4, 11), "Asia/Seoul", ()))
    assert "새 소식이 없어요" in text


def test_reply_is_escaped_and_one_message() -> None:
    reply = Reply(text="‘<b>’는 알 수 없는 주제입니다.\n\n" + "가" * 5000)
    text = render_reply(reply)
    assert text.startswith("‘&lt;b&gt;’는")
    assert units(visible(text)) <= LIMIT


def test_search_page_marks_matches_after_escaping() -> None:
    hit = SearchHit(
        story_id=9,
        headline="양자 <기술> 로드맵",
        agency="과기정통부",
        published_at=PUBLISHED,
        snippet=(("국가 ", False), ("양자", True), (" 전략 & 투자", False)),
        url="https://www.msit.go.kr/9",
    )
    page = SearchPage(query="양자", hits=(hit,), offset=5, has_more=True)
    text = render_reply(Reply(text="검색 결과", search=page))
    assert "‘양자’ 검색 결과 6–6" in text
    assert '6. <a href="https://www.msit.go.kr/9"><b>양자 &lt;기술&gt; 로드맵</b></a>' in text
    assert "국가 <b>양자</b> 전략 &amp; 투자" in text
    parse(text)
    empty = render_reply(Reply(text="", search=SearchPage("없음", (), 0, False)))
    assert "검색 결과가 없어요" in empty


@pytest.mark.parametrize("limit", [50, 200, 1000])
def test_any_limit_is_respected(limit: int) -> None:
    alert = Alert(4, summary(), "src " * 40, PUBLISHED, "https://x.example/")
    for chunk in render_message(alert, limit=limit):
        assert units(visible(chunk)) <= limit
