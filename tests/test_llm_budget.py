"""The LLM's cache and budget decisions: pure functions over plain values and a fixed time."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import openai

from bot.documents import Document
from bot.summarize.llm_answer import response_format
from bot.summarize.llm_budget import (
    budget_day,
    content_key,
    estimate_tokens,
    from_cache,
    over_budget,
    pause_after,
    paused,
    rate_limited,
)
from bot.types import Summary

REQUEST = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")


def status(cls: type[openai.APIStatusError], code: int, **headers: str) -> openai.APIStatusError:
    return cls(
        "refused", response=httpx.Response(code, headers=headers, request=REQUEST), body=None
    )


def test_a_pause_refuses_until_it_ends() -> None:
    refused = paused(100.0, 130.0)
    assert refused is not None and refused.retry_after == 30.0
    assert refused.reason == "paused after an error"
    assert paused(130.0, 130.0) is None


def test_the_day_budget_counts_the_estimate() -> None:
    assert over_budget(used=900, estimate=100, budget=1000) is None
    refused = over_budget(used=901, estimate=100, budget=1000)
    assert refused is not None and refused.reason == "daily token budget exhausted (901/1000)"


def test_a_rate_limit_wait_longer_than_a_call_refuses() -> None:
    assert rate_limited(2.0, timeout=20.0) is None
    refused = rate_limited(45.0, timeout=20.0)
    assert refused is not None and refused.reason == "rate limit: next slot in 45 s"


def test_budget_day_is_the_korean_date() -> None:
    assert budget_day(datetime(2026, 4, 15, 14, 59, tzinfo=UTC)) == "2026-04-15"
    assert budget_day(datetime(2026, 4, 15, 15, 0, tzinfo=UTC)) == "2026-04-16"  # 00:00 KST


def test_estimate_is_half_the_characters_and_room_for_the_answer() -> None:
    assert estimate_tokens([{"role": "user", "content": "가" * 1000}]) == 1300


def test_cache_key_and_cached_answers() -> None:
    assert content_key(Document(title="t", text="본문", content_hash="abc")) == "abc"
    assert content_key(Document(title="t", text="본문")) == content_key(Document("x", "본문"))
    summary = Summary(headline="제목", bullets=["요점이에요."], summarizer="m")
    assert from_cache(summary.model_dump_json()) == summary
    assert from_cache('{"headline": 3}') is None  # unreadable: the LLM is asked again
    assert from_cache(None) is None


def test_pause_after_each_kind_of_error() -> None:
    assert pause_after(status(openai.RateLimitError, 429, **{"retry-after": "12"})) == (
        12.0,
        "429 rate limited, retry after 12 s",
    )
    assert pause_after(status(openai.RateLimitError, 429))[0] == 60.0
    assert pause_after(openai.APITimeoutError(REQUEST)) == (5.0, "timeout")
    assert pause_after(openai.APIConnectionError(request=REQUEST))[0] == 30.0
    assert pause_after(status(openai.InternalServerError, 503)) == (30.0, "server error 503")
    assert pause_after(status(openai.AuthenticationError, 401)) == (300.0, "refused with 401")


def test_response_format_falls_back_step_by_step() -> None:
    assert response_format("json_schema")["response_format"]["type"] == "json_schema"
    assert response_format("json_object") == {"response_format": {"type": "json_object"}}
    assert response_format("text") == {}
