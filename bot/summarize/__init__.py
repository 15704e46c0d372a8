"""Summaries: LLM digests with grounded contact details, and the offline extractive fallback.

``build_summarizer`` picks the LLM path when OPENAI_API_KEY is set, else the extractive one;
the LLM path falls back to the extractive digest per story. ``EVENT_COUNTS`` counts the
grounding repairs and fallbacks of this process (each is also logged with its story id).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.config import Settings
from bot.summarize.base import Document, Summarizer
from bot.summarize.extractive import ExtractiveSummarizer
from bot.summarize.llm import EVENT_COUNTS, LLMSummarizer, retry_pending
from bot.summarize.model import Summary
from bot.summarize.prompts import load_prompt
from bot.topics import build_taxonomy

__all__ = [
    "EVENT_COUNTS",
    "Document",
    "ExtractiveSummarizer",
    "LLMSummarizer",
    "Summarizer",
    "Summary",
    "build_summarizer",
    "retry_pending",
]


def build_summarizer(settings: Settings, engine: Engine, clock: Clock) -> Summarizer:
    """The LLM summarizer when an API key is configured, else the extractive one."""
    taxonomy = build_taxonomy(settings.topics.extra)
    extractive = ExtractiveSummarizer(taxonomy)
    api_key = settings.secrets.openai_api_key
    if not api_key or settings.llm.daily_token_budget == 0:
        return extractive
    return LLMSummarizer(
        settings.llm,
        api_key=api_key,
        engine=engine,
        clock=clock,
        taxonomy=taxonomy,
        prompt=load_prompt(settings.llm.prompt),
        extractive=extractive,
    )
