"""Summaries: LLM digests with grounded contact details, and the offline extractive fallback.

``build_summarizer`` picks the LLM path when OPENAI_API_KEY is set, else the extractive one;
the LLM path falls back to the extractive digest per story. ``EVENT_COUNTS`` counts the
grounding repairs and fallbacks of this process (each is also logged with its story id).

The heavy parts (openai, the Korean analyser) load on first use, so importing
``bot.summarize.model`` (as bot.messages does) stays cheap for the poller and its workers.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.clock import Clock
    from bot.config import Settings
    from bot.summarize.base import Document, Summarizer
    from bot.summarize.extractive import ExtractiveSummarizer
    from bot.summarize.llm import EVENT_COUNTS, LLMSummarizer, retry_pending
    from bot.types import Summary

__all__ = [
    "EVENT_COUNTS",
    "Document",
    "ExtractiveSummarizer",
    "LLMSummarizer",
    "Summarizer",
    "Summary",
    "build_summarizer",
    "retry_pending",
    "uses_llm",
]

_LAZY = {
    "EVENT_COUNTS": "bot.summarize.llm",
    "LLMSummarizer": "bot.summarize.llm",
    "retry_pending": "bot.summarize.llm",
    "ExtractiveSummarizer": "bot.summarize.extractive",
    "Document": "bot.summarize.base",
    "Summarizer": "bot.summarize.base",
    "Summary": "bot.summarize.model",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def uses_llm(summarizer: Summarizer) -> TypeGuard[LLMSummarizer]:
    """Whether ``summarizer`` is the LLM one, without importing openai (~45 MB, ~0.5 s) in a
    process that never built one: then the module is not loaded and it cannot be."""
    module = sys.modules.get("bot.summarize.llm")
    return module is not None and isinstance(summarizer, module.LLMSummarizer)


def build_summarizer(settings: Settings, engine: Engine, clock: Clock) -> Summarizer:
    """The LLM summarizer when an API key is configured, else the extractive one (then the
    openai client is never imported)."""
    from bot.summarize.extractive import ExtractiveSummarizer
    from bot.topics import build_taxonomy

    taxonomy = build_taxonomy(settings.topics.extra)
    extractive = ExtractiveSummarizer(taxonomy)
    api_key = settings.secrets.openai_api_key
    if not api_key or settings.llm.daily_token_budget == 0:
        return extractive
    from bot.summarize.llm import LLMSummarizer
    from bot.summarize.prompts import load_prompt

    return LLMSummarizer(
        settings.llm,
        api_key=api_key,
        engine=engine,
        clock=clock,
        taxonomy=taxonomy,
        prompt=load_prompt(settings.llm.prompt),
        extractive=extractive,
    )
