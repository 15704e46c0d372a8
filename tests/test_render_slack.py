"""Block Kit rendering with plain values, including hostile feed text."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

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
from bot.render.slack import (
    BLOCK_LIMIT,
    SECTION_LIMIT,
    escape,
    link,
    render,
    render_reply,
    safe_url,
)
from bot.types import Contact, Labeled, Summary
from tests.slack_api import _invalid_blocks

WHEN = datetime(2026, 4, 10, 23, 30, tzinfo=UTC)  # 4월 11일 08:30 KST
HOSTILE = "<!channel> @here 긴급 <https://evil.example|클릭> & <@U123> <!subteam^S1>"


def _summary(**kw: object) -> Summary:
    base: dict[str, object] = {
        "headline": "중기부, 딥테크 스타트업 1,000억원 지원",
        "bullets": ["중소벤처기업부는 딥테크 스타트업을 지원한다.", "신청은 5월 8일까지 받는다."],
        "key_dates": [Labeled(label="신청 기간", value="4월 13일~5월 8일")],
        "amounts": [Labeled(label="예산", value="1,000억원")],
        "contacts": [
            Contact(
                organization="중소벤처기업부",
                department="기술창업과",
                name="홍길동",
                role="사무관",
                phone="044-204-7772",
            )
        ],
    }
    base.update(kw)
    return Summary.model_validate(base)


def _alert(**kw: object) -> Alert:
    return Alert(
        story_id=1,
        summary=_summary(**kw),
        source="중기부 보도자료",
        published_at=WHEN,
        url="https://www.mss.go.kr/site/smba/ex/bbs/View.do?cbIdx=86&bcIdx=1",
    )


def _all_mrkdwn(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_alert_has_header_bullets_context_and_button() -> None:
    [msg] = render(_alert())
    kinds = [b["type"] for b in msg.blocks]
    assert kinds == ["header", "section", "context", "actions"]
    assert msg.blocks[0]["text"]["text"] == "중기부, 딥테크 스타트업 1,000억원 지원"
    section = msg.blocks[1]["text"]["text"]
    assert "• 중소벤처기업부는 딥테크 스타트업을 지원한다." in section
    assert "*신청 기간*: 4월 13일~5월 8일" in section and "*예산*: 1,000억원" in section
    context = " ".join(e["text"] for e in msg.blocks[2]["elements"])
    assert "출처: 중기부 보도자료" in context
    assert "4월 11일 08:30 KST" in context
    assert "문의처: 중소벤처기업부 기술창업과 사무관 홍길동 044-204-7772" in context  # one order
    button = msg.blocks[3]["elements"][0]
    assert button["url"].endswith("cbIdx=86&bcIdx=1") and button["text"]["text"] == "원문 보기"
    assert msg.text.startswith("[속보] 중기부, 딥테크")
    assert _invalid_blocks(msg.blocks) is None


def test_hostile_feed_text_cannot_mention_or_link() -> None:
    alert = _alert(
        headline="<!channel> 공지 @everyone",
        bullets=[HOSTILE, "a > b & c < d"],
        contacts=[Contact(name="<!here>", phone="<tel:1|x>")],
    )
    alert = Alert(
        alert.story_id, alert.summary, "<!everyone>출처", alert.published_at, "javascript:alert(1)"
    )
    [msg] = render(alert)
    dumped = _all_mrkdwn(msg.blocks) + msg.text
    for bad in (
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U123>",
        "<https://evil",
        "<!subteam",
        "<tel:",
    ):
        assert bad not in dumped
    assert "@channel" not in dumped.replace("@\u2060channel", "")
    assert "@here" not in dumped.replace("@\u2060here", "")
    assert "&lt;!channel&gt;" in dumped and "a &gt; b &amp; c &lt; d" in dumped
    assert all(b["type"] != "actions" for b in msg.blocks)  # javascript: URL gets no button


def test_escape_and_links() -> None:
    assert escape("A&B <b>") == "A&amp;B &lt;b&gt;"
    assert escape("x\x00y\u202e") == "xy"
    assert (
        link("https://a.kr/x?a=1&b=2", "제목 <굵게>|")
        == "<https://a.kr/x?a=1&amp;b=2|제목 &lt;굵게&gt;|>"
    )
    assert link("https://a.kr/x|<!channel>", "t") == "t"
    assert safe_url("ftp://a.kr/") is None and safe_url("https://a.kr/ok") == "https://a.kr/ok"


def _entry(i: int, headline: str = "") -> DigestEntry:
    return DigestEntry(
        story_id=i,
        headline=headline or f"정책 소식 {i}번: 반도체 특구 지정과 지원 확대 계획 발표",
        url=f"https://www.korea.kr/briefing/pressReleaseView.do?newsId={i}&call_from=rsslink",
        agencies=("과기정통부",),
        published_at=WHEN,
        contacts=(Contact(department="반도체과", name=f"담당{i}", phone="044-202-0000"),),
        source_count=1 + i % 2,
    )


def test_digest_groups_by_topic_with_links_and_omitted() -> None:
    digest = DailyDigest(
        day=date(2026, 4, 11),
        timezone="Asia/Seoul",
        sections=(
            DigestSection("반도체", (_entry(1), _entry(2))),
            DigestSection("AI", (_entry(3),)),
        ),
        omitted=4,
    )
    [msg] = render(digest)
    assert msg.blocks[0]["text"]["text"] == "오늘의 정책 속보 — 4월 11일 (토)"
    body = _all_mrkdwn(msg.blocks)
    assert "*반도체* (2건)" in body and "*AI* (1건)" in body
    assert (
        "<https://www.korea.kr/briefing/pressReleaseView.do?newsId=1&amp;call_from=rsslink|" in body
    )
    assert "문의처: 반도체과 담당1 044-202-0000" in body
    assert "외 4건" in body and "출처 2곳" in body
    assert "7건" in msg.text
    assert _invalid_blocks(msg.blocks) is None


def test_long_digest_keeps_limits_and_continues_in_thread() -> None:
    sections = tuple(
        DigestSection(f"주제{t}", tuple(_entry(t * 100 + i, "가" * 60) for i in range(40)))
        for t in range(20)
    )
    messages = render(DailyDigest(date(2026, 4, 11), "Asia/Seoul", sections))
    assert len(messages) >= 2
    assert "(이어서)" in messages[1].text
    total = 0
    for msg in messages:
        assert len(msg.blocks) <= BLOCK_LIMIT
        assert _invalid_blocks(msg.blocks) is None
        for block in msg.blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= SECTION_LIMIT
        total += _all_mrkdwn(msg.blocks).count("반도체과 담당")
    assert total == 800  # every entry rendered exactly once across the messages


def test_huge_bullet_is_cut_under_section_limit() -> None:
    notice = Notice("긴 공지 " + "가" * 10_000)
    [msg] = render(notice)
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in msg.blocks)
    assert len(msg.text) <= 3000


def test_empty_digest_says_so() -> None:
    [msg] = render(DailyDigest(date(2026, 4, 11), "Asia/Seoul", ()))
    assert "새 소식이 없어요" in _all_mrkdwn(msg.blocks)


def test_reply_with_search_marks_matches_after_escaping() -> None:
    page = SearchPage(
        query="딥테크<",
        hits=(
            SearchHit(
                story_id=1,
                headline="딥테크 <b>지원</b>",
                agency="중기부",
                published_at=WHEN,
                snippet=(("올해 ", False), ("딥테크", True), ("를 <!here> 지원", False)),
                url="https://www.mss.go.kr/a?b=1",
            ),
        ),
        offset=0,
        has_more=True,
    )
    msg = render_reply(Reply(text="검색 결과입니다 <!channel>", search=page))
    body = _all_mrkdwn(msg.blocks)
    assert "*딥테크*" in body and "&lt;!here&gt;" in body and "<!here>" not in body
    assert "‘딥테크&lt;’" in body and "결과가 더 있어요" in body
    assert msg.text == "검색 결과입니다 &lt;!channel&gt;"
    assert _invalid_blocks(msg.blocks) is None
