"""The LLM digest over any OpenAI-compatible endpoint, grounded, cached, never blocking.

One call per story, cached by (content hash, prompt version, model) in the database. Output
is asked for with a json_schema response format; servers that refuse it get JSON mode, then
plain text with tolerant JSON extraction. Invalid output is retried once. Timeouts, 429
(Retry-After honoured), 5xx and an exhausted daily token budget never stall ingestion: the
story gets the extractive digest now, and is recorded for a later retry when configured.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import openai
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.engine import Engine

from bot import metrics
from bot.clock import KST, Clock
from bot.config import LLMSettings
from bot.documents import llm_text, structure
from bot.documents.contacts import contacts_of
from bot.errors import SummarizeError
from bot.pacing import TokenBucket
from bot.store import summaries as store
from bot.summarize.base import Document
from bot.summarize.extractive import ExtractiveSummarizer, shorten, to_news_style
from bot.summarize.grounding import GroundingEvent, ground
from bot.summarize.prompts import Prompt, as_data
from bot.topics import Taxonomy
from bot.types import Contact, Labeled, Summary

log = logging.getLogger(__name__)

#: In-process counts of grounding repairs and fallbacks, by kind (also logged per story).
EVENT_COUNTS: Counter[str] = Counter()

_STR_OR_NULL = {"type": ["string", "null"]}
_LABELED = {
    "type": "object",
    "properties": {"label": {"type": "string"}, "value": {"type": "string"}},
    "required": ["label", "value"],
    "additionalProperties": False,
}
DIGEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "headline": {"type": "string"},
        "bullets": {"type": "array", "items": {"type": "string"}},
        "topics": {"type": "array", "items": {"type": "string"}},
        "agencies": {"type": "array", "items": {"type": "string"}},
        "regions": {"type": "array", "items": {"type": "string"}},
        "key_dates": {"type": "array", "items": _LABELED},
        "amounts": {"type": "array", "items": _LABELED},
        "contacts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    k: _STR_OR_NULL for k in ("organization", "department", "role", "name", "phone")
                },
                "required": ["organization", "department", "role", "name", "phone"],
                "additionalProperties": False,
            },
        },
    },
    "required": [
        "headline",
        "bullets",
        "topics",
        "agencies",
        "regions",
        "key_dates",
        "amounts",
        "contacts",
    ],
    "additionalProperties": False,
}


class _LLMContact(BaseModel):
    model_config = ConfigDict(extra="ignore")
    organization: str | None = None
    department: str | None = None
    role: str | None = None
    name: str | None = None
    phone: str | None = None


class _LLMLabeled(BaseModel):
    model_config = ConfigDict(extra="ignore")
    label: str
    value: str


class LLMDigest(BaseModel):
    """What the model must answer (lenient: lengths are enforced when building the Summary)."""

    model_config = ConfigDict(extra="ignore")
    headline: str
    bullets: list[str]
    topics: list[str] = []
    agencies: list[str] = []
    regions: list[str] = []
    key_dates: list[_LLMLabeled] = []
    amounts: list[_LLMLabeled] = []
    contacts: list[_LLMContact] = []


class Unavailable(SummarizeError):
    """The LLM cannot be asked now (timeout, 429, 5xx, budget); ``retry_after`` in seconds."""

    def __init__(self, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class InvalidOutput(SummarizeError):
    """The model answered something that is not a usable digest."""


def extract_json(text: str) -> Any:
    """The first JSON object in ``text`` (code fences and prose around it tolerated)."""
    text = text.strip()
    fenced = re.search(r"```(?:json)?\s*(\{.*?\})\s*```", text, re.S)
    if fenced:
        text = fenced.group(1)
    try:
        return json.loads(text)
    except ValueError:
        pass
    start = text.find("{")
    while start != -1:
        depth, in_str, escaped = 0, False, False
        for i in range(start, len(text)):
            ch = text[i]
            if in_str:
                escaped = ch == "\\" and not escaped
                if ch == '"' and not escaped:
                    in_str = False
                continue
            if ch == '"':
                in_str = True
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    try:
                        return json.loads(text[start : i + 1])
                    except ValueError:
                        break
        start = text.find("{", start + 1)
    raise InvalidOutput("no JSON object in the answer")


def digest_to_summary(digest: LLMDigest, *, model: str, prompt_version: str, url: str) -> Summary:
    """A valid Summary from the model's answer: lengths enforced, style unified."""

    def labeled(items: list[_LLMLabeled]) -> list[Labeled]:
        return [
            Labeled(label=shorten(i.label, 40), value=shorten(i.value, 120))
            for i in items[:5]
            if i.label.strip() and i.value.strip()
        ]

    bullets = [shorten(to_news_style(b), 120) for b in digest.bullets if b.strip()][:5]
    headline = shorten(digest.headline.strip(), 60)
    if not headline:
        raise InvalidOutput("empty headline")
    return Summary(
        headline=headline,
        bullets=bullets,
        topics=[t.strip() for t in digest.topics][:3],
        agencies=[a.strip() for a in digest.agencies if a.strip()][:5],
        regions=[r.strip() for r in digest.regions if r.strip()][:5],
        key_dates=labeled(digest.key_dates),
        amounts=labeled(digest.amounts),
        contacts=[Contact(**c.model_dump()) for c in digest.contacts[:10]],
        source_url=url,
        summarizer=model,
        prompt_version=prompt_version,
    )


