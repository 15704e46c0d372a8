"""What every renderer shows alike (bot/render/common.py): times, contacts, links. Plain values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.messages import Alert, DailyDigest, DigestEntry, DigestSection
from bot.render import slack, telegram, text
from bot.render.common import (
    contact_overview,
    contact_text,
    first_contact,
    full_stamp,
    safe_url,
    stamp,
)
from bot.types import Contact, Summary
from bot.web.atom import _link

MORNING = datetime(2026, 4, 10, 23, 30, tzinfo=UTC)  # 2026-04-11 08:30 KST
NEW_YEAR = datetime(2025, 12, 31, 15, 5, tzinfo=UTC)  # 2026-01-01 00:05 KST


@pytest.mark.parametrize(
    ("moment", "year", "lang", "expected"),
    [
        (MORNING, 2026, "ko", "4월 11일 08:30 KST"),
        (MORNING, 2027, "ko", "2026년 4월 11일 08:30 KST"),
        (MORNING, None, "ko", "2026년 4월 11일 08:30 KST"),  # no reference: say the year
        (NEW_YEAR, 2026, "ko", "1월 1일 00:05 KST"),  # the year is KST's, not UTC's
        (NEW_YEAR, 2025, "ko", "2026년 1월 1일 00:05 KST"),
        (MORNING, 2026, "en", "Apr 11 08:30 KST"),
        (MORNING, None, "en", "Apr 11, 2026 08:30 KST"),
    ],
)
def test_stamp(moment: datetime, year: int | None, lang: str, expected: str) -> None:
    assert stamp(moment, year, lang) == expected


def test_full_stamp() -> None:
    assert full_stamp(MORNING) == "2026-04-11 (토) 08:30 KST"
    assert full_stamp(MORNING, "en") == "2026-04-11 (Sat) 08:30 KST"


@pytest.mark.parametrize(
    ("contact", "expected"),
    [
        (
            Contact("과학기술정보통신부", "반도체과", "책임자 과장", "홍길동", "044-202-4745"),
            "과학기술정보통신부 반도체과 책임자 과장 홍길동 044-202-4745",
        ),
        (Contact(department="기술창업과", phone="044-204-7722"), "기술창업과 044-204-7722"),
        (Contact(name=" 김 곤 ", role="  "), "김 곤"),
        (Contact(phone="044-1"), "044-1"),
        (Contact(), ""),
    ],
)
def test_contact_text_has_one_field_order(contact: Contact, expected: str) -> None:
    assert contact_text(contact) == expected


PEOPLE = (
    Contact(department="반도체과", role="담당자 사무관", name="김철수", phone="044-1"),
    Contact(department="반도체과", role="책임자 과장", name="홍길동", phone="044-2"),
    Contact(department="반도체과", role="주무관", name="이영희", phone="044-3"),
    Contact(department="반도체과", role="주무관", name="박민수", phone="044-4"),
)


def test_overview_shows_the_responsible_and_the_first_officer_then_how_many_more() -> None:
    shown, more = contact_overview(PEOPLE)
    assert shown == ["반도체과 책임자 과장 홍길동 044-2", "반도체과 담당자 사무관 김철수 044-1"]
    assert more == "외 2명"
    assert contact_overview(PEOPLE, "en")[1] == "and 2 more"
    assert contact_overview(PEOPLE[:2]) == (shown, "")
    assert contact_overview(()) == ([], "")
    assert first_contact((Contact(), *PEOPLE)) == "반도체과 담당자 사무관 김철수 044-1"


def test_every_renderer_writes_a_contact_and_a_time_the_same_way() -> None:
    entry = DigestEntry(
        1, "반도체 특구", "https://a.kr/1", ("과기정통부",), MORNING, (PEOPLE[1],), 1
    )
    digest = DailyDigest(date(2026, 4, 11), "Asia/Seoul", (DigestSection("반도체", (entry,)),))
    rendered = {
        "text": text.render_digest(digest),
        "telegram": "".join(telegram.render_message(digest)),
        "slack": str([m.blocks for m in slack.render_digest(digest)]),
    }
    for name, out in rendered.items():
        assert "반도체과 책임자 과장 홍길동 044-2" in out, name
        assert "4월 11일 08:30 KST" in out and "2026년 4월 11일 08:30" not in out, name


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.korea.kr/x?a=1&b=2", "https://www.korea.kr/x?a=1&b=2"),
        ("  http://A.kr/ ", "http://A.kr/"),
        ("https://a.kr/보도 자료.hwp", "https://a.kr/보도%20자료.hwp"),  # a space, as browsers do
        ("HTTPS://a.kr/x", "HTTPS://a.kr/x"),
        ("javascript:alert(1)", None),
        ("data:text/html,<b>x</b>", None),
        ("ftp://a.kr/", None),
        ("https:///nohost", None),
        ("//a.kr/x", None),
        ('https://a.example/"><b>x', None),  # would close an HTML attribute
        ("https://a.kr/x|<!channel>", None),  # would end a Slack link
        ("https://a.kr/x'y", None),
        ("https://a.kr/\nx", None),
        ("https://a.kr/\u202egnp.exe", None),  # bidi override
        ("https://a.kr/" + "a" * 3000, None),
        ("", None),
    ],
)
def test_one_url_rule(url: str, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_every_surface_links_only_what_the_rule_allows() -> None:
    hostile = "javascript:alert(1)"
    assert _link(hostile, "원문") == "원문"  # Atom: the label, no link
    assert _link("https://a.kr/1", "원문") == '<a href="https://a.kr/1">원문</a>'
    assert slack.link(hostile, "제목") == "제목"
    entry = DigestEntry(1, "제목", hostile, (), MORNING, (), 1)
    digest = DailyDigest(date(2026, 4, 11), "Asia/Seoul", (DigestSection("AI", (entry,)),))
    assert "href" not in "".join(telegram.render_message(digest))


@pytest.mark.parametrize(
    ("age", "fresh"),
    [
        (None, True),  # a live alert (no clock given)
        (timedelta(hours=3), True),
        (timedelta(days=2), True),
        (timedelta(days=2, minutes=1), False),
        (timedelta(days=240), False),  # an old release found late
    ],
)
def test_every_renderer_marks_only_a_fresh_release_as_news(
    age: timedelta | None, fresh: bool
) -> None:
    summary = Summary(headline="중기부, 딥테크 스타트업 지원", bullets=["지원한다."])
    alert = Alert(1, summary, "중기부 보도자료", MORNING, "https://www.mss.go.kr/a")
    now = None if age is None else MORNING + age
    console = text.render_alert(alert, now=now)
    [message] = slack.render(alert, now=now)
    assert console.startswith("[속보] 중기부") is fresh
    assert message.text.startswith("[속보] 중기부") is fresh  # the notification Slack shows
    assert message.text.startswith("중기부") is not fresh


def test_why_grouped_takes_the_particle_the_number_is_read_with() -> None:
    """#1 is read 일 (과), #2 이 (와), #10 십 (과): the particle follows the reading."""
    from bot.render.common import why_grouped

    assert why_grouped("near", 1, 0.2, {}).startswith("기사 #1과 내용이 비슷함")
    assert why_grouped("near", 2, 0.2, {}).startswith("기사 #2와 내용이 비슷함")
    assert why_grouped("near", 10, 0.2, {}).startswith("기사 #10과 내용이 비슷함")
