"""The protocol both summarizers (LLM and extractive) implement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.summarize.model import Summary


@dataclass(frozen=True, slots=True)
class Document:
    """The text a summary is made from (a story's best article, or a file for `summarize`)."""

    title: str
    text: str
    url: str = ""
    published_at: datetime | None = None
    source: str | None = None
    content_hash: str = ""
    story_id: int | None = None


class Summarizer(Protocol):
    name: str  # "extractive" or the LLM model name

    async def summarize(self, doc: Document) -> Summary:
        """Return a validated, grounded digest; never raises for bad article text."""
        ...
