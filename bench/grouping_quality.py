"""Grouping quality on labelled real coverage: B-cubed precision/recall/F1, hard negatives.

The labels (bench/data/grouping_labels.json: URL → event, family, date, dev/held-out) are
committed; the pages' texts are not (they are outlets' sentences). They are read from the
local cache var/grouping-cache/pages.jsonl, filled by hand while developing (see
docs/architecture.md); without it this part says so and measures nothing.

Articles arrive in publication order. "exact" is the grouping before issue 20 (canonical URL,
normalized title, content hash); "near" adds near duplicates, with candidates found the way
the store finds them (shared bucket keys, the newest PER_KEY per key), not by comparing all.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.stories import (
    NearCandidate,
    StoryCandidate,
    choose_near,
    choose_story,
    source_rank,
    story_keys,
)
from bot.story_features import StoryFeatures, bucket_keys, story_features

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "bench" / "data" / "grouping_labels.json"
CACHE = ROOT / "var" / "grouping-cache" / "pages.jsonl"
PER_KEY = 50  # what the store reads per key (bot.store.stories.PER_KEY)


@dataclass(frozen=True, slots=True)
class Page:
    url: str
    title: str
    text: str
    published_at: datetime
    event: str
    family: str
    split: str


def load_labels() -> list[dict[str, str]]:
    """The committed labels (URL, published, event, family, split), cached or not."""
    labels: list[dict[str, str]] = json.loads(LABELS.read_text(encoding="utf-8"))["pages"]
    return labels


def load_pages() -> list[Page] | None:
    """Labelled pages with their cached text, or None when the cache is absent."""
    if not CACHE.exists():
        return None
    texts = {}
    for line in CACHE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts[row["url"]] = row
    pages = []
    for label in load_labels():
        cached = texts.get(label["url"])
        if cached is None:
            continue
        pages.append(
            Page(
                url=label["url"],
                title=cached.get("title", ""),
                text=cached["text"],
                published_at=datetime.fromisoformat(label["published"]).replace(tzinfo=UTC),
                event=label["event"],
                family=label["family"],
                split=label["split"],
            )
        )
    return pages


def group(pages: list[Page], *, near: bool) -> dict[str, int]:
    """Story id per URL, articles taken in publication order."""
    ordered = sorted(pages, key=lambda p: (p.published_at, p.url))
    stories: list[StoryCandidate] = []
    assigned: dict[str, int] = {}
    index: dict[int, list[NearCandidate]] = {}
    for number, page in enumerate(ordered):
        digest = hashlib.sha256(page.text.encode()).hexdigest()
        keys = story_keys(page.url, page.title, digest)
        story_id = choose_story(keys, len(page.text), stories, page.published_at)
        features: StoryFeatures | None = None
        if near:
            features = story_features(page.title, page.text, official=source_rank(page.url) == 0)
            if story_id is None:
                found: dict[int, NearCandidate] = {}
                for key in bucket_keys(features):
                    for cand in index.get(key, [])[-PER_KEY:]:
                        found[cand.article_id] = cand
                match = choose_near(features, page.published_at, found.values())
                story_id = match.story_id if match else None
        if story_id is None:
            story_id = len(stories) + 1
            stories.append(
                StoryCandidate(
                    story_id, keys.canonical_url, keys.norm_title, digest, page.published_at
                )
            )
        assigned[page.url] = story_id
        if features is not None:
            cand = NearCandidate(number, story_id, page.published_at, features)
            for key in bucket_keys(features):
                index.setdefault(key, []).append(cand)
    return assigned


@dataclass(frozen=True, slots=True)
class Quality:
    pages: int
    events: int
    stories: int
    precision: float
    recall: float
    f1: float
    hard_pairs: int
    hard_merged: int


def bcubed(pages: list[Page], assigned: dict[str, int]) -> Quality:
    by_event: dict[str, set[str]] = {}
    by_story: dict[int, set[str]] = {}
    for p in pages:
        by_event.setdefault(p.event, set()).add(p.url)
        by_story.setdefault(assigned[p.url], set()).add(p.url)
    event_of = {p.url: p.event for p in pages}
    precision = recall = 0.0
    for p in pages:
        story = by_story[assigned[p.url]]
        event = by_event[p.event]
        correct = sum(1 for u in story if event_of[u] == p.event)
        precision += correct / len(story)
        recall += correct / len(event)
    n = len(pages)
    precision, recall = precision / n, recall / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    hard = [
        (a, b)
        for a, b in itertools.combinations(pages, 2)
        if a.family == b.family and a.event != b.event
    ]
    merged = sum(1 for a, b in hard if assigned[a.url] == assigned[b.url])
    return Quality(n, len(by_event), len(by_story), precision, recall, f1, len(hard), merged)


def same_day(pages: Iterable[Page]) -> list[Page]:
    """The pages as if all were published the same day: content alone must tell them apart."""
    day = datetime(2026, 4, 1, tzinfo=UTC)
    return [Page(p.url, p.title, p.text, day, p.event, p.family, p.split) for p in pages]


def merged_hard_pairs(pages: list[Page], assigned: dict[str, int]) -> list[tuple[str, str]]:
    return [
        (a.event, b.event)
        for a, b in itertools.combinations(pages, 2)
        if a.family == b.family and a.event != b.event and assigned[a.url] == assigned[b.url]
    ]
