"""Queries for summaries: stories waiting for one and what each is made from, claims and
writes, the LLM cache, the daily token budget, stories to re-summarize."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.documents.model import Document
from bot.store import from_db, to_db
from bot.store.codec import contacts_from_json
from bot.store.schema import articles, feeds, llm_cache, llm_usage, stories, summary_retries

_CHUNK = 500  # ids per IN (...) list


def unsummarized_story_ids(engine: Engine, limit: int) -> list[int]:
    """Stories without a summary, oldest first (claimed ones included: the claim decides)."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(stories.c.id)
                .where(stories.c.summary.is_(None), stories.c.withdrawn_at.is_(None))
                .order_by(stories.c.id)
                .limit(limit)
            ).scalars()
        )


def story_documents(engine: Engine, story_ids: Sequence[int]) -> dict[int, Document]:
    """The Document each story is summarized from: its primary article, the best source (an
    official release over a rewrite), else its first article not withdrawn (a story without
    one is left out). One query per chunk of ids, whatever their number.

    The stored text is the article's Document as canonical markdown (bot/documents/); the
    contacts extracted at ingest travel with it, so the summarizers do not extract again.
    """
    ids = sorted(set(story_ids))
    out: dict[int, Document] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            first = (
                sa.select(sa.func.min(articles.c.id))
                .where(articles.c.story_id.in_(chunk), articles.c.withdrawn_at.is_(None))
                .group_by(articles.c.story_id)
            )
            primary = (
                sa.select(stories.c.primary_article_id)
                .join(articles, articles.c.id == stories.c.primary_article_id)
                .where(stories.c.id.in_(chunk), articles.c.withdrawn_at.is_(None))
            )
            rows = conn.execute(
                sa.select(
                    articles.c.id,
                    stories.c.primary_article_id,
                    articles.c.story_id,
                    articles.c.title,
                    articles.c.text,
                    articles.c.url,
                    articles.c.published_at,
                    articles.c.content_hash,
                    articles.c.contacts,
                    articles.c.author,
                    feeds.c.name,
                )
                .join(feeds, feeds.c.id == articles.c.feed_id)
                .join(stories, stories.c.id == articles.c.story_id)
                .where(sa.or_(articles.c.id.in_(first), articles.c.id.in_(primary)))
            )
            for row in rows:
                if row.story_id in out and row.id != row.primary_article_id:
                    continue  # the story's primary is among the rows and wins
                out[row.story_id] = Document(
                    title=row.title,
                    text=row.text,
                    url=row.url,
                    published_at=from_db(row.published_at),
                    source=row.name,
                    author=row.author or "",
                    content_hash=row.content_hash,
                    story_id=row.story_id,
                    contacts=contacts_from_json(row.contacts) or None,
                )
    return out


def replace_summaries(engine: Engine, summaries: Mapping[int, str], now: datetime) -> None:
    """Overwrite stories' summaries (an LLM digest replacing an extractive fallback)."""
    if not summaries:
        return
    with engine.begin() as conn:
        conn.execute(
            stories.update()
            .where(stories.c.id == sa.bindparam("story_id"))
            .values(summary=sa.bindparam("summary_json"), summarized_at=to_db(now)),
            [{"story_id": k, "summary_json": v} for k, v in summaries.items()],
        )


def cached_summary(
    engine: Engine, content_hash: str, prompt_version: str, model: str
) -> str | None:
    """The stored Summary JSON for this (content, prompt, model), or None."""
    query = sa.select(llm_cache.c.summary).where(
        llm_cache.c.content_hash == content_hash,
        llm_cache.c.prompt_version == prompt_version,
        llm_cache.c.model == model,
    )
    with engine.connect() as conn:
        return conn.execute(query).scalar_one_or_none()


def store_summary(
    engine: Engine,
    content_hash: str,
    prompt_version: str,
    model: str,
    summary_json: str,
    *,
    input_tokens: int,
    output_tokens: int,
    now: datetime,
) -> None:
    """Cache a grounded summary; a row another instance wrote first is kept."""
    row = {
        "content_hash": content_hash,
        "prompt_version": prompt_version,
        "model": model,
        "summary": summary_json,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "created_at": now,
    }
    try:
        with engine.begin() as conn:
            conn.execute(llm_cache.insert().values(**row))
    except sa.exc.IntegrityError:
        pass


