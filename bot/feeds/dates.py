"""Feed dates: RFC 822, ISO 8601, dotted and Korean forms; a time without a zone is KST."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any

from bot.clock import KST

_KOREAN_DATE = re.compile(
    r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일"
    r"(?:\s*\(?\s*[월화수목금토일]\s*\)?\s*(?:요일)?)?"
    r"(?:\s*(오전|오후)?\s*(\d{1,2})\s*[:시]\s*(\d{1,2})?\s*분?(?::(\d{2}))?)?"
)
# Java's Date.toString(): ``Wed Jul 08 15:00:00 KST 2026`` (the zone before the year).
_JAVA_DATE = re.compile(
    r"^(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"\s+([A-Za-z]{2,5}|[+-]\d{4})\s+(\d{4})$"
)
_MONTHS = {m: n for n, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
)}  # fmt: skip
# Zone names a Korean server writes; any other name is not trusted and read as Korean time.
_ZONES = {"kst": KST, "utc": UTC, "gmt": UTC, "z": UTC}
_DOTTED_DATE = re.compile(
    r"^(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})\.?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*$"
)


def parse_date(raw: str) -> datetime | None:
    """RFC 822, ISO 8601 (``+0900`` too), ``YYYY.MM.DD``, ``2026-08-12 09:41:11.0``,
    ``Wed Jul 08 15:00:00 KST 2026``, ``2020년 01월 22일 (수)요일 06:00``; no zone → KST."""
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
        if m := _JAVA_DATE.match(value):
            return _java_date(m)
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


def _java_date(m: re.Match[str]) -> datetime | None:
    month_name, day, hh, mi, ss, zone, year = m.groups()
    month = _MONTHS.get(month_name.lower())
    if month is None:
        return None
    if zone[0] in "+-":
        sign = 1 if zone[0] == "+" else -1
        tz: tzinfo = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])))
    else:
        tz = _ZONES.get(zone.lower(), KST)
    when = datetime(int(year), month, int(day), int(hh), int(mi), int(ss or 0), tzinfo=tz)
    return when.astimezone(UTC)


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
