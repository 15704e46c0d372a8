"""When an edit is a correction: 정정/수정 as a marker in the new title (bot/corrections.py)."""

from __future__ import annotations

import pytest

from bot.corrections import correction_marker, correction_notice, is_correction


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("중기부 추경 확정", "[정정] 중기부 추경 확정", True),
        ("중기부 추경 확정", "중기부 추경 확정(수정)", True),
        ("중기부 추경 확정", "정정: 중기부 추경 확정", True),
        ("중기부 추경 확정", "중기부 추경 확정 수정 배포", True),
        ("중기부 추경 확정", "중기부 추경 확정 〈정정보도〉", True),
        ("[정정] 중기부 추경 확정", "[정정] 중기부 추경 확정", False),  # alerted as 정정 already
        ("국회 예산안 처리", "국회 예산 수정안 처리", False),  # 수정안 is a word of the release
        ("법안 의결", "법안 수정 의결", False),
        ("중기부 추경 확정", "중기부 추경 1조 7,000억원 확정", False),  # an edit, not announced
    ],
)
def test_a_correction_is_said_in_the_title(old: str, new: str, expected: bool) -> None:
    assert is_correction(old, new) is expected


def test_the_marker_is_structure_not_a_list_of_titles() -> None:
    for title in ("【정정】 제목", "제목 [수정본]", "수정) 제목", "제목（정정）"):
        assert correction_marker(title), title
    for title in ("정정당당한 경쟁", "수정 구슬", "수정된 계획 발표"):
        assert not correction_marker(title), title


def test_the_notice_is_short_and_links_the_release() -> None:
    notice = correction_notice("[정정] 중기부 추경 확정", "https://www.korea.kr/x?newsId=1")
    lines = notice.text.split("\n")
    assert lines[0] == "정정 알림: [정정] 중기부 추경 확정" and lines[-1].startswith("https://")
    assert len(lines) == 3
