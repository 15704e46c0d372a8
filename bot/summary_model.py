"""What a reader should know of a story: the pydantic models an LLM must answer with.

Imported through bot.types (``from bot.types import Summary``) on first use.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from bot.types import Contact


class Labeled(BaseModel):
    """A labelled fact such as ``신청 기간: 4월 13일~5월 8일`` or ``예산: 1조 6,903억원``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    label: Annotated[str, Field(max_length=40)]
    value: Annotated[str, Field(max_length=120)]


class Summary(BaseModel):
    """What a reader should know in 15 seconds. Bullets use 보도체 (…했다/…한다)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    headline: Annotated[str, Field(min_length=1, max_length=60)]
    bullets: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=5)]
    topics: list[str] = []
    agencies: list[str] = []
    regions: list[str] = []
    key_dates: list[Labeled] = []
    amounts: list[Labeled] = []
    contacts: list[Contact] = []
    source_url: str = ""
    summarizer: str = "extractive"
    prompt_version: str = ""
