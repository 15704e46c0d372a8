"""What the core hands to adapters (outgoing messages) and what commands answer (replies).

Plain frozen values; each adapter renders them for its platform (render/telegram.py,
render/slack.py, render/text.py) and escapes every string, because every string here may
come from a feed or an LLM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.types import Contact, Summary


@dataclass(frozen=True, slots=True)
class Alert:
    """An instant alert: one story's digest."""

    story_id: int
    summary: Summary
    source: str  # the feed it first came from, e.g. "정책브리핑 보도자료"
    published_at: datetime
    url: str
    sources: tuple[str, ...] = ()  # every feed carrying the story, first arrival first


@dataclass(frozen=True, slots=True)
class DigestEntry:
    story_id: int
    headline: str
    url: str
    agencies: tuple[str, ...]
    published_at: datetime
    contacts: tuple[Contact, ...]  # the top item's contacts (responsible first)
    source_count: int = 1


@dataclass(frozen=True, slots=True)
class DigestSection:
    topic: str
    entries: tuple[DigestEntry, ...]


@dataclass(frozen=True, slots=True)
class DailyDigest:
    """One chat's daily digest; ``omitted`` is rendered as "외 N건"."""

    day: date
    timezone: str
    sections: tuple[DigestSection, ...]
    omitted: int = 0


@dataclass(frozen=True, slots=True)
class Notice:
    """A plain text message (announcements, status notes)."""

    text: str


Message = Alert | DailyDigest | Notice


@dataclass(frozen=True, slots=True)
class SearchHit:
    story_id: int
    headline: str
    agency: str | None
    published_at: datetime
    # The snippet as (text, matched) segments, so renderers can mark matches after escaping.
    snippet: tuple[tuple[str, bool], ...]
    url: str


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: str
    hits: tuple[SearchHit, ...]
    offset: int
    has_more: bool


@dataclass(frozen=True, slots=True)
class Reply:
    """What the command core answers; adapters translate it for their platform.

    ``text`` is always a complete Korean answer on its own. ``announce`` is posted publicly
    in the channel when a subscription changed (Slack). ``topic_choices`` lists
    (topic, followed) pairs for a toggle keyboard; ``search`` carries a page of results;
    ``digest`` the same :class:`DailyDigest` a scheduled digest sends, so chat platforms
    render ``/digest`` like it (``text`` is then its plain-text form).
    """

    text: str
    announce: str | None = None
    topic_choices: tuple[tuple[str, bool], ...] = ()
    search: SearchPage | None = None
    digest: DailyDigest | None = None
    language: str = "ko"
