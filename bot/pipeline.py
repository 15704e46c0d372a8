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

from sqlalchemy.engine import Engine

from bot import metrics
from bot.adapters import Adapter
from bot.clock import Clock
from bot.matching import Matcher
from bot.search import index_pending
from bot.store.chats import instant_rules
from bot.store.deliveries import enqueue_matches
from bot.store.revisions import enqueue_corrections
from bot.store.stories import assign_pending, load_alerts, unmatched_facts
from bot.store.summaries import (
    claim_summaries,
    release_summary_claims,
    store_claimed_summaries,
    story_documents,
    unsummarized_story_ids,
)
from bot.summarize import uses_llm
from bot.summarize.base import Document, Summarizer
from bot.summarize.extractive import ExtractiveSummarizer
from bot.types import ChatRef, Summary

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
    corrections: int = 0  # 정정 notices queued


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
    while True:  # every article of the cycle, a slice at a time (assign_pending's limit)
        grouped = await asyncio.to_thread(assign_pending, engine, clock.now())
        if not grouped.new_story_ids and not grouped.merged_story_ids:
            break
        report.new_story_ids += grouped.new_story_ids
        report.merged_story_ids += grouped.merged_story_ids
    report.summarized = await summarize_pending(engine, summarizer, clock.now(), limit=limit)
    if resummarize and uses_llm(summarizer):
        report.resummarized = await resummarize_pending(engine, summarizer, clock.now())
    try:
        report.indexed = await asyncio.to_thread(index_pending, engine, now=clock.now())
    except Exception:  # search is a convenience: delivery must go on without it
        log.exception("search indexing failed; will retry next cycle")
    while True:
        matched, created = await asyncio.to_thread(match_pending, engine, clock.now(), limit=limit)
        report.matched_stories += matched
        report.deliveries += created
        if matched < limit:
            break
    report.corrections = await asyncio.to_thread(enqueue_corrections, engine, clock.now())
    if console is not None:  # a slice at a time: a cold cycle's alerts are not held at once
        for start in range(0, len(report.new_story_ids), limit):
            ids = report.new_story_ids[start : start + limit]
            alerts = await asyncio.to_thread(load_alerts, engine, ids)
            for story_id in ids:
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

    The offline (extractive) path summarizes every waiting story, ``limit`` at a time; the
    LLM path one slice of ``limit`` per cycle (its calls and budget bound it) and logs how
    many wait for the next cycle. Each slice is claimed in the database before its
    summarizer runs, so two polls or instances working at once never summarize the same
    story twice.
    """
    done = 0
    while True:
        todo = await asyncio.to_thread(unsummarized_story_ids, engine, limit)
        if not todo:
            return done
        made = await _summarize_slice(engine, summarizer, todo, now)
        done += made
        if uses_llm(summarizer) or made == 0:  # made == 0: another poll holds the rest
            break
    waiting = len(await asyncio.to_thread(unsummarized_story_ids, engine, limit + 1))
    if waiting:
        log.info(
            "summaries: %d made, %s more wait for the next cycle", done, _at_least(waiting, limit)
        )
    return done


def _at_least(count: int, shown: int) -> str:
    return f"over {shown}" if count > shown else str(count)


async def _summarize_slice(
    engine: Engine, summarizer: Summarizer, story_ids: list[int], now: datetime
) -> int:
    """Claim, summarize and store one slice of stories; returns how many were written."""
    token = uuid.uuid4().hex
    held = await asyncio.to_thread(claim_summaries, engine, story_ids, token, now)
    docs = await asyncio.to_thread(story_documents, engine, held)
    if isinstance(summarizer, ExtractiveSummarizer):  # CPU only: the slice in one thread hop
        made = await asyncio.to_thread(_extract_all, summarizer, docs)
    else:
        made = {}
        for story_id, doc in docs.items():
            try:
                made[story_id] = await summarizer.summarize(doc)
            except Exception:
                log.exception("summarizing story %d failed; will retry next cycle", story_id)
    for summary in made.values():
        metrics.count_summary(summary.summarizer, summarizer.name)
    written = {story_id: s.model_dump_json() for story_id, s in made.items()}
    stored = await asyncio.to_thread(store_claimed_summaries, engine, token, written, now)
    failed = [story_id for story_id in held if story_id not in made]
    if failed:
        await asyncio.to_thread(release_summary_claims, engine, failed, token)
    return stored


def _extract_all(summarizer: ExtractiveSummarizer, docs: dict[int, Document]) -> dict[int, Summary]:
    return {story_id: summarizer.summarize_now(doc) for story_id, doc in docs.items()}


async def resummarize_pending(engine: Engine, summarizer: LLMSummarizer, now: datetime) -> int:
    """Replace extractive fallbacks by LLM digests once the LLM answers again."""
    from bot.summarize.llm import retry_pending

    return await retry_pending(engine, summarizer, now)


def match_pending(engine: Engine, now: datetime, *, limit: int) -> tuple[int, int]:
    """Match summarized, unmatched stories to chats wanting instant alerts; enqueue deliveries
    and mark the stories matched (one transaction). Returns (stories matched, deliveries
    created)."""
    found = unmatched_facts(engine, limit=limit)
    if not found:
        return 0, 0
    matcher = Matcher(instant_rules(engine))
    wanted = {facts.story_id: matcher.chats_for(facts) for facts in found}
    return len(found), enqueue_matches(engine, wanted, now)
