"""The web side's reads: the store's records (bot/store/pages.py) composed into what the
pages show, as plain values.

Nothing here writes and nothing here speaks SQL: a story's sources are told with
render.common's words for why each joined, its contacts merged once, and /healthz's answer
decided from the feeds' counts and sources.health.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.render.common import why_grouped
from bot.sources.health import feed_health
from bot.store.feeds import feeds_to_watch
from bot.store.pages import StoryRead, feed_counts, latest_stories, story_read
from bot.types import Contact, Summary

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # for a time the store lacks (columns are NOT NULL)


@dataclass(frozen=True, slots=True)
class Source:
    """One article of a story: where it was published and by which feed."""

    title: str
    url: str
    feed: str
    published_at: datetime
    why: str = ""  # why it is in the story (render.common.why_grouped)
    primary: bool = False  # the article the digest and contacts come from
    article_id: int = 0


@dataclass(frozen=True, slots=True)
class StoryView:
    """A story as the pages show it: its digest, its sources and every contact known."""

    id: int
    title: str
    url: str
    published_at: datetime
    summary: Summary
    sources: tuple[Source, ...]
    contacts: tuple[Contact, ...]

    @property
    def source_names(self) -> tuple[str, ...]:
        """The distinct feeds carrying the story, first arrival first."""
        return tuple(dict.fromkeys(s.feed for s in self.sources))


@dataclass(frozen=True, slots=True)
class StoryList:
    stories: tuple[StoryView, ...]
    has_more: bool


def latest(
    engine: Engine,
    *,
    limit: int,
    offset: int = 0,
    topic: str | None = None,
    agency: str | None = None,
) -> StoryList:
    """A page of stories, newest first; ``topic``/``agency`` are canonical names."""
    reads, has_more = latest_stories(engine, limit=limit, offset=offset, topic=topic, agency=agency)
    return StoryList(stories=tuple(map(_view, reads)), has_more=has_more)


def story(engine: Engine, story_id: int) -> StoryView | None:
    """One story with every source article, or None."""
    read = story_read(engine, story_id)
    return None if read is None else _view(read)


def _view(read: StoryRead) -> StoryView:
    sources = tuple(
        Source(
            title=m.title,
            url=m.url,
            feed=m.feed,
            published_at=m.published_at,
            why=why_grouped(m.reason, m.via_article_id, m.similarity, m.shared),
            primary=m.primary,
            article_id=m.article_id,
        )
        for m in read.members
    )
    return StoryView(
        id=read.id,
        title=read.title,
        url=read.url,
        published_at=read.published_at or EPOCH,
        summary=read.summary,
        sources=sources,
        contacts=merge_contacts(read.summary.contacts, read.contacts),
    )


def merge_contacts(first: Sequence[Contact], more: Sequence[Contact]) -> tuple[Contact, ...]:
    """The digest's contacts, then those only the articles name; a contact already listed
    (same phone, or same name and department) is not repeated."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for contact in (*first, *more):
        keys = _contact_keys(contact)
        if keys & seen:
            continue
        seen |= keys
        out.append(contact)
    return tuple(out)


def _contact_keys(c: Contact) -> set[tuple[str, ...]]:
    keys: set[tuple[str, ...]] = set()
    if c.phone:
        keys.add(("phone", "".join(ch for ch in c.phone if ch.isdigit()) or c.phone))
    if c.name:
        keys.add(("name", c.name, c.department or ""))
    if not keys:
        keys.add(("desk", c.organization or "", c.department or "", c.role or ""))
    return keys


# --- health ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Health:
    """What /healthz reports; ``healthy`` decides 200 or 503."""

    healthy: bool
    database: bool
    reason: str
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    feeds_ok: int = 0
    feeds_failing: int = 0
    feeds_never_polled: int = 0
    # (id, name, state in words) of each silent feed; (id, name, Korean notice) of each
    # followed feed of a service that ended (정책브리핑 RSS)
    silent: tuple[tuple[int, str, str], ...] = ()
    notices: tuple[tuple[int, str, str], ...] = ()


def health(engine: Engine, *, now: datetime, started_at: datetime, poll_interval: float) -> Health:
    """Healthy while the database answers and some feed was fetched within three poll
    intervals (counted from the process start while it is younger than that).

    Derived from the feeds table (each feed's last success and last error times), so every
    instance sharing a database gives the same answer. A bot with no enabled feed has
    nothing to poll and is healthy.
    """
    try:
        tally = feed_counts(engine)
    except sa.exc.SQLAlchemyError as e:
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0][:200]
        return Health(healthy=False, database=False, reason=f"database unreachable: {reason}")
    last_success, last_error = tally.last_success_at, tally.last_error_at
    last_poll = max((t for t in (last_success, last_error) if t), default=None)
    try:
        watched = [(f, feed_health(f, now)) for f in feeds_to_watch(engine, now)]
    except sa.exc.SQLAlchemyError:
        watched = []  # the counts above were read: the database answers; names are a bonus
    silent = tuple((f.id, f.name, h.in_words(f)) for f, h in watched if h.state == "silent")
    notices = tuple((f.id, f.name, h.notice) for f, h in watched if h.notice)
    counts: dict[str, Any] = {
        "feeds_ok": tally.ok - len(silent),
        "feeds_failing": tally.failing,
        "feeds_never_polled": tally.never_polled,
        "silent": silent,
        "notices": notices,
    }
    if silent and not counts["feeds_ok"]:  # a parser's empty list is no proof of health
        return Health(False, True, "every feed is failing or silent (see feeds.silent)",
                      last_poll, last_success, **counts)  # fmt: skip
    window = timedelta(seconds=3 * poll_interval)
    if tally.ok + tally.failing + tally.never_polled == 0:
        return Health(True, True, "no feeds to poll", last_poll, last_success, **counts)
    since = max((t for t in (last_success, started_at) if t), default=started_at)
    if now - since > window:
        what = (
            f"no feed fetched successfully since {last_success.isoformat()}"
            if last_success
            else "no feed fetched successfully yet"
        )
        return Health(False, True, f"{what} (more than 3 poll intervals)", last_poll,
                      last_success, **counts)  # fmt: skip
    return Health(True, True, "ok", last_poll, last_success, **counts)
