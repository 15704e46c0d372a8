"""What the web pages read: stories with their members and contacts, and the feeds' counts
/healthz reports. Reads only; bot/web composes these records with render and sources.

Lists are newest first by publication time (index ``ix_stories_published_at``); topic and
agency pages filter on the search index's digest entries (``search_docs`` of kind
``summary``), whose names are already canonical.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.store import from_db
from bot.store.codec import contacts_from_json
from bot.store.schema import articles, feeds, search_docs, stories
from bot.store.stories import STORY_HEAD, Membership, load_summary, story_members
from bot.types import Contact, Summary


@dataclass(frozen=True, slots=True)
class StoryRead:
    """One story as the store holds it: its head, its articles with how each joined (arrival
    order) and the contacts its articles name (publication order)."""

    id: int
    title: str
    url: str
    published_at: datetime | None
    summary: Summary
    members: tuple[Membership, ...]
    contacts: tuple[Contact, ...]


def latest_stories(
    engine: Engine,
    *,
    limit: int,
    offset: int = 0,
    topic: str | None = None,
    agency: str | None = None,
) -> tuple[tuple[StoryRead, ...], bool]:
    """A page of stories newest first, and whether more follow; ``topic``/``agency`` are
    canonical names."""
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
        reads = _reads(conn, rows[:limit])
    return reads, len(rows) > limit


def story_read(engine: Engine, story_id: int) -> StoryRead | None:
    """One story that is not withdrawn, with every source article, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(*STORY_HEAD).where(stories.c.id == story_id, stories.c.withdrawn_at.is_(None))
        ).one_or_none()
        if row is None:
            return None
        return _reads(conn, [row])[0]


def _like_escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _reads(conn: Connection, rows: Sequence[Any]) -> tuple[StoryRead, ...]:
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
    return tuple(
        StoryRead(
            id=int(r.id),
            title=r.title,
            url=r.url,
            published_at=from_db(r.published_at),
            summary=load_summary(r.summary, r.title, r.url),
            members=tuple(members[int(r.id)]),
            contacts=tuple(contacts[int(r.id)]),
        )
        for r in rows
    )


@dataclass(frozen=True, slots=True)
class FeedCounts:
    """The enabled feeds at a glance: the last fetch that worked and the last that failed,
    and how many feeds are fine, failing, or not polled yet."""

    last_success_at: datetime | None
    last_error_at: datetime | None
    ok: int
    failing: int
    never_polled: int


def feed_counts(engine: Engine) -> FeedCounts:
    """One aggregate over the feeds table (every instance sharing the database reads the
    same); raises SQLAlchemyError when the database does not answer."""
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
    return FeedCounts(from_db(row[0]), from_db(row[1]), row[2], row[3], row[4])
