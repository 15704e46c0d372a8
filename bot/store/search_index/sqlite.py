"""Search SQL for SQLite: FTS5 over character bigrams, bm25, filters as tag tokens.

bot/search makes the tokens and the MATCH expression (bot.search.query); this module runs
them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store.search_index import common


def _has_math() -> bool:
    """Whether this SQLite has its math functions (3.35+, usually compiled in): then the
    recency blend is computed in SQL instead of a Python call per candidate."""
    try:
        sqlite3.connect(":memory:").execute("SELECT pow(0.5, 2)").close()
    except sqlite3.OperationalError:
        return False
    return True


HAS_MATH = _has_math()


def prepare(conn: Connection, blend: Callable[[float, float, float], float]) -> None:
    """Give this connection ``blend`` (relevance, age in days, half-life) as ``sokbo_blend``
    when SQLite lacks its math functions."""
    if not HAS_MATH:
        raw: Any = conn.connection.driver_connection
        raw.create_function("sokbo_blend", 3, blend, deterministic=True)


def candidate_sql(
    match: str, filters: Mapping[str, Any], now: datetime, half_life_days: float, keep: int
) -> tuple[sa.TextClause, dict[str, Any]]:
    """The ``keep`` best of the newest ``CANDIDATES`` matches of the FTS5 ``match`` (the
    agency and topic filters already in it as tag tokens), bm25 blended with recency."""
    params = common.base_params(filters, now, half_life_days, keep)
    params["q"] = match
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


@dataclass(frozen=True, slots=True)
class FtsTokens:
    """One document's FTS5 row: space-separated tokens per column."""

    title: str
    body: str
    tags: str


def write_entries(
    conn: Connection,
    entries: Sequence[common.IndexEntry],
    tokens: Sequence[FtsTokens],
    now: datetime,
) -> None:
    """Replace the entries of these documents (all of one kind) and write their FTS5 rows
    (bulk statements: indexing is I/O-bound).

    A replaced document's FTS5 row stays behind (the contentless table cannot delete without
    the old tokens) but joins to nothing; ids are never reused.
    """
    common.drop_replaced(conn, entries)
    conn.execute(
        sa.text(
            f"INSERT INTO search_docs ({common.COLUMNS}, indexed_at) VALUES ({common.VALUES}, :now)"
        ).bindparams(*common.typed("published_at", "now")),
        common.entry_rows(entries, now),
    )
    ids: dict[int, int] = dict(
        conn.execute(
            sa.text(
                "SELECT ref_id, id FROM search_docs WHERE kind = :kind AND ref_id IN :refs"
            ).bindparams(sa.bindparam("refs", expanding=True)),
            {"kind": entries[0].kind, "refs": [e.ref_id for e in entries]},
        ).all()
    )
    conn.execute(
        sa.text(
            "INSERT INTO search_fts (rowid, title, body, tags) VALUES (:id, :title, :body, :tags)"
        ),
        [
            {"id": ids[e.ref_id], "title": t.title, "body": t.body, "tags": t.tags}
            for e, t in zip(entries, tokens, strict=True)
        ],
    )


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
