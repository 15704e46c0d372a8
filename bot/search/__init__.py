"""Search over every article and story digest the bot has seen.

``index_pending`` (bot.search.index) tokenizes new and changed articles and digests into the
engine's index (FTS5 on SQLite, tsvector + GIN on PostgreSQL; same tokens on both, see
bot.search.query). ``search`` parses a query, takes at most ``CANDIDATES`` of the newest
matching documents with the engine's relevance (the SQL is bot.store.search_index's),
blends relevance with recency, keeps one place per story (bot.search.ranking) and returns one
page of hits with snippets (bot.search.snippets). docs/search.md explains the design.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.agencies import resolve_agency
from bot.clock import SystemClock
from bot.errors import CommandError, StoreError
from bot.korean import strip_endings
from bot.messages import SearchHit, SearchPage
from bot.search.filters import as_utc, search_filters
from bot.search.index import index_pending, load_summary
from bot.search.query import Query, fts5_match, highlight_pattern, parse_query, tag_token, tsquery
from bot.search.ranking import DEFAULT_HALF_LIFE_DAYS, Candidate, blend, rank_stories
from bot.search.snippets import snippet
from bot.store import search_index
from bot.store.errors import in_words
from bot.store.search_index import CANDIDATES, is_timeout, time_limit
from bot.store.search_index.common import TAGGED

__all__ = ["CANDIDATES", "blend", "index_pending", "parse", "search", "snippet"]

log = logging.getLogger(__name__)


def parse(text: str) -> Query:
    """Parse a query with Korean particle stripping (raises CommandError in Korean)."""
    return parse_query(text, strip_endings)


def search(
    engine: Engine,
    query: str,
    *,
    limit: int = 5,
    offset: int = 0,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    agency: str | None = None,
    topic: str | None = None,
    feed_id: int | None = None,
    now: datetime | None = None,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> SearchPage:
    """One page of stories matching ``query``, best first.

    Raises CommandError (Korean ``reply``) for a query or filter that cannot be used.
    ``since``/``until`` are inclusive; a date means that whole day in KST.
    """
    parsed = parse(query)
    limit = max(1, min(limit, 50))
    offset = max(0, offset)
    now = now or SystemClock().now()  # every caller in bot/ passes its clock's time
    filters = search_filters(since, until, agency, topic, feed_id)
    try:
        with engine.connect() as conn, time_limit(conn):
            # Documents of one story compete for one place: keep a margin beyond the page.
            keep = 3 * (offset + limit) + 3
            found = candidates(conn, parsed, filters, now, half_life_days, keep)
            ranked = rank_stories(found)
            page = ranked[offset : offset + limit]
            hits = hits_of(conn, page, parsed)
    except sa.exc.OperationalError as e:
        if is_timeout(e):
            log.warning("search: query %r stopped by the time limit", parsed.text)
            raise CommandError(key="search.timeout") from e
        raise StoreError(f"search failed: {in_words(e)}") from e
    return SearchPage(
        query=parsed.text, hits=tuple(hits), offset=offset, has_more=len(ranked) > offset + limit
    )


def candidates(
    conn: Connection,
    query: Query,
    filters: Mapping[str, Any],
    now: datetime,
    half_life_days: float,
    keep: int,
) -> list[Candidate]:
    """The ``keep`` best of the newest ``CANDIDATES`` matching documents, ranked in SQL."""
    rows = search_index.candidates(
        conn,
        fts5_match=filtered_match(query, filters),
        tsquery=tsquery(query),
        filters=filters,
        now=now,
        half_life_days=half_life_days,
        keep=keep,
        blend=blend,
    )
    return [
        Candidate(
            doc_id=row.id,
            kind=row.kind,
            ref_id=row.ref_id,
            story_id=row.story_id,
            published_at=as_utc(row.published_at),
            score=float(row.score),
        )
        for row in rows
    ]


def filtered_match(query: Query, filters: Mapping[str, Any]) -> str:
    """The FTS5 MATCH of ``query`` with the agency and topic filters as tag tokens."""
    tags = [f'"{tag_token(kind, filters[key])}"' for key, kind in TAGGED.items() if key in filters]
    match = fts5_match(query)
    return " AND ".join([f"({match})", *tags]) if tags else match


def hits_of(conn: Connection, page: Sequence[Candidate], query: Query) -> list[SearchHit]:
    if not page:
        return []
    story_ids = [c.story_id for c in page]
    stories = search_index.story_heads(conn, story_ids)
    articles = search_index.article_texts(conn, [c.ref_id for c in page if c.kind == "article"])
    agencies = search_index.tagged_agencies(conn, story_ids)
    pattern = highlight_pattern(query.terms)
    hits = []
    for c in page:
        story = stories.get(c.story_id)
        if story is None:  # the story was deleted after indexing
            continue
        summary = load_summary(story.summary)
        if c.kind == "article" and c.ref_id in articles:
            text = articles[c.ref_id] or ""
        else:
            text = " · ".join(str(b) for b in summary.get("bullets") or [])
        agency_list = [str(a) for a in summary.get("agencies") or []]
        tagged = [a for a in agencies.get(c.story_id, "").split("|") if a]
        agency = (resolve_agency(agency_list[0]) or agency_list[0]) if agency_list else None
        hits.append(
            SearchHit(
                story_id=c.story_id,
                headline=str(summary.get("headline") or story.title),
                agency=agency or (tagged[0] if tagged else None),
                published_at=as_utc(story.published_at),
                snippet=snippet(text, pattern),
                url=story.url,
            )
        )
    return hits
