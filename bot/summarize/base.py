"""The protocol both summarizers (LLM and extractive) implement."""

from __future__ import annotations

from typing import Protocol

from bot.documents import Document
from bot.types import Summary

__all__ = ["Document", "Summarizer"]


class Summarizer(Protocol):
    name: str  # "extractive" or the LLM model name

    async def summarize(self, doc: Document) -> Summary:
        """Return a validated, grounded digest; never raises for bad article text."""
        ...
