"""What both engines' search SQL shares: the bounds, the filter clauses, typed binds."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.store.schema import UtcDateTime

CANDIDATES = 500  # newest matching documents ranked per query: bounds the work of any query
TITLE_WEIGHT = 4.0  # a match in a title or digest headline counts four times a body match
QUERY_TIMEOUT_S = 2.0

CLAUSES = {
    "since": "d.published_at >= :since",
    "until": "d.published_at < :until",
    "agency": "d.agencies LIKE :agency",  # PostgreSQL; parameters "%|name|%"
    "topic": "d.topics LIKE :topic",
    "feed_id": "d.feed_id = :feed_id",
}
TAGGED = {"agency": "a", "topic": "t"}  # filters that are FTS5 tokens on SQLite


def where(filters: Mapping[str, Any], tagged: bool = False) -> str:
    """SQL conditions for ``filters`` (without agency and topic when they are ``tagged`` in
    the FTS5 MATCH)."""
    return "".join(f" AND {CLAUSES[key]}" for key in filters if not (tagged and key in TAGGED))


def typed(*names: str) -> list[sa.BindParameter[datetime]]:
    """Bind times as the tables store them (SQLite keeps text in SQLAlchemy's format)."""
    return [sa.bindparam(name, type_=UtcDateTime) for name in names]


def base_params(
    filters: Mapping[str, Any], now: datetime, half_life_days: float, keep: int
) -> dict[str, Any]:
    return {
        **filters,
        "cap": CANDIDATES,
        "keep": keep,
        "now_days": now.timestamp() / 86400,
        "half": half_life_days,
    }


ORDER = " ORDER BY score DESC, c.published_at DESC, c.id DESC LIMIT :keep"


def is_timeout(error: sa.exc.OperationalError) -> bool:
    message = str(error.orig).lower()
    return "interrupted" in message or "statement timeout" in message
