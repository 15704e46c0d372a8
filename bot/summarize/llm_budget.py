"""The LLM's cache and budget decisions, as pure functions the summarizer applies.

:class:`~bot.summarize.llm.LLMSummarizer` does the I/O (the summaries cache and the daily
token counts in the store, the HTTP call); what it decides from them is here and takes plain
values: which cache entry a document has (:func:`content_key`) and whether a cached answer is
used (:func:`from_cache`), whether a call may be made now (:func:`paused` after an error,
:func:`over_budget` for the day's tokens, :func:`rate_limited`), and how long to leave the
endpoint alone after an error (:func:`pause_after`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import openai
from pydantic import ValidationError

from bot.clock import KST
from bot.documents import Document
from bot.errors import SummarizeError
from bot.types import Summary


class Unavailable(SummarizeError):
    """The LLM cannot be asked now (timeout, 429, 5xx, budget); ``retry_after`` in seconds."""

    def __init__(self, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def content_key(doc: Document) -> str:
    """The cache key of a document's text (with the prompt version and model beside it)."""
    return doc.content_hash or hashlib.sha256(doc.text.encode("utf-8", "replace")).hexdigest()


def from_cache(cached: str | None) -> Summary | None:
    """The cached summary when there is a readable one; else None (the LLM is asked)."""
    if cached is None:
        return None
    try:
        return Summary.model_validate_json(cached)
    except ValidationError:
        return None


def budget_day(now: datetime) -> str:
    """The day the token budget counts in (Korean time)."""
    return now.astimezone(KST).date().isoformat()


def estimate_tokens(messages: Sequence[Mapping[str, str]]) -> int:
    """A call's tokens before it is made: the prompt at two characters a token, and the answer."""
    return sum(len(m["content"]) for m in messages) // 2 + 800


def paused(now: float, paused_until: float) -> Unavailable | None:
    """Refused while the pause after an error lasts (``now`` on the monotonic clock)."""
    if now < paused_until:
        return Unavailable("paused after an error", paused_until - now)
    return None


def over_budget(used: int, estimate: int, budget: int) -> Unavailable | None:
    """Refused when the call would take the day's tokens over ``budget``."""
    if used + estimate > budget:
        return Unavailable(f"daily token budget exhausted ({used}/{budget})")
    return None


def rate_limited(wait: float, timeout: float) -> Unavailable | None:
    """Refused when the next request slot is further away than a call may take."""
    if wait > timeout:
        return Unavailable(f"rate limit: next slot in {wait:.0f} s")
    return None


def pause_after(error: openai.APIConnectionError | openai.APIStatusError) -> tuple[float, str]:
    """How long to leave the endpoint alone after ``error`` (seconds), and why in words."""
    if isinstance(error, openai.RateLimitError):
        after = retry_after(error.response.headers) or 60.0
        return after, f"429 rate limited, retry after {after:.0f} s"
    if isinstance(error, openai.APITimeoutError):
        return 5.0, "timeout"
    if isinstance(error, openai.APIConnectionError):
        return 30.0, f"connection failed: {error}"
    if error.status_code >= 500:
        return retry_after(error.response.headers) or 30.0, f"server error {error.status_code}"
    return 300.0, f"refused with {error.status_code}"


def deadline_pause(missed: int, deadline: float) -> tuple[float, str]:
    """How long to leave an endpoint alone after its ``missed``-th call in a row went past the
    deadline: one minute at least (or two deadlines), doubling, at most 15 minutes."""
    pause = min(900.0, max(60.0, 2 * deadline) * 2.0 ** max(0, missed - 1))
    return pause, f"no complete answer within {deadline:g} s (deadline)"


def retry_after(headers: Any) -> float | None:
    """The ``Retry-After`` header in seconds, when it is a number."""
    value = headers.get("retry-after") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
