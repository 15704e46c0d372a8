"""A daily digest too long for one chat message, for the tests of multi-part replies."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.messages import DailyDigest, DigestEntry, DigestSection
from bot.types import Contact


def long_digest(*, topics: int, per_topic: int) -> DailyDigest:
    """``topics`` sections of ``per_topic`` entries, each with a long headline and a contact.

    One topic of 40 entries is over Telegram's 4,096 units; 30 topics are over Slack's 50
    blocks (a divider and a section each)."""
    entries = tuple(
        DigestEntry(
            story_id=i,
            headline=f"{i}번 소식: " + "반도체 특구 지정과 지원 확대 계획 " * 4,
            url=f"https://www.korea.kr/news/{i}",
            agencies=("과학기술정보통신부",),
            published_at=datetime(2026, 4, 10, 23, 0, tzinfo=UTC),
            contacts=(
                Contact("과학기술정보통신부", "반도체과", "사무관", f"담당{i}", "044-202-0000"),
            ),
        )
        for i in range(per_topic)
    )
    sections = tuple(DigestSection(f"주제{n}", entries) for n in range(topics))
    return DailyDigest(date(2026, 4, 11), "Asia/Seoul", sections)
