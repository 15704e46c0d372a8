"""The search index's tables: ``search_queue`` (filled by triggers on articles and stories,
migration 0004), ``search_docs`` (one entry per indexed article or story digest) and each
engine's text index (FTS5's ``search_fts`` on SQLite, ``search_docs.tsv`` on PostgreSQL:
sqlite.py, postgres.py).

bot/search decides what is indexed, makes the tokens and the engine's query, and ranks;
these functions only read and write what it asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row, RowMapping

from bot.store.search_index import postgres, sqlite
from bot.store.search_index.common import CANDIDATES, QUERY_TIMEOUT_S, IndexEntry, is_timeout
from bot.store.search_index.sqlite import FtsTokens

__all__ = [
    "CANDIDATES",
    "QUERY_TIMEOUT_S",
    "FtsTokens",
    "IndexEntry",
    "is_timeout",
    "postgres",
    "sqlite",
]

_IDS: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)

# --- the queue -------------------------------------------------------------------------

_QUEUED = sa.text(
    "SELECT id, kind, ref_id FROM search_queue WHERE id <= :upto ORDER BY id LIMIT :n"
)
_LAST_QUEUED = sa.text("SELECT max(id) FROM search_queue")


def last_queued(conn: Connection) -> int | None:
    """The newest queue row's id: a pass indexes up to it and no further."""
    upto: int | None = conn.execute(_LAST_QUEUED).scalar()
    return upto


def queued(conn: Connection, *, upto: int, n: int) -> Sequence[Row[Any]]:
    """The oldest ``n`` queue rows up to ``upto``: (id, kind, ref_id)."""
    return conn.execute(_QUEUED, {"n": n, "upto": upto}).all()


def dequeue(conn: Connection, queue_ids: Sequence[int]) -> None:
    """Delete these queue rows (by id, so a row queued meanwhile stays)."""
    conn.execute(
        sa.text("DELETE FROM search_queue WHERE id IN :ids").bindparams(_IDS),
        {"ids": list(queue_ids)},
    )


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
    ).bindparams(_IDS)


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


def indexable_articles(conn: Connection, ids: Iterable[int]) -> Sequence[RowMapping]:
    """Of these articles, those in a story and not withdrawn: id, story_id, feed_id, title,
    text, published_at, stamp, old_id."""
    return conn.execute(_ARTICLES, {"ids": sorted(ids)}).mappings().all()


def indexable_summaries(conn: Connection, ids: Iterable[int]) -> Sequence[RowMapping]:
    """Of these stories, those with a digest and not withdrawn: id, summary, published_at,
    stamp, old_id."""
    return conn.execute(_SUMMARIES, {"ids": sorted(ids)}).mappings().all()


def drop_docs(conn: Connection, kind: str, ref_ids: Iterable[int]) -> None:
    """Remove the entries of these articles or digests; on SQLite their FTS5 rows stay
    behind, joined to nothing."""
    refs = sorted(ref_ids)
    if refs:
        conn.execute(
            sa.text("DELETE FROM search_docs WHERE kind = :kind AND ref_id IN :refs").bindparams(
                sa.bindparam("refs", expanding=True)
            ),
            {"kind": kind, "refs": refs},
        )


# --- searching -------------------------------------------------------------------------


def time_limit(conn: Connection) -> AbstractContextManager[None]:
    """Stop a statement that runs longer than QUERY_TIMEOUT_S, so no query holds the bot up
    (``is_timeout`` tells the error it raises)."""
    return (
        postgres.time_limit(conn) if conn.dialect.name == "postgresql" else sqlite.time_limit(conn)
    )


def candidates(
    conn: Connection,
    *,
    fts5_match: str,
    tsquery: str,
    filters: Mapping[str, Any],
    now: datetime,
    half_life_days: float,
    keep: int,
    blend: Callable[[float, float, float], float],
) -> Sequence[Row[Any]]:
    """The ``keep`` best of the newest ``CANDIDATES`` matching documents, scored in SQL: id,
    kind, ref_id, story_id, published_at, score. The query comes in each engine's syntax
    (an FTS5 MATCH with the agency and topic filters as tag tokens, a tsquery); ``blend`` is
    the recency blend SQLite calls when it lacks its math functions."""
    if conn.dialect.name == "postgresql":
        statement, params = postgres.candidate_sql(tsquery, filters, now, half_life_days, keep)
    else:
        sqlite.prepare(conn, blend)
        statement, params = sqlite.candidate_sql(fts5_match, filters, now, half_life_days, keep)
    return conn.execute(statement, params).all()


def story_heads(conn: Connection, story_ids: Sequence[int]) -> dict[int, Row[Any]]:
    """id, title, url, published_at and summary (JSON) of each story that still exists."""
    return {
        row.id: row
        for row in conn.execute(
            sa.text(
                "SELECT id, title, url, published_at, summary FROM stories WHERE id IN :ids"
            ).bindparams(_IDS),
            {"ids": list(story_ids)},
        )
    }


def article_texts(conn: Connection, article_ids: Sequence[int]) -> dict[int, str | None]:
    """Each article's text, by id."""
    return {
        row.id: row.text
        for row in conn.execute(
            sa.text("SELECT id, title, text FROM articles WHERE id IN :ids").bindparams(_IDS),
            {"ids": list(article_ids) or [-1]},
        )
    }


def tagged_agencies(conn: Connection, story_ids: Sequence[int]) -> dict[int, str]:
    """The agencies (column form, ``|a|b|``) the index holds for each story."""
    return {
        row.story_id: row.agencies
        for row in conn.execute(
            sa.text(
                "SELECT story_id, agencies FROM search_docs WHERE story_id IN :ids "
                "AND agencies <> '' ORDER BY kind DESC, id"
            ).bindparams(_IDS),
            {"ids": list(story_ids)},
        )
    }
