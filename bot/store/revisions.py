"""Corrections replace: an edited article's earlier version goes to history, its story shows
the new one; a withdrawn article hides its story. The store side of bot/corrections.py.

The articles row always holds the current version; ``article_revisions`` the ones it
replaced. A story whose primary article (the one it is summarized from) changed gets the new
title and loses its summary, so the pipeline summarizes the new text (new contacts, new
figures) while ``matched_at`` stays set: no second alert. An edit whose new title says
정정/수정 also records a ``corrections`` row; :func:`enqueue_corrections` turns it into one
short notice per chat that was alerted to the story.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.corrections import is_correction
from bot.store import to_db
from bot.store.schema import (
    article_revisions,
    articles,
    corrections,
    deliveries,
    search_queue,
    stories,
)
from bot.store.stories import refresh_features
from bot.types import Article

WITHDRAWN = "withdrawn by its source"


def keep_old_versions(conn: Connection, edited: Sequence[Article], now: datetime) -> None:
    """Before ``edited`` (new versions, with their row ids) overwrite their rows: copy each
    old version to history, refresh the stories they lead, record corrections."""
    by_id = {a.id: a for a in edited if a.id is not None}
    if not by_id:
        return
    old = conn.execute(
        sa.select(
            articles.c.id,
            articles.c.revision,
            articles.c.title,
            articles.c.text,
            articles.c.url,
            articles.c.content_hash,
            articles.c.contacts,
            articles.c.story_id,
        ).where(articles.c.id.in_(sorted(by_id)))
    ).all()
    if not old:
        return
    conn.execute(
        article_revisions.insert(),
        [
            {
                "article_id": row.id,
                "revision": row.revision,
                "title": row.title,
                "text": row.text,
                "url": row.url,
                "content_hash": row.content_hash,
                "contacts": row.contacts,
                "replaced_at": to_db(now),
            }
            for row in old
        ],
    )
    refresh_features(
        conn,
        [
            (row.id, by_id[row.id].title, by_id[row.id].text, by_id[row.id].published_at)
            for row in old
            if (row.title, row.text) != (by_id[row.id].title, by_id[row.id].text)
        ],
    )
    story_ids = sorted({row.story_id for row in old if row.story_id is not None})
    primary = _primary_articles(conn, story_ids)
    for row in old:
        new = by_id[row.id]
        if row.story_id is None:
            continue  # not grouped yet: the story will be made from the new version
        if primary.get(row.story_id) == row.id:
            _refresh_story(conn, row.story_id, new.title)
        if is_correction(row.title, new.title):
            conn.execute(
                corrections.insert().values(
                    story_id=row.story_id,
                    article_id=row.id,
                    title=new.title,
                    url=new.url,
                    created_at=to_db(now),
                )
            )


def _primary_articles(conn: Connection, story_ids: Sequence[int]) -> dict[int, int]:
    """Each story's primary article: its first one still standing (what it is summarized
    from, bot.store.summaries.story_documents)."""
    if not story_ids:
        return {}
    rows = conn.execute(
        sa.select(articles.c.story_id, sa.func.min(articles.c.id))
        .where(articles.c.story_id.in_(list(story_ids)), articles.c.withdrawn_at.is_(None))
        .group_by(articles.c.story_id)
    )
    return {int(story_id): int(article_id) for story_id, article_id in rows}


def _refresh_story(conn: Connection, story_id: int, title: str) -> None:
    """The story reads its primary article again: new title, summary made anew (the old
    summary's contacts and figures must not stay beside the new ones)."""
    conn.execute(
        stories.update()
        .where(stories.c.id == story_id)
        .values(
            title=title,
            summary=None,
            summarized_at=None,
            summary_claim=None,
            summary_claimed_at=None,
        )
    )


def withdraw(conn: Connection, article_ids: Sequence[int], now: datetime) -> None:
    """The source withdrew these articles: hidden with their story once none of its articles
    stands; alerts not yet sent are dropped; the search index forgets them."""
    if not article_ids:
        return
    ids = sorted(set(article_ids))
    conn.execute(articles.update().where(articles.c.id.in_(ids)).values(withdrawn_at=to_db(now)))
    story_ids = sorted(
        set(
            conn.execute(
                sa.select(articles.c.story_id).where(
                    articles.c.id.in_(ids), articles.c.story_id.is_not(None)
                )
            ).scalars()
        )
    )
    standing = _primary_articles(conn, story_ids)
    gone = [s for s in story_ids if s not in standing]
    if gone:
        conn.execute(
            stories.update()
            .where(stories.c.id.in_(gone), stories.c.withdrawn_at.is_(None))
            .values(withdrawn_at=to_db(now))
        )
        conn.execute(
            deliveries.update()
            .where(
                deliveries.c.story_id.in_(gone),
                deliveries.c.state.in_(("pending", "failed")),
            )
            .values(state="dead", last_error=WITHDRAWN)
        )
    for story_id in standing:  # the story stays with its other articles: summarized anew
        title = conn.scalar(sa.select(articles.c.title).where(articles.c.id == standing[story_id]))
        _refresh_story(conn, story_id, str(title or ""))
    queued = [{"kind": "article", "ref_id": i} for i in ids]
    queued += [{"kind": "summary", "ref_id": s} for s in story_ids]
    conn.execute(search_queue.insert(), queued)


def enqueue_corrections(engine: Engine, now: datetime) -> int:
    """One notice per correction to each chat already sent an alert about its story (a chat
    whose alert is still waiting will read the corrected story anyway); returns how many."""
    created = 0
    with engine.begin() as conn:
        pending = conn.execute(
            sa.select(corrections.c.id, corrections.c.story_id)
            .join(stories, stories.c.id == corrections.c.story_id)
            .where(corrections.c.notified_at.is_(None), stories.c.withdrawn_at.is_(None))
            .order_by(corrections.c.id)
        ).all()
        for correction_id, story_id in pending:
            chats = conn.execute(
                sa.select(deliveries.c.chat_id)
                .where(deliveries.c.story_id == story_id, deliveries.c.state == "sent")
                .distinct()
            ).scalars()
            rows = [
                {
                    "chat_id": chat,
                    "correction_id": correction_id,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": to_db(now),
                    "created_at": to_db(now),
                }
                for chat in chats
            ]
            if rows:
                conn.execute(deliveries.insert(), rows)
                created += len(rows)
        if pending:
            conn.execute(
                corrections.update()
                .where(corrections.c.id.in_([c for c, _ in pending]))
                .values(notified_at=to_db(now))
            )
    return created


def correction_notices(engine: Engine, correction_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(new title, link) of each correction, for the notice the outbox sends."""
    if not correction_ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(corrections.c.id, corrections.c.title, corrections.c.url).where(
                corrections.c.id.in_(sorted(set(correction_ids)))
            )
        )
        return {int(r.id): (r.title, r.url) for r in rows}


def history(engine: Engine, article_id: int) -> list[tuple[int, str, str]]:
    """An article's earlier versions, oldest first: (revision, title, text)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(article_revisions.c.revision, article_revisions.c.title,
                      article_revisions.c.text)
            .where(article_revisions.c.article_id == article_id)
            .order_by(article_revisions.c.id)
        )  # fmt: skip
        return [(int(r.revision), r.title, r.text) for r in rows]
