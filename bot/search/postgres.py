"""Search SQL for PostgreSQL: tsvector + GIN over the same tokens, ts_rank_cd."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.search import common
from bot.search.query import Query, tsquery


def candidate_sql(
    query: Query, filters: Mapping[str, Any], now: datetime, half_life_days: float, keep: int
) -> tuple[sa.TextClause, dict[str, Any]]:
    """The ``keep`` best of the newest ``CANDIDATES`` matches, ts_rank_cd blended with
    recency (the same blend as :func:`bot.search.ranking.blend`)."""
    params = common.base_params(filters, now, half_life_days, keep)
    params["q"] = tsquery(query)
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


@contextmanager
def time_limit(conn: Connection) -> Iterator[None]:
    """Let the server cancel a statement running longer than QUERY_TIMEOUT_S."""
    conn.execute(sa.text(f"SET LOCAL statement_timeout = {int(common.QUERY_TIMEOUT_S * 1000)}"))
    yield
