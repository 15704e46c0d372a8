"""Feed dates: RFC 822, ISO 8601, dotted and Korean forms; a time without a zone is KST."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from bot.clock import KST

_KOREAN_DATE = re.compile(
    r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일"
    r"(?:\s*\(?\s*[월화수목금토일]\s*\)?\s*(?:요일)?)?"
    r"(?:\s*(오전|오후)?\s*(\d{1,2})\s*[:시]\s*(\d{1,2})?\s*분?(?::(\d{2}))?)?"
)
_DOTTED_DATE = re.compile(
    r"^(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})\.?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*$"
)


def parse_date(raw: str) -> datetime | None:
    """RFC 822, ISO 8601, ``YYYY.MM.DD``, ``2020년 01월 22일 (수)요일 06:00``; no zone → KST."""
    value = " ".join(raw.split())
    if not value:
        return None
    try:
        if m := _KOREAN_DATE.search(value):
            year, month, day, ampm, hour, minute, second = m.groups()
            h = int(hour or 0)
            if ampm == "오후" and h < 12:
                h += 12
            if ampm == "오전" and h == 12:
                h = 0
            return datetime(
                int(year), int(month), int(day), h, int(minute or 0), int(second or 0), tzinfo=KST
            ).astimezone(UTC)
        if m := _DOTTED_DATE.match(value):
            y, mo, d, hh, mi, ss = m.groups()
            return datetime(
                int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), tzinfo=KST
            ).astimezone(UTC)
    except ValueError:
        return None
    for parse in (_rfc822, _iso8601):
        try:
            when = parse(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=KST)
            return when.astimezone(UTC)
    return None


def _rfc822(value: str) -> datetime | None:
    return parsedate_to_datetime(value)


def _iso8601(value: str) -> datetime | None:
    return datetime.fromisoformat(value.replace("z", "Z"))


def first_date(node: Mapping[str, Any]) -> datetime | None:
    """The first date of a feed entry or channel that reads, as feedparser gives it."""
    for key in ("published", "updated", "created", "dc_date", "date", "pubdate"):
        raw = node.get(key)
        if raw and (when := parse_date(str(raw))):
            return when
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = node.get(key)
        if parsed:
            year, month, day, hour, minute, second = parsed[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None
