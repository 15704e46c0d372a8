"""Daily digests, purely: when a chat's digest is due, and what goes in it.

Ranking (highest first), a sum of three parts:

- agency weight: 2 when the story names an agency the chat follows, 1 for the agencies
  this bot is mainly for (과기정통부, 중기부), 0.5 for any other known agency, 0 for none;
- sources: 0.5 per additional feed that carried the story (at most 2);
- recency: 1 for a story first seen just now, falling linearly to 0 at 48 hours.

The best ``max_items`` stories are kept, grouped by topic (the first of the story's topics
the chat follows, else its first topic); sections are ordered by their best story. The rest
are counted as "외 N건".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.matching import Rules, StoryFacts, matches
from bot.messages import DailyDigest, DigestEntry, DigestSection
from bot.topics import OTHER

FOCUS_AGENCIES = frozenset({"과기정통부", "중기부"})
RECENCY_HOURS = 48.0
MAX_CONTACTS = 2


@dataclass(frozen=True, slots=True)
class DigestCandidate:
    """A summarized story that may go into digests: the entry a digest shows of it, and what
    matching (``facts``) and ranking (``topics``, ``first_seen_at``) read besides."""

    entry: DigestEntry
    facts: StoryFacts
    topics: tuple[str, ...]
    first_seen_at: datetime

    @property
    def story_id(self) -> int:
        return self.entry.story_id


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; Asia/Seoul for an unknown name (the store only keeps valid ones)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Seoul")


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def digest_day(now: datetime, timezone: str) -> date:
    """The chat's local date at ``now``: the day a digest sent now belongs to."""
    return now.astimezone(zone(timezone)).date()


def digest_due(
    *,
    now: datetime,
    daily_time: str,
    timezone: str,
    last_digest_at: datetime | None,
    schedule_changed_at: datetime | None = None,
) -> bool:
    """Whether a chat's digest should go out now: its local time has passed today's digest time
    and no digest went out on this local date yet (a bot that was down catches up the same day).

    A slot that was already past when the chat chose its schedule is not owed: ``/time 07:30``
    sent at 09:00 means tomorrow at 07:30, not now.
    """
    tz = zone(timezone)
    local = now.astimezone(tz)
    scheduled = datetime.combine(local.date(), parse_hhmm(daily_time), tz)
    if local < scheduled:
        return False
    if schedule_changed_at is not None and scheduled < schedule_changed_at:
        return False
    return last_digest_at is None or last_digest_at.astimezone(tz).date() < local.date()


def next_digest_at(
    *,
    now: datetime,
    daily_time: str,
    timezone: str,
    last_digest_at: datetime | None,
    schedule_changed_at: datetime | None = None,
) -> datetime:
    """When the chat's next digest goes out (``now`` when it is due)."""
    if digest_due(
        now=now,
        daily_time=daily_time,
        timezone=timezone,
        last_digest_at=last_digest_at,
        schedule_changed_at=schedule_changed_at,
    ):
        return now
    tz = zone(timezone)
    local = now.astimezone(tz)
    day = local.date()
    scheduled = datetime.combine(day, parse_hhmm(daily_time), tz)
    if local >= scheduled:  # today's went out already, or was not owed
        scheduled = datetime.combine(day + timedelta(days=1), parse_hhmm(daily_time), tz)
    return scheduled


def score(candidate: DigestCandidate, rules: Rules, now: datetime) -> float:
    """The ranking rule of the module docstring."""
    agencies = set(candidate.entry.agencies)
    if agencies & rules.agencies:
        weight = 2.0
    elif agencies & FOCUS_AGENCIES:
        weight = 1.0
    elif agencies:
        weight = 0.5
    else:
        weight = 0.0
    sources = 0.5 * min(max(candidate.entry.source_count - 1, 0), 4)
    age_hours = max((now - candidate.first_seen_at).total_seconds() / 3600, 0.0)
    recency = max(0.0, 1.0 - age_hours / RECENCY_HOURS)
    return weight + sources + recency


def section_topic(candidate: DigestCandidate, rules: Rules) -> str:
    for topic in candidate.topics:
        if topic in rules.topics:
            return topic
    return candidate.topics[0] if candidate.topics else OTHER


def build_digest(
    candidates: Iterable[DigestCandidate],
    rules: Rules,
    *,
    since: datetime | None,
    now: datetime,
    timezone: str,
    max_items: int,
) -> DailyDigest | None:
    """The digest of the stories first seen in (since, now] that match ``rules``; None if none."""
    picked = [
        c
        for c in candidates
        if (since is None or c.first_seen_at > since)
        and c.first_seen_at <= now
        and matches(rules, c.facts)
    ]
    if not picked:
        return None
    ranked = sorted(picked, key=lambda c: (-score(c, rules, now), -c.story_id))
    kept = ranked[:max_items]
    sections: dict[str, list[DigestCandidate]] = {}
    for candidate in kept:  # ranked order: sections come out ordered by their best story
        sections.setdefault(section_topic(candidate, rules), []).append(candidate)
    return DailyDigest(
        day=digest_day(now, timezone),
        timezone=timezone,
        sections=tuple(
            DigestSection(topic=topic, entries=tuple(_entry(c) for c in items))
            for topic, items in sections.items()
        ),
        omitted=len(ranked) - len(kept),
    )


def _entry(candidate: DigestCandidate) -> DigestEntry:
    entry = candidate.entry
    return dataclasses.replace(entry, contacts=entry.contacts[:MAX_CONTACTS])


def digest_story_ids(digest: DailyDigest) -> list[int]:
    return [e.story_id for s in digest.sections for e in s.entries]
