"""Loading documents into a migrated database as feeds → stories → articles, for search tests.

The corpus is tests/data/docs (copied from /work/shared/data by issue 3, provenance in its
SOURCES.md): each file becomes one story with one article, named by its file name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.search import search
from bot.store import schema

DOCS = Path(__file__).parent / "data" / "docs"
BASE_TIME = datetime(2026, 4, 10, 0, 0, tzinfo=UTC)

_FRONT_TITLE = re.compile(r"^title:\s*(.+)$", re.MULTILINE)


def doc_title(text: str) -> str:
    """The title a feed would give: front matter ``title:``, a ``# `` heading, or the first
    line that is not a SOURCE note."""
    if match := _FRONT_TITLE.search(text):
        return match.group(1).strip().strip("'\"")
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("# "):
            return line[2:].strip()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("SOURCE:"):
            return line[:200]
    return "(제목 없음)"


def corpus_files() -> list[Path]:
    return sorted(
        p for p in DOCS.iterdir() if p.suffix in {".txt", ".md"} and p.name != "SOURCES.md"
    )


def add_feed(engine: Engine, name: str = "정책브리핑", url: str | None = None) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                sa.insert(schema.feeds).returning(schema.feeds.c.id),
                {
                    "name": name,
                    "url": url or f"https://example.kr/{name}.xml",
                    "created_at": BASE_TIME,
                },
            ).scalar_one()
        )


def add_story(
    engine: Engine,
    feed_id: int,
    *,
    title: str,
    text: str,
    published_at: datetime,
    guid: str | None = None,
    summary: dict[str, Any] | None = None,
) -> int:
    """One story holding one article; returns the story id."""
    guid = guid or f"{feed_id}-{title}-{published_at.isoformat()}"
    url = f"https://example.kr/a/{guid}"
    with engine.begin() as conn:
        story_id = int(
            conn.execute(
                sa.insert(schema.stories).returning(schema.stories.c.id),
                {
                    "title": title,
                    "url": url,
                    "canonical_url": url,
                    "norm_title": title[:500],
                    "content_hash": "h",
                    "first_seen_at": published_at,
                    "published_at": published_at,
                    "summary": json.dumps(summary, ensure_ascii=False) if summary else None,
                    "summarized_at": published_at if summary else None,
                },
            ).scalar_one()
        )
        conn.execute(
            sa.insert(schema.articles),
            {
                "feed_id": feed_id,
                "guid": guid,
                "url": url,
                "title": title,
                "text": text,
                "published_at": published_at,
                "fetched_at": published_at,
                "content_hash": "h",
                "story_id": story_id,
            },
        )
    return story_id


def load_corpus(engine: Engine) -> dict[str, int]:
    """Every corpus file as a story (one day apart, oldest first); file name → story id."""
    feed_id = add_feed(engine)
    ids = {}
    for i, path in enumerate(corpus_files()):
        text = path.read_text(encoding="utf-8")
        ids[path.name] = add_story(
            engine,
            feed_id,
            title=doc_title(text),
            text=text,
            published_at=BASE_TIME - timedelta(days=len(ids) and i),
            guid=path.name,
        )
    return ids


QUERIES = Path(__file__).parent / "data" / "search_queries.json"


@dataclass(frozen=True)
class Quality:
    recall_at_10: float
    mrr: float
    queries: int
    misses: tuple[str, ...]  # queries whose top 10 lacks a relevant document


def evaluate(engine: Engine, ids: dict[str, int], *, now: datetime | None = None) -> Quality:
    """Recall@10 (relevant found in the top 10, out of at most 10) and MRR over the set."""
    cases = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    recalls, ranks, misses = [], [], []
    for case in cases:
        relevant = {ids[name] for name in case["relevant"]}
        page = search(engine, case["query"], limit=10, now=now or BASE_TIME)
        found = [hit.story_id for hit in page.hits]
        hit_count = len(relevant & set(found))
        recalls.append(hit_count / min(len(relevant), 10))
        first = next((i for i, sid in enumerate(found, start=1) if sid in relevant), None)
        ranks.append(1 / first if first else 0.0)
        if hit_count < min(len(relevant), 10):
            misses.append(case["query"])
    return Quality(
        recall_at_10=sum(recalls) / len(recalls),
        mrr=sum(ranks) / len(ranks),
        queries=len(cases),
        misses=tuple(misses),
    )
