"""Search SQL for SQLite: FTS5 over character bigrams, bm25, filters as tag tokens."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.search import common
from bot.search.query import (
    MAX_BODY_TOKENS,
    MAX_TITLE_TOKENS,
    Query,
    fts5_match,
    index_tokens,
    tag_token,
)
from bot.search.ranking import blend


def _has_math() -> bool:
    """Whether this SQLite has its math functions (3.35+, usually compiled in): then the
    recency blend is computed in SQL instead of a Python call per candidate."""
    try:
        sqlite3.connect(":memory:").execute("SELECT pow(0.5, 2)").close()
    except sqlite3.OperationalError:
        return False
    return True


HAS_MATH = _has_math()


def prepare(conn: Connection) -> None:
    """Give this connection the blend function when SQLite lacks its math functions."""
    if not HAS_MATH:
        raw: Any = conn.connection.driver_connection
        raw.create_function("sokbo_blend", 3, blend, deterministic=True)


def filtered_match(query: Query, filters: Mapping[str, Any]) -> str:
    """The FTS5 MATCH of ``query`` with the agency and topic filters as tag tokens."""
    tags = [
        f'"{tag_token(kind, filters[key])}"'
        for key, kind in common.TAGGED.items()
        if key in filters
    ]
    match = fts5_match(query)
    return " AND ".join([f"({match})", *tags]) if tags else match


def candidate_sql(
    query: Query, filters: Mapping[str, Any], now: datetime, half_life_days: float, keep: int
) -> tuple[sa.TextClause, dict[str, Any]]:
    """The ``keep`` best of the newest ``CANDIDATES`` matches, bm25 blended with recency."""
    params = common.base_params(filters, now, half_life_days, keep)
    params["q"] = filtered_match(query, filters)
    for key in common.TAGGED:
        params.pop(key, None)
    age = ":now_days - (julianday(c.published_at) - 2440587.5)"
    score = (
        f"c.relevance * (0.5 + 0.5 * pow(0.5, max({age}, 0) / :half))"
        if HAS_MATH
        else f"sokbo_blend(c.relevance, {age}, :half)"
    )
    sql = f"""
        SELECT c.id, c.kind, c.ref_id, c.story_id, c.published_at, {score} AS score
        FROM (SELECT d.id, d.kind, d.ref_id, d.story_id, d.published_at,
                     -bm25(search_fts, {common.TITLE_WEIGHT}, 1.0, 0.0) AS relevance
              FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
              WHERE search_fts MATCH :q{common.where(filters, tagged=True)}
              ORDER BY search_fts.rowid DESC LIMIT :cap) AS c
        """
    times = common.typed(*(k for k in ("since", "until") if k in filters))
    return sa.text(sql + common.ORDER).bindparams(*times), params


def insert_tokens(
    conn: Connection,
    ids: Mapping[int, int],
    docs: Sequence[tuple[int, str, str, Sequence[str], Sequence[str]]],
) -> None:
    """Write the FTS5 rows: (ref_id, title, body, agencies, topics) per document."""
    conn.execute(
        sa.text(
            "INSERT INTO search_fts (rowid, title, body, tags) VALUES (:id, :title, :body, :tags)"
        ),
        [
            {
                "id": ids[ref_id],
                "title": " ".join(index_tokens(title, MAX_TITLE_TOKENS)),
                "body": " ".join(index_tokens(body, MAX_BODY_TOKENS)),
                "tags": " ".join(tag_tokens(agencies, topics)),
            }
            for ref_id, title, body, agencies, topics in docs
        ],
    )


def tag_tokens(agencies: Sequence[str], topics: Sequence[str]) -> list[str]:
    return [tag_token("a", a) for a in agencies] + [tag_token("t", t) for t in topics]


@contextmanager
def time_limit(conn: Connection) -> Iterator[None]:
    """Interrupt a statement running longer than QUERY_TIMEOUT_S (a progress handler)."""
    raw: Any = conn.connection.driver_connection
    deadline = time.monotonic() + common.QUERY_TIMEOUT_S
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 200)
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)
