"""Indexing: new and changed articles and story digests into the engine's search index.

The work comes from ``search_queue`` (filled by triggers, migration 0004). Each document is
tokenized the same way on both engines (bot.search.query): FTS5 rows on SQLite, a tsvector
on PostgreSQL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine, RowMapping

from bot.agencies import find_agencies, resolve_agency
from bot.clock import SystemClock
from bot.search.filters import as_utc
from bot.search.query import (
    MAX_BODY_TOKENS,
    MAX_TITLE_TOKENS,
    index_tokens,
    tag_tokens,
    tsvector_literal,
)
from bot.store import is_postgres, search_index
from bot.store.search_index import FtsTokens, IndexEntry
from bot.topics import DEFAULT_TAXONOMY

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IndexDoc:
    """A document to index: its entry (what filters and ranking read) and the text whose
    tokens the engine's index keeps."""

    entry: IndexEntry
    title: str
    body: str


def index_pending(
    engine: Engine, *, limit: int | None = None, batch: int = 500, now: datetime | None = None
) -> int:
    """Index the articles (once they belong to a story) and story digests that are new or
    changed since they were indexed, all that were queued when the pass began (or up to
    ``limit``); returns how many were indexed.

    The work comes from ``search_queue``, which triggers on articles and stories fill
    (migration 0004): with nothing new this is one empty index read, whatever the size of
    the archive. Each batch writes its entries and deletes its queue rows (by id, so a row
    queued meanwhile stays) in one transaction: a crash leaves the rest queued, and the
    write lock is held one batch at a time (a cold cycle's 40,000 articles are 80 short
    transactions, not one long one). What is queued during the pass waits for the next, so
    a pass ends however fast new work comes.
    """
    with engine.connect() as conn:
        upto = search_index.last_queued(conn)
    if upto is None:
        return 0
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        with engine.begin() as conn:
            queued = search_index.queued(conn, upto=upto, n=size)
            if not queued:
                break
            refs: dict[str, set[int]] = {"article": set(), "summary": set()}
            for row in queued:
                refs.setdefault(row.kind, set()).add(row.ref_id)
            written = 0
            for kind, read, make in (
                ("article", search_index.indexable_articles, _article_doc),
                ("summary", search_index.indexable_summaries, _summary_doc),
            ):
                if not refs[kind]:
                    continue
                docs = [make(row) for row in read(conn, refs[kind])]
                write_docs(conn, docs, now or SystemClock().now())
                # deleted articles and digests, and articles that left their story
                search_index.drop_docs(conn, kind, refs[kind] - {d.entry.ref_id for d in docs})
                written += len(docs)
            search_index.dequeue(conn, [row.id for row in queued])
        done += written
    if done:
        log.info("search: indexed %d documents", done)
    return done


def _article_doc(row: RowMapping) -> IndexDoc:
    title, text = row["title"] or "", row["text"] or ""
    entry = IndexEntry(
        kind="article",
        ref_id=row["id"],
        story_id=row["story_id"],
        feed_id=row["feed_id"],
        published_at=as_utc(row["published_at"]),
        agencies=_issuers(title, text),
        topics=tuple(DEFAULT_TAXONOMY.classify(title, text)),
        stamp=row["stamp"],
        old_id=row["old_id"],
    )
    return IndexDoc(entry, title=title, body=text)


def _issuers(title: str, text: str) -> tuple[str, ...]:
    """Agencies named in the title or the first lines (the issuer, not those named in
    passing later); all agencies named anywhere when the opening names none."""
    return tuple(find_agencies(f"{title}\n{text[:500]}") or find_agencies(text))


def _summary_doc(row: RowMapping) -> IndexDoc:
    summary = load_summary(row["summary"])
    headline = str(summary.get("headline") or "")
    bullets = [str(b) for b in summary.get("bullets") or []]
    agencies = [resolve_agency(str(a)) or str(a) for a in summary.get("agencies") or []]
    topics = [DEFAULT_TAXONOMY.resolve(str(t)) or str(t) for t in summary.get("topics") or []]
    body = "\n".join(bullets)
    entry = IndexEntry(
        kind="summary",
        ref_id=row["id"],
        story_id=row["id"],
        feed_id=None,
        published_at=as_utc(row["published_at"]),
        agencies=tuple(dict.fromkeys(agencies or find_agencies(f"{headline}\n{body}"))),
        topics=tuple(dict.fromkeys(topics or DEFAULT_TAXONOMY.classify(headline, body))),
        stamp=row["stamp"],
        old_id=row["old_id"],
    )
    return IndexDoc(entry, title=headline, body=body)


def load_summary(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def write_docs(conn: Connection, docs: Sequence[IndexDoc], now: datetime) -> None:
    """Replace the index entries of ``docs`` (all of one kind) with their tokens: a tsvector
    on PostgreSQL, FTS5 columns on SQLite (bot.search.query makes both from the same
    tokens)."""
    if not docs:
        return
    entries = [d.entry for d in docs]
    if is_postgres(conn.engine):
        tsvectors = [tsvector_literal(d.title, d.body) for d in docs]
        search_index.postgres.write_entries(conn, entries, tsvectors, now)
        return
    tokens = [
        FtsTokens(
            title=" ".join(index_tokens(d.title, MAX_TITLE_TOKENS)),
            body=" ".join(index_tokens(d.body, MAX_BODY_TOKENS)),
            tags=" ".join(tag_tokens(d.entry.agencies, d.entry.topics)),
        )
        for d in docs
    ]
    search_index.sqlite.write_entries(conn, entries, tokens, now)
