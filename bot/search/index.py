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

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.agencies import find_agencies, resolve_agency
from bot.clock import SystemClock
from bot.search import sqlite
from bot.search.common import typed
from bot.search.filters import as_utc
from bot.search.query import tsvector_literal
from bot.topics import DEFAULT_TAXONOMY

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IndexDoc:
    kind: str
    ref_id: int
    story_id: int
    feed_id: int | None
    published_at: datetime
    title: str
    body: str
    agencies: tuple[str, ...]
    topics: tuple[str, ...]
    stamp: datetime | str  # written back verbatim: compared with its source in SQL
    old_id: int | None


_QUEUED = sa.text(
    "SELECT id, kind, ref_id FROM search_queue WHERE id <= :upto ORDER BY id LIMIT :n"
)
_LAST_QUEUED = sa.text("SELECT max(id) FROM search_queue")


def _queued_rows(
    kind: str, table: str, alias: str, *, columns: str, stamp: str, indexable: str
) -> sa.TextClause:
    """The queued rows (``:ids``) of ``table`` that can be indexed, with the ``stamp`` that
    tells whether they changed since and the id of the entry they replace (``old_id``)."""
    return sa.text(
        f"""
    SELECT {alias}.id, {columns},
           {stamp} AS stamp, d.id AS old_id
    FROM {table} {alias}
    LEFT JOIN search_docs d ON d.kind = '{kind}' AND d.ref_id = {alias}.id
    WHERE {alias}.id IN :ids AND {indexable}
    ORDER BY {alias}.id
    """
    ).bindparams(sa.bindparam("ids", expanding=True))


_ARTICLES = _queued_rows(
    "article",
    "articles",
    "a",
    columns="a.story_id, a.feed_id, a.title, a.text, a.published_at",
    stamp="COALESCE(a.updated_at, a.fetched_at)",
    indexable="a.story_id IS NOT NULL AND a.withdrawn_at IS NULL",
)
_SUMMARIES = _queued_rows(
    "summary",
    "stories",
    "s",
    columns="s.summary, s.published_at",
    stamp="COALESCE(s.summarized_at, s.first_seen_at)",
    indexable="s.summary IS NOT NULL AND s.withdrawn_at IS NULL",
)


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
        upto = conn.execute(_LAST_QUEUED).scalar()
    if upto is None:
        return 0
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        with engine.begin() as conn:
            queued = conn.execute(_QUEUED, {"n": size, "upto": upto}).all()
            if not queued:
                break
            refs: dict[str, set[int]] = {"article": set(), "summary": set()}
            for row in queued:
                refs.setdefault(row.kind, set()).add(row.ref_id)
            written = 0
            for kind, statement, make in (
                ("article", _ARTICLES, _article_doc),
                ("summary", _SUMMARIES, _summary_doc),
            ):
                if not refs[kind]:
                    continue
                rows = conn.execute(statement, {"ids": sorted(refs[kind])})
                docs = [make(row._mapping) for row in rows]
                write_docs(conn, docs, now or SystemClock().now())
                _drop_docs(conn, kind, refs[kind] - {d.ref_id for d in docs})
                written += len(docs)
            conn.execute(
                sa.text("DELETE FROM search_queue WHERE id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": [row.id for row in queued]},
            )
        done += written
    if done:
        log.info("search: indexed %d documents", done)
    return done


def _drop_docs(conn: Connection, kind: str, ref_ids: set[int]) -> None:
    """Remove the entries of deleted articles and digests (and of articles that left their
    story); on SQLite their FTS5 rows stay behind, joined to nothing."""
    if ref_ids:
        conn.execute(
            sa.text("DELETE FROM search_docs WHERE kind = :kind AND ref_id IN :refs").bindparams(
                sa.bindparam("refs", expanding=True)
            ),
            {"kind": kind, "refs": sorted(ref_ids)},
        )


