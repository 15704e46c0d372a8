"""The LLM digest over any OpenAI-compatible endpoint, grounded, cached, never blocking.

One call per story, cached by (content hash, prompt version, model) in the database. Output
is asked for with a json_schema response format; servers that refuse it get JSON mode, then
plain text with tolerant JSON extraction (the answer's format: llm_answer.py). Invalid output
is retried once. Every call has a total deadline (``[llm] timeout``, the body included): a
missed one pauses the LLM, longer while it keeps missing. Timeouts, 429 (Retry-After
honoured), 5xx and an exhausted daily token budget never stall ingestion: the story gets the
extractive digest now, and is recorded for a later retry when configured. The cache and
budget decisions are pure functions (llm_budget.py); this class does the I/O and applies them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime

import openai
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from bot import metrics
from bot.clock import Clock
from bot.config import LLMSettings
from bot.documents import llm_text, structure
from bot.documents.contacts import contacts_of
from bot.pacing import TokenBucket
from bot.store import summaries as store
from bot.summarize.base import Document
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.grounding import GroundingEvent, ground
from bot.summarize.llm_answer import (
    InvalidOutput,
    LLMDigest,
    ResponseMode,
    digest_to_summary,
    extract_json,
    response_format,
)
from bot.summarize.llm_budget import (
    Unavailable,
    budget_day,
    content_key,
    deadline_pause,
    estimate_tokens,
    from_cache,
    over_budget,
    pause_after,
    paused,
    rate_limited,
)
from bot.summarize.prompts import Prompt, as_data
from bot.topics import Taxonomy
from bot.types import Summary

__all__ = [
    "EVENT_COUNTS",
    "InvalidOutput",
    "LLMDigest",
    "LLMSummarizer",
    "Unavailable",
    "extract_json",
    "record",
    "retry_pending",
]

log = logging.getLogger(__name__)

#: In-process counts of grounding repairs and fallbacks, by kind (also logged per story).
EVENT_COUNTS: Counter[str] = Counter()


def record(kind: str, story_id: int | None, detail: str) -> None:
    """Count one grounding/fallback event (here and in /metrics) and log it with the story id."""
    EVENT_COUNTS[kind] += 1
    metrics.count_summary_event(kind)
    log.info("summary event %s story=%s: %s", kind, story_id, detail[:300])


class LLMSummarizer:
    """Summarizer protocol over an OpenAI-compatible chat completions endpoint."""

    def __init__(
        self,
        settings: LLMSettings,
        *,
        api_key: str,
        engine: Engine,
        clock: Clock,
        taxonomy: Taxonomy,
        prompt: Prompt,
        extractive: ExtractiveSummarizer | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.name = settings.model
        self.engine = engine
        self.clock = clock
        self.taxonomy = taxonomy
        self.prompt = prompt
        self.extractive = extractive or ExtractiveSummarizer(taxonomy)
        self.client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=settings.base_url,
            timeout=settings.timeout,
            max_retries=0,
        )
        self.mode: ResponseMode = "json_schema"  # → "json_object" → "text" if refused
        self._monotonic = monotonic
        # requests_per_minute, on real time (``monotonic`` only drives pauses after errors)
        self._bucket = TokenBucket(rate=settings.requests_per_minute / 60.0, burst=1.0)
        self._paused_until = 0.0
        self._missed = 0  # calls in a row that missed their deadline (the pause doubles)
        self.calls = 0
        self.input_tokens: list[int] = []

    async def close(self) -> None:
        await self.client.close()

    async def summarize(self, doc: Document) -> Summary:
        """The grounded LLM digest, from the cache when possible; the extractive one on failure."""
        try:
            return await self.summarize_llm(doc)
        except Unavailable as e:
            record("fallback_unavailable", doc.story_id, e.reason)
            if doc.story_id is not None and self.settings.resummarize_when_back:
                await asyncio.to_thread(
                    store.mark_for_retry, self.engine, doc.story_id, e.reason, self.clock.now()
                )
        except InvalidOutput as e:
            record("fallback_invalid_output", doc.story_id, str(e))
        except Exception as e:  # an LLM problem must never stop the pipeline
            log.exception("LLM summary failed (story %s)", doc.story_id)
            record("fallback_error", doc.story_id, repr(e))
        return self.extractive.summarize_now(doc)

    async def summarize_llm(self, doc: Document, *, fallback: Summary | None = None) -> Summary:
        """The LLM digest or an exception (Unavailable / InvalidOutput); cached when made."""
        key = content_key(doc)
        cached = await asyncio.to_thread(
            store.cached_summary, self.engine, key, self.prompt.version, self.name
        )
        if (summary := from_cache(cached)) is not None:
            return summary
        if cached is not None:
            log.warning("ignoring an unreadable cached summary for %s", key[:12])
        fallback = fallback or self.extractive.summarize_now(doc)
        messages = self._messages(doc)
        attempts = 0
        while True:
            attempts += 1
            content, usage_in, usage_out = await self._call(messages)
            try:
                digest = LLMDigest.model_validate(extract_json(content))
                summary = digest_to_summary(
                    digest, model=self.name, prompt_version=self.prompt.version, url=doc.url
                )
                break
            except (InvalidOutput, ValidationError, ValueError) as e:
                record("invalid_output", doc.story_id, str(e)[:200])
                if attempts >= 2:
                    raise InvalidOutput(f"invalid output twice: {e}") from e
        grounded, events = self.ground(summary, doc, fallback)
        for event in events:
            record(event.kind, doc.story_id, event.detail)
        await asyncio.to_thread(
            store.store_summary,
            self.engine,
            key,
            self.prompt.version,
            self.name,
            grounded.model_dump_json(),
            input_tokens=usage_in,
            output_tokens=usage_out,
            now=self.clock.now(),
        )
        return grounded

    def ground(
        self, summary: Summary, doc: Document, fallback: Summary
    ) -> tuple[Summary, list[GroundingEvent]]:
        doc = structure(doc)
        rules = list(doc.contacts) if doc.contacts is not None else contacts_of(doc)
        return ground(
            summary,
            doc.text,
            rule_contacts=rules,
            fallback=fallback,
            taxonomy=self.taxonomy,
            source_url=doc.url,
        )

    def _messages(self, doc: Document) -> list[dict[str, str]]:
        topics = ", ".join(n for n in self.taxonomy.names)
        # the structured body without the contact block: contacts come from the rules only
        article = as_data(llm_text(structure(doc)), self.settings.max_input_chars)
        content = self.prompt.render(
            title=as_data(doc.title, 300),
            source=as_data(doc.source or doc.url or "", 300),
            topics=topics,
            article=article,
        )
        return [{"role": "user", "content": content}]

    def _day(self) -> str:
        return budget_day(self.clock.now())

    async def _admit(self, estimate: int) -> None:
        """Wait for the rate limit (briefly) and check the budget, or raise Unavailable."""
        if refused := paused(self._monotonic(), self._paused_until):
            raise refused
        used = await asyncio.to_thread(store.tokens_used, self.engine, self._day())
        if refused := over_budget(used, estimate, self.settings.daily_token_budget):
            raise refused
        wait = self._bucket.try_take()
        if refused := rate_limited(wait, self.settings.timeout):
            raise refused
        while wait > 0:
            await asyncio.sleep(wait)
            wait = self._bucket.try_take()

    def _pause(self, seconds: float, reason: str) -> Unavailable:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)
        return Unavailable(reason, seconds)

    async def _call(self, messages: list[dict[str, str]]) -> tuple[str, int, int]:
        """One completion (falling back in response format if refused): (text, in, out)."""
        estimate = estimate_tokens(messages)
        await self._admit(estimate)
        while True:
            try:
                # The client's timeout bounds each read; a server trickling one byte a second
                # never trips it. The deadline bounds the whole call, body included.
                async with asyncio.timeout(self.settings.timeout):
                    response = await self.client.chat.completions.create(
                        model=self.name,
                        messages=messages,  # type: ignore[arg-type]
                        temperature=self.settings.temperature,
                        **response_format(self.mode),
                    )
                self._missed = 0
                break
            except TimeoutError as e:
                self._missed += 1
                raise self._pause(*deadline_pause(self._missed, self.settings.timeout)) from e
            except openai.BadRequestError as e:
                if self.mode == "text":
                    raise InvalidOutput(f"request refused: {e}") from e
                self.mode = "json_object" if self.mode == "json_schema" else "text"
                log.warning("LLM refused the response format; switching to %s", self.mode)
            except (openai.APIConnectionError, openai.APIStatusError) as e:
                raise self._pause(*pause_after(e)) from e
        self.calls += 1
        usage = response.usage
        used_in = usage.prompt_tokens if usage else estimate
        used_out = usage.completion_tokens if usage else 0
        self.input_tokens.append(used_in)
        metrics.count_llm_call(used_in, used_out)
        await asyncio.to_thread(store.add_usage, self.engine, self._day(), used_in + used_out)
        choice = response.choices[0] if response.choices else None
        content = choice.message.content if choice and choice.message else None
        if not content:
            raise InvalidOutput("empty answer")
        return content, used_in, used_out


async def retry_pending(
    engine: Engine, summarizer: LLMSummarizer, now: datetime, *, limit: int = 20
) -> int:
    """Re-summarize stories that got the extractive digest while the LLM was unavailable, and
    store the new digests; returns how many were replaced. Stops at the first Unavailable
    (the rest stay queued for the next cycle)."""
    waiting = await asyncio.to_thread(store.stories_to_retry, engine, limit)
    docs = await asyncio.to_thread(store.story_documents, engine, waiting)
    done: dict[int, str] = {}
    settled: list[int] = []
    for story_id in waiting:
        doc = docs.get(story_id)
        if doc is not None:
            try:
                done[story_id] = (await summarizer.summarize_llm(doc)).model_dump_json()
            except Unavailable:
                break
            except InvalidOutput as e:
                record("fallback_invalid_output", story_id, str(e))
        settled.append(story_id)  # done, gone, or the LLM's answer was unusable: not again
    await asyncio.to_thread(store.replace_summaries, engine, done, now)
    await asyncio.to_thread(store.clear_retries, engine, settled)
    return len(done)
