"""Loading documents into a migrated database as feeds → stories → articles, for search tests.

The corpus is tests/data/docs (copied from /work/shared/data by issue 3, provenance in its
SOURCES.md): each file becomes one story with one article, named by its file name.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

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
                sa.text(
                    "INSERT INTO feeds (name, url, enabled, consecutive_failures, created_at) "
                    "VALUES (:name, :url, :enabled, 0, :now) RETURNING id"
                ),
                {
                    "name": name,
                    "url": url or f"https://example.kr/{name}.xml",
                    "enabled": True,
                    "now": BASE_TIME,
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
    url = f"https://example.kr/a/{abs(hash(guid)) % 10**9}"
    with engine.begin() as conn:
        story_id = int(
            conn.execute(
                sa.text(
                    "INSERT INTO stories (title, url, canonical_url, norm_title, content_hash, "
                    "first_seen_at, published_at, source_count, summary, summarized_at) VALUES "
                    "(:title, :url, :url, :title, 'h', :at, :at, 1, :summary, :summarized_at) "
                    "RETURNING id"
                ),
                {
                    "title": title,
                    "url": url,
                    "at": published_at,
                    "summary": json.dumps(summary, ensure_ascii=False) if summary else None,
                    "summarized_at": published_at if summary else None,
                },
            ).scalar_one()
        )
        conn.execute(
            sa.text(
                "INSERT INTO articles (feed_id, guid, url, title, text, published_at, fetched_at,"
                " content_hash, story_id) VALUES (:feed_id, :guid, :url, :title, :text, :at, :at,"
                " 'h', :story_id)"
            ),
            {
                "feed_id": feed_id,
                "guid": guid,
                "url": url,
                "title": title,
                "text": text,
                "at": published_at,
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
