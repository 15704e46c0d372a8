"""Search over every article and story digest the bot has seen (issue 7).

``index_pending`` tokenizes new and changed articles and digests into the engine's index
(FTS5 on SQLite, tsvector + GIN on PostgreSQL; same tokens on both, see bot.search.query).
``search`` parses a query, takes at most ``CANDIDATES`` of the newest matching documents
from the index with the engine's relevance (FTS5 bm25 / ts_rank_cd), blends relevance with
recency, groups documents by story and returns one page of hits. docs/search.md explains
the design and the measurements behind it.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.agencies import find_agencies, resolve_agency
from bot.clock import KST
from bot.errors import CommandError, StoreError
from bot.korean import strip_endings
from bot.messages import SearchHit, SearchPage
from bot.search.query import (
    MAX_BODY_TOKENS,
    MAX_TITLE_TOKENS,
    Query,
    fts5_match,
    highlight_pattern,
    index_tokens,
    parse_query,
    tag_token,
    tsquery,
    tsvector_literal,
)
from bot.store.schema import UtcDateTime
from bot.topics import DEFAULT_TAXONOMY

__all__ = ["CANDIDATES", "index_pending", "parse", "search"]

log = logging.getLogger(__name__)

CANDIDATES = 500  # newest matching documents ranked per query: bounds the work of any query
TITLE_WEIGHT = 4.0  # a match in a title or digest headline counts four times a body match
QUERY_TIMEOUT_S = 2.0
SNIPPET_CHARS = 120
DEFAULT_HALF_LIFE_DAYS = 30.0


def parse(text: str) -> Query:
    """Parse a query with Korean particle stripping (raises CommandError in Korean)."""
    return parse_query(text, strip_endings)


# --- indexing ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Doc:
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


_QUEUED = sa.text("SELECT id, kind, ref_id FROM search_queue ORDER BY id LIMIT :n")

_ARTICLES = sa.text(
    """
    SELECT a.id, a.story_id, a.feed_id, a.title, a.text, a.published_at,
           COALESCE(a.updated_at, a.fetched_at) AS stamp, d.id AS old_id
    FROM articles a
    LEFT JOIN search_docs d ON d.kind = 'article' AND d.ref_id = a.id
    WHERE a.id IN :ids AND a.story_id IS NOT NULL
    ORDER BY a.id
    """
).bindparams(sa.bindparam("ids", expanding=True))

_SUMMARIES = sa.text(
    """
    SELECT s.id, s.summary, s.published_at,
           COALESCE(s.summarized_at, s.first_seen_at) AS stamp, d.id AS old_id
    FROM stories s
    LEFT JOIN search_docs d ON d.kind = 'summary' AND d.ref_id = s.id
    WHERE s.id IN :ids AND s.summary IS NOT NULL
    ORDER BY s.id
    """
).bindparams(sa.bindparam("ids", expanding=True))


def index_pending(engine: Engine, *, limit: int = 10_000, batch: int = 500) -> int:
    """Index up to ``limit`` articles (once they belong to a story) and story digests that
    are new or changed since they were indexed; returns how many were indexed.

    The work comes from ``search_queue``, which triggers on articles and stories fill
    (migration 0004): with nothing new this is one empty index read, whatever the size of
    the archive. Each batch writes its entries and deletes its queue rows (by id, so a row
    queued meanwhile stays) in one transaction: a crash leaves the rest queued.
    """
    done = 0
    while done < limit:
        with engine.begin() as conn:
            queued = conn.execute(_QUEUED, {"n": min(batch, limit - done)}).all()
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
                write_docs(conn, docs)
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


def _article_doc(row: sa.RowMapping) -> _Doc:
    title, text = row["title"] or "", row["text"] or ""
    return _Doc(
        kind="article",
        ref_id=row["id"],
        story_id=row["story_id"],
        feed_id=row["feed_id"],
        published_at=_utc(row["published_at"]),
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


def _summary_doc(row: sa.RowMapping) -> _Doc:
    summary = _load_summary(row["summary"])
    headline = str(summary.get("headline") or "")
    bullets = [str(b) for b in summary.get("bullets") or []]
    agencies = [resolve_agency(str(a)) or str(a) for a in summary.get("agencies") or []]
    topics = [DEFAULT_TAXONOMY.resolve(str(t)) or str(t) for t in summary.get("topics") or []]
    body = "\n".join(bullets)
    return _Doc(
        kind="summary",
        ref_id=row["id"],
        story_id=row["id"],
        feed_id=None,
        published_at=_utc(row["published_at"]),
        title=headline,
        body=body,
        agencies=tuple(dict.fromkeys(agencies or find_agencies(f"{headline}\n{body}"))),
        topics=tuple(dict.fromkeys(topics or DEFAULT_TAXONOMY.classify(headline, body))),
        stamp=row["stamp"],
        old_id=row["old_id"],
    )


def _load_summary(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _typed(*names: str) -> list[sa.BindParameter[datetime]]:
    """Bind times as the tables store them (SQLite keeps text in SQLAlchemy's format)."""
    return [sa.bindparam(name, type_=UtcDateTime) for name in names]


def _tags(values: Sequence[str]) -> str:
    return ("|" + "|".join(v.replace("|", "") for v in values) + "|")[:500] if values else ""


def write_docs(conn: Connection, docs: Sequence[_Doc]) -> None:
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
    now = datetime.now(UTC)
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
            ).bindparams(*_typed("published_at", "now")),
            rows,
        )
        return
    conn.execute(
        sa.text(
            f"INSERT INTO search_docs ({columns}, indexed_at) VALUES ({values}, :now)"
        ).bindparams(*_typed("published_at", "now")),
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
    conn.execute(
        sa.text(
            "INSERT INTO search_fts (rowid, title, body, tags) VALUES (:id, :title, :body, :tags)"
        ),
        [
            {
                "id": ids[doc.ref_id],
                "title": " ".join(index_tokens(doc.title, MAX_TITLE_TOKENS)),
                "body": " ".join(index_tokens(doc.body, MAX_BODY_TOKENS)),
                "tags": " ".join(_tag_tokens(doc.agencies, doc.topics)),
            }
            for doc in docs
        ],
    )


def _tag_tokens(agencies: Sequence[str], topics: Sequence[str]) -> list[str]:
    return [tag_token("a", a) for a in agencies] + [tag_token("t", t) for t in topics]


# --- searching --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    doc_id: int
    kind: str
    ref_id: int
    story_id: int
    published_at: datetime
    score: float


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
    now = now or datetime.now(UTC)
    filters = _filters(since, until, agency, topic, feed_id)
    try:
        with engine.connect() as conn, _time_limit(conn):
            # Documents of one story compete for one place: keep a margin beyond the page.
            keep = 3 * (offset + limit) + 3
            candidates = _candidates(conn, parsed, filters, now, half_life_days, keep)
            ranked = _rank_stories(candidates)
            page = ranked[offset : offset + limit]
            hits = _hits(conn, page, parsed)
    except sa.exc.OperationalError as e:
        if _is_timeout(e):
            log.warning("search: query %r stopped by the time limit", parsed.text)
            raise CommandError(
                "검색이 너무 오래 걸려 중단했습니다. 더 구체적인 단어로 다시 검색해 주세요."
            ) from e
        raise StoreError(f"search failed: {e}") from e
    return SearchPage(
        query=parsed.text, hits=tuple(hits), offset=offset, has_more=len(ranked) > offset + limit
    )


def _filters(
    since: date | datetime | None,
    until: date | datetime | None,
    agency: str | None,
    topic: str | None,
    feed_id: int | None,
) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if since is not None:
        filters["since"] = _day_start(since)
    if until is not None:
        filters["until"] = (
            _day_start(until) + timedelta(days=1)
            if not isinstance(until, datetime)
            else _utc(until) + timedelta(microseconds=1)
        )
    if "since" in filters and "until" in filters and filters["since"] >= filters["until"]:
        raise CommandError("기간이 잘못되었습니다. 시작일이 종료일보다 늦습니다.")
    if agency:
        canonical = resolve_agency(agency)
        if canonical is None:
            raise CommandError(f"'{agency[:30]}' 기관을 찾지 못했습니다. 예: 과기정통부, 중기부")
        filters["agency"] = canonical
    if topic:
        name = DEFAULT_TAXONOMY.resolve(topic)
        if name is None:
            raise CommandError(
                f"'{topic[:30]}' 주제를 찾지 못했습니다. 주제: {', '.join(DEFAULT_TAXONOMY.names)}"
            )
        filters["topic"] = name
    if feed_id is not None:
        filters["feed_id"] = feed_id
    return filters


def _day_start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return _utc(value)
    return datetime(value.year, value.month, value.day, tzinfo=KST).astimezone(UTC)


def _utc(value: datetime | str) -> datetime:
    """Aware UTC (raw SQLite rows hold naive ISO text that was stored as UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_CLAUSES = {
    "since": "d.published_at >= :since",
    "until": "d.published_at < :until",
    "agency": "d.agencies LIKE :agency",  # PostgreSQL; parameters "%|name|%"
    "topic": "d.topics LIKE :topic",
    "feed_id": "d.feed_id = :feed_id",
}
_TAGGED = {"agency": "a", "topic": "t"}  # filters that are FTS5 tokens on SQLite


def _where(filters: Mapping[str, Any], tagged: bool = False) -> str:
    """SQL conditions for ``filters`` (without agency and topic when they are ``tagged`` in
    the FTS5 MATCH)."""
    return "".join(f" AND {_CLAUSES[key]}" for key in filters if not (tagged and key in _TAGGED))


def fts5_filtered_match(query: Query, filters: Mapping[str, Any]) -> str:
    """The FTS5 MATCH of ``query`` with the agency and topic filters as tag tokens."""
    tags = [f'"{tag_token(kind, filters[key])}"' for key, kind in _TAGGED.items() if key in filters]
    match = fts5_match(query)
    return " AND ".join([f"({match})", *tags]) if tags else match


def _candidates(
    conn: Connection,
    query: Query,
    filters: Mapping[str, Any],
    now: datetime,
    half_life_days: float,
    keep: int,
) -> list[_Candidate]:
    """The ``keep`` best of the newest ``CANDIDATES`` matching documents, ranked in SQL."""
    if conn.dialect.name != "postgresql" and not _SQLITE_MATH:
        raw: Any = conn.connection.driver_connection
        raw.create_function("sokbo_blend", 3, blend, deterministic=True)
    statement, params = candidate_sql(conn.dialect.name, query, filters, now, half_life_days, keep)
    return [
        _Candidate(
            doc_id=row.id,
            kind=row.kind,
            ref_id=row.ref_id,
            story_id=row.story_id,
            published_at=_utc(row.published_at),
            score=float(row.score),
        )
        for row in conn.execute(statement, params)
    ]


def candidate_sql(
    dialect: str,
    query: Query,
    filters: Mapping[str, Any],
    now: datetime,
    half_life_days: float,
    keep: int,
) -> tuple[sa.TextClause, dict[str, Any]]:
    """The candidate statement and its parameters (bench/search.py prints its plan)."""
    params = {
        **filters,
        "cap": CANDIDATES,
        "keep": keep,
        "now_days": now.timestamp() / 86400,
        "half": half_life_days,
    }
    times = _typed(*(k for k in ("since", "until") if k in filters))
    if dialect == "postgresql":
        params["q"] = tsquery(query)
        for key in _TAGGED.keys() & params.keys():
            params[key] = f"%|{params[key]}|%"
        weight = 1 / TITLE_WEIGHT
        sql = f"""
            SELECT c.id, c.kind, c.ref_id, c.story_id, c.published_at,
                   ts_rank_cd('{{{weight}, {weight}, {weight}, 1}}', c.tsv, CAST(:q AS tsquery))
                   * (0.5 + 0.5 * power(0.5, GREATEST(
                        :now_days - EXTRACT(EPOCH FROM c.published_at) / 86400, 0) / :half))
                   AS score
            FROM (SELECT d.id, d.kind, d.ref_id, d.story_id, d.published_at, d.tsv
                  FROM search_docs d
                  WHERE d.tsv @@ CAST(:q AS tsquery){_where(filters)}
                  ORDER BY d.id DESC LIMIT :cap) AS c
            """
    else:
        params["q"] = fts5_filtered_match(query, filters)
        for key in _TAGGED:
            params.pop(key, None)
        age = ":now_days - (julianday(c.published_at) - 2440587.5)"
        score = (
            f"c.relevance * (0.5 + 0.5 * pow(0.5, max({age}, 0) / :half))"
            if _SQLITE_MATH
            else f"sokbo_blend(c.relevance, {age}, :half)"
        )
        sql = f"""
            SELECT c.id, c.kind, c.ref_id, c.story_id, c.published_at, {score} AS score
            FROM (SELECT d.id, d.kind, d.ref_id, d.story_id, d.published_at,
                         -bm25(search_fts, {TITLE_WEIGHT}, 1.0, 0.0) AS relevance
                  FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
                  WHERE search_fts MATCH :q{_where(filters, tagged=True)}
                  ORDER BY search_fts.rowid DESC LIMIT :cap) AS c
            """
    sql += " ORDER BY score DESC, c.published_at DESC, c.id DESC LIMIT :keep"
    return sa.text(sql).bindparams(*times), params


def _sqlite_has_math() -> bool:
    """Whether this SQLite has its math functions (3.35+, usually compiled in): then the
    recency blend is computed in SQL instead of a Python call per candidate."""
    try:
        sqlite3.connect(":memory:").execute("SELECT pow(0.5, 2)").close()
    except sqlite3.OperationalError:
        return False
    return True


_SQLITE_MATH = _sqlite_has_math()


def blend(relevance: float, age_days: float, half_life_days: float) -> float:
    """Relevance scaled by recency: a story loses up to half its score as it ages, half of
    that every ``half_life_days`` (so old, exact matches still beat new, loose ones).
    PostgreSQL computes the same expression in SQL."""
    return relevance * (0.5 + 0.5 * math.pow(0.5, max(age_days, 0.0) / half_life_days))


def _rank_stories(candidates: Sequence[_Candidate]) -> list[_Candidate]:
    """The best document of each story, best story first (ties: newer first)."""
    best: dict[int, _Candidate] = {}
    for c in candidates:
        if c.story_id not in best or c.score > best[c.story_id].score:
            best[c.story_id] = c
    return sorted(best.values(), key=lambda c: (-c.score, -c.published_at.timestamp(), -c.doc_id))


def _hits(conn: Connection, page: Sequence[_Candidate], query: Query) -> list[SearchHit]:
    if not page:
        return []
    ids: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
    stories = {
        row.id: row
        for row in conn.execute(
            sa.text(
                "SELECT id, title, url, published_at, summary FROM stories WHERE id IN :ids"
            ).bindparams(ids),
            {"ids": [c.story_id for c in page]},
        )
    }
    article_ids = [c.ref_id for c in page if c.kind == "article"]
    articles = {
        row.id: row
        for row in conn.execute(
            sa.text("SELECT id, title, text FROM articles WHERE id IN :ids").bindparams(ids),
            {"ids": article_ids or [-1]},
        )
    }
    agencies = {
        row.story_id: row.agencies
        for row in conn.execute(
            sa.text(
                "SELECT story_id, agencies FROM search_docs WHERE story_id IN :ids "
                "AND agencies <> '' ORDER BY kind DESC, id"
            ).bindparams(ids),
            {"ids": [c.story_id for c in page]},
        )
    }
    pattern = highlight_pattern(query.terms)
    hits = []
    for c in page:
        story = stories.get(c.story_id)
        if story is None:  # the story was deleted after indexing
            continue
        summary = _load_summary(story.summary)
        if c.kind == "article" and c.ref_id in articles:
            text = articles[c.ref_id].text or ""
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
                published_at=_utc(story.published_at),
                snippet=snippet(text, pattern),
                url=story.url,
            )
        )
    return hits


_SPACES = re.compile(r"\s+")


def snippet(
    text: str, pattern: re.Pattern[str] | None, width: int = SNIPPET_CHARS
) -> tuple[tuple[str, bool], ...]:
    """About ``width`` characters of ``text`` around the first match, as (text, matched)
    segments; the start of the text when nothing matches."""
    text = _SPACES.sub(" ", text).strip()
    first = pattern.search(text) if pattern else None
    start = 0 if first is None else max(0, first.start() - width // 3)
    end = min(len(text), start + width)
    if start > 0:  # begin at a word boundary when one is near
        space = text.find(" ", start, first.start() if first else end)
        start = space + 1 if space >= 0 else start
    window = text[start:end]
    segments: list[tuple[str, bool]] = []
    if start > 0:
        segments.append(("…", False))
    pos = 0
    for match in pattern.finditer(window) if pattern else ():
        if match.start() > pos:
            segments.append((window[pos : match.start()], False))
        if match.end() > match.start():
            segments.append((match.group(0), True))
        pos = match.end()
    if pos < len(window):
        segments.append((window[pos:], False))
    if end < len(text):
        segments.append(("…", False))
    return tuple(segments)


@contextmanager
def _time_limit(conn: Connection) -> Iterator[None]:
    """Stop a query that runs longer than QUERY_TIMEOUT_S (statement_timeout on PostgreSQL,
    a progress handler on SQLite), so no query can hold the bot up."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"SET LOCAL statement_timeout = {int(QUERY_TIMEOUT_S * 1000)}"))
        yield
        return
    raw: Any = conn.connection.driver_connection
    deadline = time.monotonic() + QUERY_TIMEOUT_S
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 200)
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)


def _is_timeout(error: sa.exc.OperationalError) -> bool:
    message = str(error.orig).lower()
    return "interrupted" in message or "statement timeout" in message
