"""The title of a release: tag and edition prefixes, and which heading reads like a title."""

from __future__ import annotations

import re

from bot.agencies import resolve_agency
from bot.documents.markup import SPACES

FIELD = re.compile(r"^\s*([^:：|/]{1,12}?)\s*[:：]\s*(.+?)\s*$")  # ``보도시점: …``
_TAG_PREFIX = re.compile(
    r"^\s*[\[(<【]\s*(보도\s*참고\s*자료|보도\s*자료|참고\s*자료|참고|설명\s*자료|설명|해명\s*자료|"
    r"해명|보도\s*해명|정정|알림|사진|사전\s*배포|보도\s*설명)\s*[\])>】]\s*"
)
# Date/edition prefixes: [4.14.화.조간], [4월 14일(화) 석간], (4.14) …
_EDITION_PREFIX = re.compile(
    r"^\s*[\[(【]\s*(?=[^\])】]*(?:\d|조간|석간|즉시|엠바고|온라인))"
    r"[0-9.\s월일()/~·,:화수목금토일월요조간석간즉시보도엠바고온라인시분오전후-]{1,30}[\])】]\s*"
)
_TAG_ONLY = re.compile(
    r"^[\s\[(<]*([가-힣]{1,4}\s*)?(보\s*도\s*(참\s*고\s*)?자\s*료|참\s*고\s*자\s*료|설\s*명\s*자\s*료|"
    r"해\s*명\s*자\s*료)[\s\])>]*$"
)
# An attachment's or appendix's heading (붙임 1, [참고 2], 별첨): never the release's title.
_ATTACHMENT_HEAD = re.compile(r"^[\s\[(<【]*(붙\s*임|별\s*첨|별\s*지|참\s*고\s*\d)")


def split_title(title: str) -> tuple[str, str]:
    """(tag, headline): ``[4.14.화.조간]`` prefixes dropped, ``[보도참고자료]`` kept as a tag."""
    title = SPACES.sub(" ", title).strip().lstrip("#").strip()
    tag = ""
    for _ in range(3):
        if m := _EDITION_PREFIX.match(title):
            title = title[m.end() :]
            continue
        if (m := _TAG_PREFIX.match(title)) and not tag:
            tag = re.sub(r"\s+", "", m.group(1))
            title = title[m.end() :]
            continue
        break
    return tag, title.strip()


def title_like(line: str) -> bool:
    """A line that can be the title: words, not a field, a tag, figures or site chrome."""
    line = split_title(line.strip())[1]  # [보도참고자료], [4.14.화.조간] are not the title
    if _TAG_ONLY.match(line) or FIELD.match(line) or _ATTACHMENT_HEAD.match(line):
        return False  # a field, a tag or an attachment's heading, not a title
    # a title starts with a word, a quote or a year (2026년, ’26년) — not a bullet, a bracket
    # note (【관련 국정과제】), a table fragment (△37.9%) …) or a number
    if not re.match(r"^(?:[가-힣A-Za-z‘’'\"“「『]|\d{2,4}\s*년|\d{1,2}\s*월)", line):
        return False
    digits = len(re.findall(r"\d", line))
    if digits > 0.4 * len(line) or re.search(r"[*※]|\s{2,}|(?:[가-힣] ){4,}", line):
        return False  # figures, footnote marks or letter-spaced conversion text
    if re.search(r"보도\s*시점|배\s*포|보\s*도\s*일\s*시|다\.$", line):
        return False
    return (
        6 <= len(line) <= 120
        and len(re.findall(r"[가-힣]", line)) >= 6
        and bool(re.search(r"[가-힣]", line))
        and not re.search(r"바로가기|누리집|영역$|메뉴|^SOURCE:|^Last Updated|로그인", line)
        and resolve_agency(line) is None
    )


def _bigrams(text: str) -> set[str]:
    s = re.sub(r"[^0-9A-Za-z가-힣]", "", text)
    return {s[i : i + 2] for i in range(len(s) - 1)}


def same_title(a: str, b: str) -> bool:
    """Two spellings of one title (most character bigrams shared)."""
    ga, gb = _bigrams(a), _bigrams(b)
    return bool(ga and gb) and len(ga & gb) >= 0.7 * min(len(ga), len(gb))
