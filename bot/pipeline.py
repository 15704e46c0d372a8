"""After each poll: group new articles into stories, summarize, index, match, enqueue.

Each step works on what the store says is pending (articles without a story, stories without
a summary, summarized stories not yet matched), so a crash between steps loses nothing: the
next run picks up where this one stopped. A story is matched exactly once (``matched_at``),
so a story that later arrives from a second feed is never delivered again.

Every step that reads the database or analyses text runs in a worker thread, in slices of
``limit`` stories: the event loop that answers chat commands is never held by a poll.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot import metrics
from bot.adapters import Adapter
from bot.clock import Clock
from bot.matching import Matcher
from bot.search import index_pending
from bot.store import from_db
from bot.store.articles import contacts_from_json
from bot.store.chats import instant_rules
from bot.store.deliveries import enqueue
from bot.store.schema import articles, feeds, stories
from bot.store.stories import (
    assign_pending,
    load_alerts,
    primary_article_order,
    story_rows_facts,
)
from bot.store.summaries import claim_summary, release_summary_claim, store_claimed_summary
from bot.summarize import uses_llm
from bot.summarize.base import Document, Summarizer
from bot.types import ChatRef

if TYPE_CHECKING:
    from bot.summarize.llm import LLMSummarizer

log = logging.getLogger(__name__)

CONSOLE_CHAT = ChatRef("console", "console")


@dataclass
class PipelineReport:
    new_story_ids: list[int] = field(default_factory=list)
    merged_story_ids: list[int] = field(default_factory=list)
    summarized: int = 0
    resummarized: int = 0
    indexed: int = 0
    matched_stories: int = 0
    deliveries: int = 0


async def process_pending(
    engine: Engine,
    *,
    summarizer: Summarizer,
    clock: Clock,
    console: Adapter | None = None,
    limit: int = 500,
    resummarize: bool = False,
) -> PipelineReport:
    """Run every pending step once; prints each new story's Alert on ``console`` when given.

    With ``resummarize`` (``llm.resummarize_when_back``), stories that got the extractive
    digest while the LLM was unavailable are summarized again by the LLM once it answers.
    """
    report = PipelineReport()
    grouped = await asyncio.to_thread(assign_pending, engine, clock.now())
    report.new_story_ids = grouped.new_story_ids
    report.merged_story_ids = grouped.merged_story_ids
    report.summarized = await summarize_pending(engine, summarizer, clock.now(), limit=limit)
    if resummarize and uses_llm(summarizer):
        report.resummarized = await resummarize_pending(engine, summarizer, clock.now())
    try:
        report.indexed = await asyncio.to_thread(index_pending, engine, now=clock.now())
    except Exception:  # search is a convenience: delivery must go on without it
        log.exception("search indexing failed; will retry next cycle")
    report.matched_stories, report.deliveries = await asyncio.to_thread(
        match_pending, engine, clock.now(), limit=limit
    )
    if console is not None and report.new_story_ids:
        alerts = await asyncio.to_thread(load_alerts, engine, report.new_story_ids)
        for story_id in report.new_story_ids:
            if story_id in alerts:
                await console.send(CONSOLE_CHAT, alerts[story_id])
    log.info(
        "pipeline: %d new stories, %d merged, %d summarized, %d matched → %d deliveries",
        len(report.new_story_ids),
        len(report.merged_story_ids),
        report.summarized,
        report.matched_stories,
        report.deliveries,
    )
    return report


async def summarize_pending(
    engine: Engine, summarizer: Summarizer, now: datetime, *, limit: int
) -> int:
    """Summarize stories that have none yet, from their first article; returns how many.

    Each story is claimed in the database before its summarizer (an LLM call) runs, so two
    polls or instances working at once never summarize the same story twice.
    """
    todo = await asyncio.to_thread(_unsummarized, engine, limit)
    done = 0
    token = uuid.uuid4().hex
    for story_id in todo:
        if not await asyncio.to_thread(claim_summary, engine, story_id, token, now):
            continue  # summarized meanwhile, or another poll is at it
        doc = await asyncio.to_thread(story_document, engine, story_id)
        if doc is None:
            await asyncio.to_thread(release_summary_claim, engine, story_id, token)
            continue
        try:
            summary = await summarizer.summarize(doc)
        except Exception:
            log.exception("summarizing story %d failed; will retry next cycle", story_id)
            await asyncio.to_thread(release_summary_claim, engine, story_id, token)
            continue
        metrics.count_summary(summary.summarizer, summarizer.name)
        json = summary.model_dump_json()
        if await asyncio.to_thread(store_claimed_summary, engine, story_id, token, json, now):
            done += 1
    return done


def _unsummarized(engine: Engine, limit: int) -> list[int]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(stories.c.id)
                .where(stories.c.summary.is_(None))
                .order_by(stories.c.id)
                .limit(limit)
            ).scalars()
        )


def story_document(engine: Engine, story_id: int) -> Document | None:
    """The Document a story is summarized from: its primary article, the best source (an
    official release over a rewrite; else the first to arrive). None if it has no article.

    The stored text is the article's Document as canonical markdown (bot/documents/); the
    contacts extracted at ingest travel with it, so the summarizers do not extract again.
    """
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                articles.c.title,
                articles.c.text,
                articles.c.url,
                articles.c.published_at,
                articles.c.content_hash,
                articles.c.contacts,
                feeds.c.name,
            )
            .join(feeds, feeds.c.id == articles.c.feed_id)
            .where(articles.c.story_id == story_id)
            .order_by(*primary_article_order(story_id))
            .limit(1)
        ).first()
    if row is None:
        return None
    return Document(
        title=row.title,
        text=row.text,
        url=row.url,
        published_at=from_db(row.published_at),
        source=row.name,
        content_hash=row.content_hash,
        story_id=story_id,
        contacts=contacts_from_json(row.contacts) or None,
    )


async def resummarize_pending(engine: Engine, summarizer: LLMSummarizer, now: datetime) -> int:
    """Replace extractive fallbacks by LLM digests once the LLM answers again."""
    from bot.summarize.llm import retry_pending

    redone = await retry_pending(engine, summarizer, lambda sid: story_document(engine, sid))
    with engine.begin() as conn:
        for story_id, summary in redone.items():
            conn.execute(
                stories.update()
                .where(stories.c.id == story_id)
                .values(summary=summary.model_dump_json(), summarized_at=now)
            )
    return len(redone)


def match_pending(engine: Engine, now: datetime, *, limit: int) -> tuple[int, int]:
    """Match summarized, unmatched stories to chats wanting instant alerts; enqueue deliveries.

    Returns (stories matched, deliveries created).
    """
    with engine.connect() as conn:
        found = story_rows_facts(conn, stories.c.matched_at.is_(None), limit=limit)
    if not found:
        return 0, 0
    matcher = Matcher(instant_rules(engine))
    created = 0
    for row, _summary, facts in found:
        created += enqueue(engine, matcher.chats_for(facts), row.id, now)
        with engine.begin() as conn:
            conn.execute(stories.update().where(stories.c.id == row.id).values(matched_at=now))
    return len(found), created
