"""Queries for summaries: the LLM cache, the daily token budget, stories to re-summarize."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.store import to_db
from bot.store.schema import llm_cache, llm_usage, stories, summary_retries


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


def clear_retry(engine: Engine, story_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(summary_retries.delete().where(summary_retries.c.story_id == story_id))


CLAIM_LEASE = timedelta(minutes=5)  # a claim older than this (a crashed process) is taken over


def claim_summary(engine: Engine, story_id: int, token: str, now: datetime) -> bool:
    """Claim the right to summarize ``story_id``: one conditional UPDATE, so of two polls or
    instances racing for the same story exactly one gets True (PostgreSQL re-checks the
    condition after the other's commit; SQLite serializes writers). False when the story is
    summarized already or claimed by someone else within the lease."""
    stale = to_db(now - CLAIM_LEASE)
    unclaimed = sa.or_(stories.c.summary_claimed_at.is_(None), stories.c.summary_claimed_at < stale)
    return _update_unsummarized(
        engine, story_id, unclaimed, summary_claim=token, summary_claimed_at=to_db(now)
    )


def release_summary_claim(engine: Engine, story_id: int, token: str) -> None:
    """Give a claim back after a failure, so the next cycle may try at once."""
    with engine.begin() as conn:
        conn.execute(
            stories.update()
            .where(stories.c.id == story_id, stories.c.summary_claim == token)
            .values(summary_claim=None, summary_claimed_at=None)
        )


def store_claimed_summary(
    engine: Engine, story_id: int, token: str, summary_json: str, now: datetime
) -> bool:
    """Write the summary if this claim still holds (a claim taken over after the lease has
    expired loses: the other writer's summary stands). Returns whether it was written."""
    return _update_unsummarized(
        engine,
        story_id,
        stories.c.summary_claim == token,
        summary=summary_json,
        summarized_at=to_db(now),
        summary_claim=None,
    )


def _update_unsummarized(
    engine: Engine, story_id: int, condition: sa.ColumnElement[bool], **values: object
) -> bool:
    """One conditional UPDATE of a story that has no summary yet, so that of two racing
    writers exactly one sees True: the claim and the claimed write both rest on it."""
    with engine.begin() as conn:
        result = conn.execute(
            stories.update()
            .where(stories.c.id == story_id, stories.c.summary.is_(None), condition)
            .values(**values)
        )
        return result.rowcount == 1
