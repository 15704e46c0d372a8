"""What both engines' search SQL shares: the bounds, the filter clauses, typed binds, and
the search_docs rows each engine's index hangs from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

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


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One document's ``search_docs`` row: an article (``kind`` "article") or a story's
    digest ("summary"), with the names its filters match and the ``stamp`` of the source row
    it was made from (written back verbatim: compared with its source in SQL)."""

    kind: str
    ref_id: int
    story_id: int
    feed_id: int | None
    published_at: datetime
    agencies: tuple[str, ...]
    topics: tuple[str, ...]
    stamp: datetime | str
    old_id: int | None  # the entry this one replaces


COLUMNS = "kind, ref_id, story_id, feed_id, published_at, agencies, topics, source_stamp"
VALUES = ":kind, :ref_id, :story_id, :feed_id, :published_at, :agencies, :topics, :stamp"


def tags(values: Sequence[str]) -> str:
    """The column form of a document's agencies or topics, ``|a|b|``: a filter is one
    ``LIKE '%|name|%'``."""
    return ("|" + "|".join(v.replace("|", "") for v in values) + "|")[:500] if values else ""


def drop_replaced(conn: Connection, entries: Sequence[IndexEntry]) -> None:
    """Delete the entries that ``entries`` replace."""
    old = [e.old_id for e in entries if e.old_id is not None]
    if old:
        conn.execute(
            sa.text("DELETE FROM search_docs WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": old},
        )


def entry_rows(entries: Sequence[IndexEntry], now: datetime) -> list[dict[str, Any]]:
    """The values of ``entries``' rows, bound by name to COLUMNS' VALUES and ``:now``."""
    return [
        {
            "kind": e.kind,
            "ref_id": e.ref_id,
            "story_id": e.story_id,
            "feed_id": e.feed_id,
            "published_at": e.published_at,
            "agencies": tags(e.agencies),
            "topics": tags(e.topics),
            "stamp": e.stamp,
            "now": now,
        }
        for e in entries
    ]
