"""Times of day and time zones as people write them (``오전 7시 30분``, ``7pm``, ``도쿄``) and
as the bot says them back. Pure: words in, values out; the catalog gives the words out."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import available_timezones

from bot.digest import zone
from bot.locales import date_values, t

_CLOCK = re.compile(
    r"(?P<before>오전|오후|아침|낮|저녁|밤|새벽|am|pm)?"
    r"(?P<hour>\d{1,2})"
    r"(?::(?P<minute>\d{2})|(?P<packed>\d{2})|시(?:(?P<min_ko>\d{1,2})분|(?P<half>반))?)?"
    r"(?P<after>am|pm|a\.m\.|p\.m\.)?"
)
_NAMED_TIMES = {"정오": (12, 0), "noon": (12, 0), "자정": (0, 0), "midnight": (0, 0)}
_ZONE_ALIASES = {
    "kst": "Asia/Seoul",
    "서울": "Asia/Seoul",
    "한국": "Asia/Seoul",
    "한국시간": "Asia/Seoul",
    "seoul": "Asia/Seoul",
    "korea": "Asia/Seoul",
    "utc": "UTC",
    "gmt": "UTC",
    "jst": "Asia/Tokyo",
    "도쿄": "Asia/Tokyo",
    "일본": "Asia/Tokyo",
    "일본시간": "Asia/Tokyo",
    "tokyo": "Asia/Tokyo",
}
_PM_WORDS = ("오후", "저녁", "밤", "pm", "p.m.")


class TimeSetting(NamedTuple):
    """What /time asks for: (hour, minute) on a 24-hour clock, and a zone when one was named."""

    clock: tuple[int, int]
    zone: str | None


class TimeProblem(StrEnum):
    """Why /time's words are no time (the value is the catalog key of the answer)."""

    BAD_ZONE = "time.bad_zone"
    USAGE = "time.usage"


def parse_clock(text: str) -> tuple[int, int] | None:
    """``오전 7시``, ``7시 30분``, ``오후 6시 반``, ``07시``, ``7:30``, ``0730``, ``7pm``,
    ``정오`` → (hour, minute) on a 24-hour clock; None when it is not a time of day."""
    compact = "".join(text.lower().split())
    if compact in _NAMED_TIMES:
        return _NAMED_TIMES[compact]
    m = _CLOCK.fullmatch(compact)
    if m is None or (m.group("before") and m.group("after")):
        return None
    hour = int(m.group("hour"))
    minute_text = m.group("minute") or m.group("packed") or m.group("min_ko")
    minute = 30 if m.group("half") else int(minute_text or 0)
    if minute > 59:
        return None
    marker = m.group("before") or m.group("after")
    if marker is None:
        if "시" not in compact and ":" not in compact and m.group("packed") is None:
            return None  # a bare number is no time
        return (hour, minute) if hour <= 23 else None
    if not 1 <= hour <= 12:
        return None
    if marker == "낮":  # 낮 12시 is noon, 낮 2시 is 14:00
        return (hour + 12 if hour < 7 else hour, minute)
    if marker in _PM_WORDS:
        if marker == "밤" and hour == 12:
            return (0, minute)
        return (hour % 12 + 12, minute)
    return (hour % 12, minute)  # 오전 12시 is midnight


def parse_zone(word: str) -> str | None:
    """A time zone as people name it (``KST``, ``도쿄``, ``asia/tokyo``) → IANA name, or None."""
    key = "".join(word.split())
    if key.lower() in _ZONE_ALIASES:
        return _ZONE_ALIASES[key.lower()]
    if key in _zones():
        return key
    by_lower = {z.lower(): z for z in _zones()}
    return by_lower.get(key.lower())


def parse_time_args(args: tuple[str, ...]) -> TimeSetting | TimeProblem:
    """The clock and zone in /time's words — the zone, if any, is the last one or two words
    (``KST``, ``Asia/Tokyo``, ``한국 시간``); the problem when they are no time."""
    words = [w.strip("()") for w in args]
    clock = parse_clock(" ".join(words))
    if clock is not None:
        return TimeSetting(clock, None)
    for size in (1, 2):
        if len(words) <= size:
            break
        clock = parse_clock(" ".join(words[:-size]))
        if clock is None:
            continue
        named = parse_zone("".join(words[-size:]))
        if named is not None:
            return TimeSetting(clock, named)
        if size == 1 and parse_zone("".join(words[-2:])) is None:
            return TimeProblem.BAD_ZONE
    return TimeProblem.USAGE


def clock_words(lang: str, hhmm: str) -> str:
    """``07:30`` → ``오전 7시 30분`` (``7:30 AM``); 00:00 자정, 12:00 정오."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    if minute == 0 and hour in (0, 12):
        return t(lang, "clock.midnight" if hour == 0 else "clock.noon")
    meridiem = t(lang, "clock.am" if hour < 12 else "clock.pm")
    shown_hour = (hour % 12 or 12) if lang == "en" else (hour if hour <= 12 else hour - 12)
    key = "clock.hour_minute" if minute else "clock.hour"
    return t(lang, key, meridiem=meridiem, hour=shown_hour, minute=minute)


def zone_words(lang: str, name: str) -> str:
    try:
        return t(lang, f"zone.{name}")
    except KeyError:
        return name


def at_words(lang: str, hhmm: str, timezone: str) -> str:
    """``오전 7시 30분(한국 시간)``: a chat's digest time in its zone."""
    return t(lang, "time.at", when=clock_words(lang, hhmm), zone=zone_words(lang, timezone))


def date_words(lang: str, when: datetime, now: datetime, timezone: str) -> str:
    """``4월 12일(일) 오전 7시 30분``; the year is added when it is not this year."""
    tz = zone(timezone)
    local = when.astimezone(tz)
    key = "date.day" if local.year == now.astimezone(tz).year else "date.day_year"
    day = t(lang, key, **date_values(lang, local))
    return f"{day} {clock_words(lang, f'{local:%H:%M}')}"


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES
