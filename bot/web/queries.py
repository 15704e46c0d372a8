"""The web side's reads: small query functions over the store, returning plain values.

Nothing here writes. Lists are newest first by publication time (index
``ix_stories_published_at``); topic and agency pages filter on the search index's digest
entries (``search_docs`` of kind ``summary``), whose names are already canonical.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.render.common import why_grouped
from bot.sources.health import feed_health
from bot.store import from_db
from bot.store.codec import contacts_from_json
from bot.store.feeds import feeds_to_watch
from bot.store.schema import articles, feeds, search_docs, stories
from bot.store.stories import STORY_HEAD, load_summary, story_members
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
    query = (
        sa.select(*STORY_HEAD)
        .where(stories.c.withdrawn_at.is_(None))
        .order_by(stories.c.published_at.desc(), stories.c.id.desc())
        .limit(limit + 1)
        .offset(offset)
    )
    for column, name in ((search_docs.c.topics, topic), (search_docs.c.agencies, agency)):
        if name is not None:
            query = query.where(
                sa.exists().where(
                    search_docs.c.story_id == stories.c.id,
                    search_docs.c.kind == "summary",
                    column.like(f"%|{_like_escaped(name)}|%", escape="\\"),
                )
            )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        views = _views(conn, rows[:limit])
    return StoryList(stories=views, has_more=len(rows) > limit)


def story(engine: Engine, story_id: int) -> StoryView | None:
    """One story with every source article, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(*STORY_HEAD).where(stories.c.id == story_id, stories.c.withdrawn_at.is_(None))
        ).one_or_none()
        if row is None:
            return None
        return _views(conn, [row])[0]


def _like_escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _views(conn: Connection, rows: Sequence[Any]) -> tuple[StoryView, ...]:
    ids = [int(r.id) for r in rows]
    members = story_members(conn, ids)
    contacts: dict[int, list[Contact]] = {i: [] for i in ids}
    if ids:
        for story_id, raw in conn.execute(
            sa.select(articles.c.story_id, articles.c.contacts)
            .where(articles.c.story_id.in_(ids), articles.c.withdrawn_at.is_(None))
            .order_by(articles.c.published_at, articles.c.id)
        ):
            contacts[story_id].extend(contacts_from_json(raw))
    out = []
    for r in rows:
        rid = int(r.id)
        summary = load_summary(r.summary, r.title, r.url)
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
            for m in members[rid]
        )
        out.append(
            StoryView(
                id=rid,
                title=r.title,
                url=r.url,
                published_at=from_db(r.published_at) or EPOCH,
                summary=summary,
                sources=sources,
                contacts=merge_contacts(summary.contacts, contacts[rid]),
            )
        )
    return tuple(out)


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
        with engine.connect() as conn:
            row = conn.execute(
                sa.select(
                    sa.func.max(feeds.c.last_success_at),
                    sa.func.max(feeds.c.last_error_at),
                    sa.func.count().filter(
                        feeds.c.consecutive_failures == 0, feeds.c.last_success_at.is_not(None)
                    ),
                    sa.func.count().filter(feeds.c.consecutive_failures > 0),
                    sa.func.count().filter(
                        feeds.c.consecutive_failures == 0, feeds.c.last_success_at.is_(None)
                    ),
                ).where(feeds.c.enabled.is_(True))
            ).one()
    except sa.exc.SQLAlchemyError as e:
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0][:200]
        return Health(healthy=False, database=False, reason=f"database unreachable: {reason}")
    last_success, last_error = from_db(row[0]), from_db(row[1])
    last_poll = max((t for t in (last_success, last_error) if t), default=None)
    try:
        watched = [(f, feed_health(f, now)) for f in feeds_to_watch(engine, now)]
    except sa.exc.SQLAlchemyError:
        watched = []  # the counts above were read: the database answers; names are a bonus
    silent = tuple((f.id, f.name, h.in_words(f)) for f, h in watched if h.state == "silent")
    notices = tuple((f.id, f.name, h.notice) for f, h in watched if h.notice)
    counts: dict[str, Any] = {
        "feeds_ok": row[2] - len(silent),
        "feeds_failing": row[3],
        "feeds_never_polled": row[4],
        "silent": silent,
        "notices": notices,
    }
    if silent and not counts["feeds_ok"]:  # a parser's empty list is no proof of health
        return Health(False, True, "every feed is failing or silent (see feeds.silent)",
                      last_poll, last_success, **counts)  # fmt: skip
    window = timedelta(seconds=3 * poll_interval)
    if row[2] + row[3] + row[4] == 0:
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
