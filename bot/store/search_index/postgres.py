"""Search SQL for PostgreSQL: tsvector + GIN over the same tokens, ts_rank_cd.

bot/search makes the tsquery and the tsvector literals (bot.search.query); this module runs
them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.store.search_index import common


def candidate_sql(
    tsquery: str, filters: Mapping[str, Any], now: datetime, half_life_days: float, keep: int
) -> tuple[sa.TextClause, dict[str, Any]]:
    """The ``keep`` best of the newest ``CANDIDATES`` matches of ``tsquery``, ts_rank_cd
    blended with recency (the same blend as :func:`bot.search.ranking.blend`)."""
    params = common.base_params(filters, now, half_life_days, keep)
    params["q"] = tsquery
    for key in common.TAGGED.keys() & params.keys():
        params[key] = f"%|{params[key]}|%"
    weight = 1 / common.TITLE_WEIGHT
    sql = f"""
        SELECT c.id, c.kind, c.ref_id, c.story_id, c.published_at,
               ts_rank_cd('{{{weight}, {weight}, {weight}, 1}}', c.tsv, CAST(:q AS tsquery))
               * (0.5 + 0.5 * power(0.5, GREATEST(
                    :now_days - EXTRACT(EPOCH FROM c.published_at) / 86400, 0) / :half))
               AS score
        FROM (SELECT d.id, d.kind, d.ref_id, d.story_id, d.published_at, d.tsv
              FROM search_docs d
              WHERE d.tsv @@ CAST(:q AS tsquery){common.where(filters)}
              ORDER BY d.id DESC LIMIT :cap) AS c
        """
    times = common.typed(*(k for k in ("since", "until") if k in filters))
    return sa.text(sql + common.ORDER).bindparams(*times), params


def write_entries(
    conn: Connection, entries: Sequence[common.IndexEntry], tsvectors: Sequence[str], now: datetime
) -> None:
    """Replace the entries of these documents, each with its tsvector literal (one bulk
    INSERT: indexing is I/O-bound)."""
    common.drop_replaced(conn, entries)
    rows = common.entry_rows(entries, now)
    for row, tsv in zip(rows, tsvectors, strict=True):
        row["tsv"] = tsv
    conn.execute(
        sa.text(
            f"INSERT INTO search_docs ({common.COLUMNS}, indexed_at, tsv) "
            f"VALUES ({common.VALUES}, :now, CAST(:tsv AS tsvector))"
        ).bindparams(*common.typed("published_at", "now")),
        rows,
    )


@contextmanager
def time_limit(conn: Connection) -> Iterator[None]:
    """Let the server cancel a statement running longer than QUERY_TIMEOUT_S."""
    conn.execute(sa.text(f"SET LOCAL statement_timeout = {int(common.QUERY_TIMEOUT_S * 1000)}"))
    yield
