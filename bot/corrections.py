"""Corrections, pure: when an edited release is a correction, and the notice chats get.

A source re-publishing a release under the same identity with new text is an edit: the story
is quietly brought up to date (bot/store/revisions.py). Only when the new title says so —
정정 or 수정 written as a marker (``[정정]``, ``(수정)``, ``정정:`` at the start, ``수정 배포``,
``정정보도``), which the old title did not carry — is it a correction the chats already
alerted should hear about, once, in a short notice. ``수정`` inside a phrase (``수정안``,
``수정 의결``) is a word of the release, not a marker.
"""

from __future__ import annotations

import re

from bot.messages import Notice

_WORD = r"(?:정정|수정)"
_OPEN, _CLOSE = r"[\[(<〈《【［（「『{]", r"[\])>〉》】］）」』}]"
_MARKER = re.compile(
    # [정정], (수정 배포)
    rf"{_OPEN}\s*{_WORD}[^\[\]()<>〈〉《》【】［］（）「」『』{{}}]{{0,8}}{_CLOSE}"
    rf"|^\s*{_WORD}\s*[:：)\]\-·|]"  # 정정: …, 수정) …
    rf"|{_WORD}\s*(?:보도자료|보도|배포|자료|본|공지|알림)(?![가-힣])"  # 정정보도, 수정 배포
)


def correction_marker(title: str) -> bool:
    """Whether ``title`` carries a 정정/수정 marker."""
    return bool(_MARKER.search(title))


def is_correction(old_title: str, new_title: str) -> bool:
    """An edit is announced as a correction when its new title carries a 정정/수정 marker
    the old one did not (a release first published as ``[정정] …`` was alerted as such)."""
    return correction_marker(new_title) and not correction_marker(old_title)


def correction_notice(title: str, url: str) -> Notice:
    """The one short message a chat gets about a correction (Korean, like every alert)."""
    lines = [
        f"정정 알림: {title.strip()}",
        "앞서 알린 보도자료가 정정되었습니다. 바뀐 내용으로 요약과 문의처를 고쳤습니다.",
    ]
    if url:
        lines.append(url)
    return Notice("\n".join(lines))