def _article_doc(row: sa.RowMapping) -> IndexDoc:
    title, text = row["title"] or "", row["text"] or ""
    return IndexDoc(
        kind="article",
        ref_id=row["id"],
        story_id=row["story_id"],
        feed_id=row["feed_id"],
        published_at=as_utc(row["published_at"]),
        title=title,
        body=text,
        agencies=_issuers(title, text),
        topics=tuple(DEFAULT_TAXONOMY.classify(title, text)),
        stamp=row["stamp"],
        old_id=row["old_id"],
    )


def _issuers(title: str, text: str) -> tuple[str, ...]:
    """Agencies named in the title or the first lines (the issuer, not those named in
    passing later); all agencies named anywhere when the opening names none."""
    return tuple(find_agencies(f"{title}\n{text[:500]}") or find_agencies(text))


def _summary_doc(row: sa.RowMapping) -> IndexDoc:
    summary = load_summary(row["summary"])
    headline = str(summary.get("headline") or "")
    bullets = [str(b) for b in summary.get("bullets") or []]
    agencies = [resolve_agency(str(a)) or str(a) for a in summary.get("agencies") or []]
    topics = [DEFAULT_TAXONOMY.resolve(str(t)) or str(t) for t in summary.get("topics") or []]
    body = "\n".join(bullets)
    return IndexDoc(
        kind="summary",
        ref_id=row["id"],
        story_id=row["id"],
        feed_id=None,
        published_at=as_utc(row["published_at"]),
        title=headline,
        body=body,
        agencies=tuple(dict.fromkeys(agencies or find_agencies(f"{headline}\n{body}"))),
        topics=tuple(dict.fromkeys(topics or DEFAULT_TAXONOMY.classify(headline, body))),
        stamp=row["stamp"],
        old_id=row["old_id"],
    )


def load_summary(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _tags(values: Sequence[str]) -> str:
    return ("|" + "|".join(v.replace("|", "") for v in values) + "|")[:500] if values else ""


def write_docs(conn: Connection, docs: Sequence[IndexDoc], now: datetime) -> None:
    """Replace the index entries of ``docs`` (bulk statements: indexing is I/O-bound).

    On SQLite a replaced document's FTS5 row stays behind (the contentless table cannot
    delete without the old tokens) but joins to nothing; ids are never reused.
    """
    if not docs:
        return
    postgres = conn.dialect.name == "postgresql"
    old = [d.old_id for d in docs if d.old_id is not None]
    if old:
        conn.execute(
            sa.text("DELETE FROM search_docs WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": old},
        )
    rows: list[dict[str, Any]] = [
        {
            "kind": doc.kind,
            "ref_id": doc.ref_id,
            "story_id": doc.story_id,
            "feed_id": doc.feed_id,
            "published_at": doc.published_at,
            "agencies": _tags(doc.agencies),
            "topics": _tags(doc.topics),
            "stamp": doc.stamp,
            "now": now,
        }
        for doc in docs
    ]
    columns = "kind, ref_id, story_id, feed_id, published_at, agencies, topics, source_stamp"
    values = ":kind, :ref_id, :story_id, :feed_id, :published_at, :agencies, :topics, :stamp"
    if postgres:
        for row, doc in zip(rows, docs, strict=True):
            row["tsv"] = tsvector_literal(doc.title, doc.body)
        conn.execute(
            sa.text(
                f"INSERT INTO search_docs ({columns}, indexed_at, tsv) "
                f"VALUES ({values}, :now, CAST(:tsv AS tsvector))"
            ).bindparams(*typed("published_at", "now")),
            rows,
        )
        return
    conn.execute(
        sa.text(
            f"INSERT INTO search_docs ({columns}, indexed_at) VALUES ({values}, :now)"
        ).bindparams(*typed("published_at", "now")),
        rows,
    )
    kind = docs[0].kind  # one kind per batch
    ids: dict[int, int] = dict(
        conn.execute(
            sa.text(
                "SELECT ref_id, id FROM search_docs WHERE kind = :kind AND ref_id IN :refs"
            ).bindparams(sa.bindparam("refs", expanding=True)),
            {"kind": kind, "refs": [d.ref_id for d in docs]},
        ).all()
    )
    sqlite.insert_tokens(
        conn, ids, [(d.ref_id, d.title, d.body, d.agencies, d.topics) for d in docs]
    )
