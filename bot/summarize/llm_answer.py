"""What the LLM must answer, and how its answer becomes a :class:`Summary`. Pure.

The JSON schema sent as ``response_format`` (:func:`response_format` falls back to JSON mode,
then plain text, for servers that refuse it), the lenient model of the answer, the tolerant
JSON extraction for plain-text answers and the lengths a Summary enforces.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from bot.errors import SummarizeError
from bot.summarize.extractive import shorten, to_news_style
from bot.types import Contact, Labeled, Summary

ResponseMode = Literal["json_schema", "json_object", "text"]

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
    contacts: list[Contact] = []  # a stdlib dataclass: keys it lacks are ignored


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
        contacts=digest.contacts[:10],
        source_url=url,
        summarizer=model,
        prompt_version=prompt_version,
    )


def response_format(mode: ResponseMode) -> dict[str, Any]:
    """The request's ``response_format`` argument for ``mode`` (none for plain text)."""
    if mode == "json_schema":
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "digest", "schema": DIGEST_SCHEMA, "strict": True},
            }
        }
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}
