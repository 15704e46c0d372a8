"""Pure ranking: recency blend and one place per story."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

DEFAULT_HALF_LIFE_DAYS = 30.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """One matching index document with its blended score (from the engine's SQL)."""

    doc_id: int
    kind: str
    ref_id: int
    story_id: int
    published_at: datetime
    score: float


def blend(relevance: float, age_days: float, half_life_days: float) -> float:
    """Relevance scaled by recency: a story loses up to half its score as it ages, half of
    that every ``half_life_days`` (so old, exact matches still beat new, loose ones).
    Both engines compute the same expression in SQL."""
    return relevance * (0.5 + 0.5 * math.pow(0.5, max(age_days, 0.0) / half_life_days))


def rank_stories(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The best document of each story, best story first (ties: newer first)."""
    best: dict[int, Candidate] = {}
    for c in candidates:
        if c.story_id not in best or c.score > best[c.story_id].score:
            best[c.story_id] = c
    return sorted(best.values(), key=lambda c: (-c.score, -c.published_at.timestamp(), -c.doc_id))