def record(kind: str, story_id: int | None, detail: str) -> None:
    """Count one grounding/fallback event and log it with the story id."""
    EVENT_COUNTS[kind] += 1
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
        self.mode = "json_schema"  # → "json_object" → "text" for servers that refuse
        self._monotonic = monotonic
        # requests_per_minute, on real time (``monotonic`` only drives pauses after errors)
        self._bucket = TokenBucket(rate=settings.requests_per_minute / 60.0, burst=1.0)
        self._paused_until = 0.0
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

    def content_key(self, doc: Document) -> str:
        return doc.content_hash or hashlib.sha256(doc.text.encode("utf-8", "replace")).hexdigest()

    async def summarize_llm(self, doc: Document, *, fallback: Summary | None = None) -> Summary:
        """The LLM digest or an exception (Unavailable / InvalidOutput); cached when made."""
        key = self.content_key(doc)
        cached = await asyncio.to_thread(
            store.cached_summary, self.engine, key, self.prompt.version, self.name
        )
        if cached is not None:
            try:
                return Summary.model_validate_json(cached)
            except ValidationError:
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
        return self.clock.now().astimezone(KST).date().isoformat()

    async def _admit(self, estimate: int) -> None:
        """Wait for the rate limit (briefly) and check the budget, or raise Unavailable."""
        now = self._monotonic()
        if now < self._paused_until:
            raise Unavailable("paused after an error", self._paused_until - now)
        budget = self.settings.daily_token_budget
        used = await asyncio.to_thread(store.tokens_used, self.engine, self._day())
        if used + estimate > budget:
            raise Unavailable(f"daily token budget exhausted ({used}/{budget})")
        wait = self._bucket.try_take()
        if wait > self.settings.timeout:
            raise Unavailable(f"rate limit: next slot in {wait:.0f} s")
        while wait > 0:
            await asyncio.sleep(wait)
            wait = self._bucket.try_take()

    def _pause(self, seconds: float, reason: str) -> Unavailable:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)
        return Unavailable(reason, seconds)

    async def _call(self, messages: list[dict[str, str]]) -> tuple[str, int, int]:
        """One completion (falling back in response format if refused): (text, in, out)."""
        estimate = sum(len(m["content"]) for m in messages) // 2 + 800
        await self._admit(estimate)
        while True:
            try:
                response = await self.client.chat.completions.create(
                    model=self.name,
                    messages=messages,  # type: ignore[arg-type]
                    temperature=self.settings.temperature,
                    **self._format_args(),
                )
                break
            except openai.BadRequestError as e:
                if self.mode == "text":
                    raise InvalidOutput(f"request refused: {e}") from e
                self.mode = "json_object" if self.mode == "json_schema" else "text"
                log.warning("LLM refused the response format; switching to %s", self.mode)
            except openai.RateLimitError as e:
                after = _retry_after(e.response.headers) or 60.0
                raise self._pause(after, f"429 rate limited, retry after {after:.0f} s") from e
            except openai.APITimeoutError as e:
                raise self._pause(5.0, "timeout") from e
            except openai.APIConnectionError as e:
                raise self._pause(30.0, f"connection failed: {e}") from e
            except openai.APIStatusError as e:
                if e.status_code >= 500:
                    after = _retry_after(e.response.headers) or 30.0
                    raise self._pause(after, f"server error {e.status_code}") from e
                raise self._pause(300.0, f"refused with {e.status_code}") from e
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

    def _format_args(self) -> dict[str, Any]:
        if self.mode == "json_schema":
            return {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "digest", "schema": DIGEST_SCHEMA, "strict": True},
                }
            }
        if self.mode == "json_object":
            return {"response_format": {"type": "json_object"}}
        return {}


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


async def retry_pending(
    engine: Engine,
    summarizer: LLMSummarizer,
    load: Callable[[int], Document | None],
    *,
    limit: int = 20,
) -> dict[int, Summary]:
    """Re-summarize stories that got the extractive digest while the LLM was unavailable.

    ``load`` returns a story's Document (None when the story is gone). Returns the new
    summaries by story id for the caller to store; stops at the first Unavailable.
    """
    done: dict[int, Summary] = {}
    for story_id in await asyncio.to_thread(store.stories_to_retry, engine, limit):
        doc = load(story_id)
        if doc is None:
            await asyncio.to_thread(store.clear_retry, engine, story_id)
            continue
        try:
            done[story_id] = await summarizer.summarize_llm(doc)
        except Unavailable:
            break
        except InvalidOutput as e:
            record("fallback_invalid_output", story_id, str(e))
        await asyncio.to_thread(store.clear_retry, engine, story_id)
    return done