def tokens_used(engine: Engine, day: str) -> int:
    with engine.connect() as conn:
        value = conn.execute(
            sa.select(llm_usage.c.tokens).where(llm_usage.c.day == day)
        ).scalar_one_or_none()
    return int(value or 0)


def add_usage(engine: Engine, day: str, tokens: int) -> None:
    """Add one call's tokens to the day's total (atomic increment, row created on demand)."""
    for _ in range(3):
        with engine.begin() as conn:
            result = conn.execute(
                llm_usage.update()
                .where(llm_usage.c.day == day)
                .values(tokens=llm_usage.c.tokens + tokens, calls=llm_usage.c.calls + 1)
            )
            if result.rowcount:
                return
        try:
            with engine.begin() as conn:
                conn.execute(llm_usage.insert().values(day=day, tokens=tokens, calls=1))
            return
        except sa.exc.IntegrityError:
            continue  # another writer created the row: increment it


def mark_for_retry(engine: Engine, story_id: int, reason: str, now: datetime) -> None:
    """Remember that ``story_id`` got the extractive digest because the LLM was unavailable."""
    try:
        with engine.begin() as conn:
            conn.execute(
                summary_retries.insert().values(
                    story_id=story_id, reason=reason[:200], created_at=now
                )
            )
    except sa.exc.IntegrityError:
        pass


def stories_to_retry(engine: Engine, limit: int = 20) -> list[int]:
    query = (
        sa.select(summary_retries.c.story_id)
        .order_by(summary_retries.c.created_at, summary_retries.c.story_id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [int(x) for x in conn.execute(query).scalars()]


def clear_retries(engine: Engine, story_ids: Sequence[int]) -> None:
    """Forget these stories' retries (re-summarized, gone, or the answer was unusable)."""
    if story_ids:
        with engine.begin() as conn:
            conn.execute(summary_retries.delete().where(summary_retries.c.story_id.in_(story_ids)))


CLAIM_LEASE = timedelta(minutes=5)  # a claim older than this (a crashed process) is taken over


def claim_summaries(
    engine: Engine, story_ids: Sequence[int], token: str, now: datetime
) -> list[int]:
    """Claim the right to summarize these stories (one conditional UPDATE per chunk), so of
    two polls or instances racing for a story exactly one holds it (PostgreSQL re-checks the
    condition after the other's commit; SQLite serializes writers). Returns the ids this
    ``token`` now holds: a story summarized meanwhile or claimed by someone else within the
    lease is not among them."""
    ids = sorted(set(story_ids))
    stale = to_db(now - CLAIM_LEASE)
    unclaimed = sa.or_(stories.c.summary_claimed_at.is_(None), stories.c.summary_claimed_at < stale)
    held: list[int] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        with engine.begin() as conn:
            conn.execute(
                stories.update()
                .where(stories.c.id.in_(chunk), stories.c.summary.is_(None), unclaimed)
                .values(summary_claim=token, summary_claimed_at=to_db(now))
            )
            held += conn.execute(
                sa.select(stories.c.id)
                .where(stories.c.id.in_(chunk), stories.c.summary_claim == token)
                .order_by(stories.c.id)
            ).scalars()
    return held


def store_claimed_summaries(
    engine: Engine, token: str, summaries: Mapping[int, str], now: datetime
) -> int:
    """Write the summaries whose claim this ``token`` still holds, in one transaction (a claim
    taken over after the lease has expired loses: the other writer's summary stands).
    Returns how many were written."""
    if not summaries:
        return 0
    with engine.begin() as conn:
        result = conn.execute(
            stories.update()
            .where(
                stories.c.id == sa.bindparam("story_id"),
                stories.c.summary.is_(None),
                stories.c.summary_claim == token,
            )
            .values(
                summary=sa.bindparam("summary_json"), summarized_at=to_db(now), summary_claim=None
            ),
            [{"story_id": k, "summary_json": v} for k, v in summaries.items()],
        )
        return int(result.rowcount)


def release_summary_claims(engine: Engine, story_ids: Sequence[int], token: str) -> None:
    """Give claims back after a failure, so the next cycle may try at once."""
    ids = sorted(set(story_ids))
    for start in range(0, len(ids), _CHUNK):
        with engine.begin() as conn:
            conn.execute(
                stories.update()
                .where(
                    stories.c.id.in_(ids[start : start + _CHUNK]), stories.c.summary_claim == token
                )
                .values(summary_claim=None, summary_claimed_at=None)
            )
