"""Articles: one row per (feed, guid). New items are inserted; a changed item is updated and
reported as edited, so the pipeline can notice corrections."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from bot.store import from_db, revisions, to_db
from bot.store.codec import (
    attachments_from_json,
    attachments_to_json,
    contacts_from_json,
    contacts_to_json,
)
from bot.store.schema import articles
from bot.types import Article

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class UpsertResult:
    new: tuple[Article, ...] = ()
    edited: tuple[Article, ...] = ()
    unchanged: int = 0
    note: str | None = None  # items the database refused, in words (the rest were stored)
    withdrawn: tuple[Article, ...] = ()  # stored articles their source withdrew now


def _article(row: Any) -> Article:
    published = from_db(row.published_at)
    assert published is not None
    return Article(
        id=row.id,
        feed_id=row.feed_id,
        guid=row.guid,
        url=row.url,
        title=row.title,
        text=row.text,
        published_at=published,
        content_hash=row.content_hash,
        contacts=contacts_from_json(row.contacts),
        story_id=row.story_id,
        author=row.author or "",
        revision=row.revision,
        withdrawn=row.withdrawn_at is not None,
        attachments=attachments_from_json(row.attachments),
        source_hash=row.source_hash or "",
    )


def upsert_articles(engine: Engine, items: Iterable[Article], now: datetime) -> UpsertResult:
    """Store one batch (any feeds) in one transaction. Same guid twice in the batch: the first
    wins."""
    with engine.begin() as conn:
        return upsert_in(conn, items, now)


def upsert_in(conn: Connection, items: Iterable[Article], now: datetime) -> UpsertResult:
    """:func:`upsert_articles` in the caller's transaction: one query per chunk finds what is
    stored already, new rows go in with one multi-row insert, edited rows are updated.

    An edit keeps the earlier version in history and refreshes the story it belongs to
    (bot.store.revisions); an item older than the stored one (a lower source revision)
    changes nothing; a withdrawn item is never inserted, and a stored one is withdrawn."""
    unique: dict[tuple[int, str], Article] = {}
    for item in items:
        unique.setdefault((item.feed_id, item.guid), item)
    if not unique:
        return UpsertResult()
    keys = list(unique)
    existing: dict[tuple[int, str], tuple[int, str, int | None, int, bool, str | None]] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        wanted = set(chunk)
        query = sa.select(
            articles.c.id, articles.c.feed_id, articles.c.guid, articles.c.content_hash,
            articles.c.story_id, articles.c.revision, articles.c.withdrawn_at,
            articles.c.source_hash,
        ).where(
            articles.c.feed_id.in_(sorted({f for f, _ in chunk})),
            articles.c.guid.in_(sorted({g for _, g in chunk})),
        )  # fmt: skip
        for row in conn.execute(query):
            key = (row.feed_id, row.guid)
            if key in wanted:  # the two IN lists also match other feeds' guids
                existing[key] = (
                    row.id, row.content_hash, row.story_id, row.revision,
                    row.withdrawn_at is not None, row.source_hash,
                )  # fmt: skip
    fresh = [i for k, i in unique.items() if k not in existing and not i.withdrawn]
    new = _insert(conn, fresh, now)
    edited: list[Article] = []
    withdrawn: list[Article] = []
    changes: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []  # unchanged rows whose source hash was not known yet
    unchanged = 0
    for key, item in unique.items():
        if key not in existing:
            continue
        row_id, old_hash, story_id, revision, gone, old_source = existing[key]
        if item.revision < revision or gone:  # an older copy; a withdrawal is final
            unchanged += 1
            continue
        if item.withdrawn:
            withdrawn.append(replace(item, id=row_id, story_id=story_id))
            continue
        if old_hash == item.content_hash:
            unchanged += 1
            if item.source_hash and old_source != item.source_hash:
                sources.append({"row_id": row_id, "new_source": item.source_hash})
            continue
        changes.append(
            {
                "row_id": row_id,
                "new_title": item.title,
                "new_text": item.text,
                "new_url": item.url,
                "new_hash": item.content_hash,
                "new_contacts": contacts_to_json(item.contacts),
                "new_author": item.author[:200],
                "new_revision": item.revision,
                "new_attachments": attachments_to_json(item.attachments),
                "new_source": item.source_hash or None,
            }
        )
        edited.append(replace(item, id=row_id, story_id=story_id))
    if changes:
        revisions.keep_old_versions(conn, edited, now)
        conn.execute(
            articles.update()
            .where(articles.c.id == sa.bindparam("row_id"))
            .values(
                title=sa.bindparam("new_title"),
                text=sa.bindparam("new_text"),
                url=sa.bindparam("new_url"),
                content_hash=sa.bindparam("new_hash"),
                contacts=sa.bindparam("new_contacts"),
                author=sa.bindparam("new_author"),
                revision=sa.bindparam("new_revision"),
                attachments=sa.bindparam("new_attachments"),
                source_hash=sa.bindparam("new_source"),
                updated_at=to_db(now),
            ),
            changes,
        )
    if sources:  # stored before source hashes, or built by an older BUILD_VERSION
        conn.execute(
            articles.update()
            .where(articles.c.id == sa.bindparam("row_id"))
            .values(source_hash=sa.bindparam("new_source")),
            sources,
        )
    if withdrawn:
        revisions.withdraw(conn, [a.id for a in withdrawn if a.id is not None], now)
    return UpsertResult(tuple(new), tuple(edited), unchanged, withdrawn=tuple(withdrawn))


# A feed document holds its latest items: the source hashes of this many of a feed's newest
# stored articles are enough to know them (an older item sent again is built as before).
KNOWN_LIMIT = 1000


def source_hashes(engine: Engine, feed_id: int) -> dict[str, str]:
    """guid → source hash of the feed's newest stored articles that have one (at most
    :data:`KNOWN_LIMIT`): what bot.feeds.parse needs not build again."""
    query = (
        sa.select(articles.c.guid, articles.c.source_hash)
        .where(articles.c.feed_id == feed_id, articles.c.source_hash.is_not(None))
        .order_by(articles.c.id.desc())
        .limit(KNOWN_LIMIT)
    )
    with engine.connect() as conn:
        return {row.guid: row.source_hash for row in conn.execute(query)}


def stored_hashes(engine: Engine, feed_id: int, guids: Sequence[str]) -> dict[str, str]:
    """guid → content hash of those of ``guids`` the feed already has stored (full text is
    fetched only for items that are new or changed)."""
    found: dict[str, str] = {}
    wanted = sorted(set(guids))
    with engine.connect() as conn:
        for start in range(0, len(wanted), _CHUNK):
            query = sa.select(articles.c.guid, articles.c.content_hash).where(
                articles.c.feed_id == feed_id, articles.c.guid.in_(wanted[start : start + _CHUNK])
            )
            found.update({row.guid: row.content_hash for row in conn.execute(query)})
    return found


def _insert(conn: Connection, items: list[Article], now: datetime) -> list[Article]:
    """Insert new rows; a row another instance inserted meanwhile is skipped, not an error."""
    if not items:
        return []
    rows = [
        {
            "feed_id": a.feed_id,
            "guid": a.guid,
            "url": a.url,
            "title": a.title,
            "text": a.text,
            # a date after the first sight (2099, a zone mislabelled) orders as first seen
            "published_at": to_db(_not_after(a.published_at, now)),
            "fetched_at": to_db(now),
            "content_hash": a.content_hash,
            "contacts": contacts_to_json(a.contacts),
            "author": a.author[:200],
            "revision": a.revision,
            "attachments": attachments_to_json(a.attachments),
            "source_hash": a.source_hash or None,
        }
        for a in items
    ]
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        dialect_insert(articles)
        .on_conflict_do_nothing(index_elements=["feed_id", "guid"])
        .returning(articles.c.id, articles.c.feed_id, articles.c.guid)
    )
    ids: dict[tuple[int, str], int] = {}
    for start in range(0, len(rows), _CHUNK):
        result = conn.execute(statement, rows[start : start + _CHUNK])
        for row in result:
            ids[(row.feed_id, row.guid)] = row.id
    return [
        replace(a, id=ids[(a.feed_id, a.guid)], published_at=_not_after(a.published_at, now))
        for a in items
        if (a.feed_id, a.guid) in ids
    ]


def _not_after(published: datetime, now: datetime) -> datetime:
    """``published``, or ``now`` when it lies after it (a naive time is left for to_db to
    refuse)."""
    return min(published, now) if published.tzinfo is not None else published


def get_article(engine: Engine, article_id: int) -> Article | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(articles).where(articles.c.id == article_id)).one_or_none()
    return _article(row) if row is not None else None


def feed_articles(engine: Engine, feed_id: int, *, limit: int = 100) -> list[Article]:
    """A feed's articles, newest first."""
    query = (
        sa.select(articles)
        .where(articles.c.feed_id == feed_id)
        .order_by(articles.c.published_at.desc(), articles.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [_article(row) for row in conn.execute(query)]


def count_articles(engine: Engine, feed_id: int | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(articles)
    if feed_id is not None:
        query = query.where(articles.c.feed_id == feed_id)
    with engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def recent_titles(engine: Engine, limit: int) -> list[str]:
    """The titles of the latest ``limit`` stored articles, newest first (word hints)."""
    query = sa.select(articles.c.title).order_by(articles.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [str(t) for t in conn.execute(query).scalars()]


def newest_article_urls(engine: Engine) -> dict[int, str]:
    """Each feed's newest article's link, by feed id (feeds without articles are left out)."""
    newest = sa.select(sa.func.max(articles.c.id)).group_by(articles.c.feed_id)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(articles.c.feed_id, articles.c.url).where(articles.c.id.in_(newest))
        )
        return {row.feed_id: row.url for row in rows}
