"""Grouping stored articles into stories: the store side of :func:`bot.stories.choose_story`."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.digest import DigestCandidate
from bot.matching import LEAD_CHARS, StoryFacts, story_facts
from bot.messages import Alert, DigestEntry
from bot.store import from_db, from_db_required
from bot.store.schema import (
    UtcDateTime,
    article_features,
    articles,
    feeds,
    grouping_keys,
    stories,
    story_links,
    story_splits,
)
from bot.stories import (
    NEAR_WINDOW,
    OFFICIAL_HOSTS,
    TITLE_WINDOW,
    NearCandidate,
    StoryCandidate,
    StoryKeys,
    best_source,
    choose_near,
    choose_story,
    source_rank,
    story_keys,
)
from bot.story_features import StoryFeatures, bucket_keys, story_features
from bot.types import Summary


@dataclass
class GroupingReport:
    new_story_ids: list[int] = field(default_factory=list)
    merged_story_ids: list[int] = field(default_factory=list)  # gained an article
    near_joined: int = 0  # articles that joined a story as near duplicates
    resummarize: list[int] = field(default_factory=list)  # a better source became primary
    taken: int = 0  # pending articles read (a slice that took fewer than it asked was the last)


# Index rows read per key (newest first within the window): a key shared by very many
# articles (a common figure) costs at most this much, whatever the table holds.
PER_KEY = 50
# Keys per statement when candidates are looked up for a whole batch.
_KEYS_PER_QUERY = 200


def assign_pending(engine: Engine, now: datetime, *, limit: int = 5000) -> GroupingReport:
    """Give every article without a story one: a story sharing an exact key, a story with a
    near duplicate of it, or a new one.

    Features are computed once per article and stored with its index keys. The batch's
    exact keys and index keys are each read in a few statements, whatever the batch's size;
    per article only a new story is one INSERT. A story that gains an article from another
    feed counts one more source; it is never delivered again (deliveries are made once,
    when the story is matched). When a better source joins (an official release after a
    rewrite) it becomes the story's primary and the digest is redone.

    Articles are taken in slices of :data:`SLICE`, one transaction each: the write lock of a
    SQLite file is never held for a whole cold cycle, so chat commands that write go on.
    """
    report = GroupingReport()
    decoded = DecodedFeatures()
    while limit > 0:
        part = _assign_slice(engine, now, min(limit, SLICE), decoded)
        decoded.next_slice()
        report.new_story_ids += part.new_story_ids
        report.merged_story_ids += [
            s for s in part.merged_story_ids if s not in report.merged_story_ids
        ]
        report.near_joined += part.near_joined
        report.resummarize += part.resummarize
        limit -= SLICE
        if part.taken < SLICE:
            break
    return report


# Articles grouped in one transaction.
SLICE = 250


def _assign_slice(
    engine: Engine, now: datetime, limit: int, decoded: DecodedFeatures
) -> GroupingReport:
    report = GroupingReport()
    with engine.begin() as conn:
        query = (
            sa.select(
                articles.c.id,
                articles.c.feed_id,
                articles.c.url,
                articles.c.title,
                articles.c.text,
                articles.c.published_at,
                articles.c.content_hash,
            )
            .where(articles.c.story_id.is_(None))
            .order_by(articles.c.id)
            .limit(limit)
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = conn.execute(query).all()
        report.taken = len(rows)
        if not rows:
            return report
        ids = [r.id for r in rows]
        features = _features_for(conn, rows, decoded)
        keys_of = {row.id: bucket_keys(features[row.id]) for row in rows}
        # each key is looked up around the dates of the batch's articles that carry it
        spans: dict[int, tuple[datetime, datetime]] = {}
        for row in rows:
            published_at = from_db_required(row.published_at)
            for key in keys_of[row.id]:
                low, high = spans.get(key, (published_at, published_at))
                spans[key] = (min(low, published_at), max(high, published_at))
        stored = _candidates(
            conn,
            {k: (low - NEAR_WINDOW, high + NEAR_WINDOW) for k, (low, high) in spans.items()},
            decoded,
        )
        refused = _refused(conn, ids)
        exact_keys = {r.id: story_keys(r.url, r.title, r.content_hash) for r in rows}
        exact = _ExactIndex(_sharing_any(conn, list(exact_keys.values()), now))
        # An article grouped again (its story was reset) is linked and indexed afresh.
        for table in (story_links, grouping_keys):
            conn.execute(table.delete().where(table.c.article_id.in_(ids)))
        batch: dict[int, list[NearCandidate]] = {}
        index_rows: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        joined: set[int] = set()  # stories that gained an article, new ones included
        for row in rows:
            published_at = from_db_required(row.published_at)
            keys = exact_keys[row.id]
            no = refused.get(row.id, frozenset())
            sharing = [c for c in exact.sharing(keys) if c.id not in no]
            story_id = choose_story(keys, len(row.text or ""), sharing, now)
            link: dict[str, Any] = {"reason": "first", "via_article_id": None}
            link.update(similarity=None, shared=None)
            if story_id is not None:
                link["reason"] = _exact_reason(keys, sharing, story_id)
            else:
                found: dict[int, NearCandidate] = {}
                for key in keys_of[row.id]:
                    # the batch's own articles under a key are capped like the stored ones: a
                    # cycle of 5,000 look-alike items must not compare each with all the others
                    for cand in (*stored.get(key, ()), *batch.get(key, ())[-PER_KEY:]):
                        found[cand.article_id] = cand
                match = choose_near(features[row.id], published_at, found.values(), refused=no)
                if match is not None:
                    story_id = match.story_id
                    report.near_joined += 1
                    link.update(
                        reason="near",
                        via_article_id=match.article_id,
                        similarity=match.similarity,
                        shared=json.dumps(
                            {
                                "figures": match.shared_figures,
                                "agencies": match.shared_agencies,
                                "words": match.shared_words,
                            },
                            ensure_ascii=False,
                        ),
                    )
            if story_id is None:
                story_id = _create_story(conn, row, keys, now)
                report.new_story_ids.append(story_id)
                exact.add(StoryCandidate(story_id, keys.canonical_url, keys.norm_title,
                                         keys.content_hash, now))  # fmt: skip
            else:
                joined.add(story_id)
                if story_id not in report.new_story_ids + report.merged_story_ids:
                    report.merged_story_ids.append(story_id)
            links.append({"article_id": row.id, "story_id": story_id, "created_at": now, **link})
            cand = NearCandidate(row.id, story_id, published_at, features[row.id])
            week = key_week(published_at)
            for key in keys_of[row.id]:
                batch.setdefault(key, []).append(cand)
                index_rows.append(
                    {"week": week, "key": key, "article_id": row.id, "published_at": published_at}
                )
        conn.execute(
            articles.update()
            .where(articles.c.id == sa.bindparam("a_id"))
            .values(story_id=sa.bindparam("s_id")),
            [{"a_id": link["article_id"], "s_id": link["story_id"]} for link in links],
        )
        conn.execute(story_links.insert(), links)
        if index_rows:
            conn.execute(grouping_keys.insert(), index_rows)
        if joined:
            report.resummarize = _settle(conn, sorted(joined))
    return report


class _ExactIndex:
    """Stories by each exact key, for one batch: those stored and those the batch creates."""

    def __init__(self, found: Sequence[StoryCandidate]) -> None:
        self._by: dict[tuple[str, str], list[StoryCandidate]] = {}
        for story in found:
            self.add(story)

    def add(self, story: StoryCandidate) -> None:
        for kind, value in (
            ("url", story.canonical_url),
            ("title", story.norm_title),
            ("hash", story.content_hash),
        ):
            if value:
                self._by.setdefault((kind, value), []).append(story)

    def sharing(self, keys: StoryKeys) -> list[StoryCandidate]:
        found: dict[int, StoryCandidate] = {}
        for kind, value in (
            ("url", keys.canonical_url),
            ("title", keys.norm_title),
            ("hash", keys.content_hash),
        ):
            for story in self._by.get((kind, value), ()) if value else ():
                found[story.id] = story
        return list(found.values())


def _sharing_any(
    conn: Connection, keys: Sequence[StoryKeys], now: datetime
) -> list[StoryCandidate]:
    """Stored stories that :func:`choose_story` could pick for any of ``keys``: the same
    canonical URL at any age, the same title or body hash when first seen within
    TITLE_WINDOW of ``now`` (older ones it skips; a title repeated monthly for years is read
    for its last window only, by the (norm_title, first_seen_at) index). A few statements."""
    never = datetime.min.replace(tzinfo=UTC)
    recent = now - TITLE_WINDOW
    columns = (
        stories.c.id,
        stories.c.canonical_url,
        stories.c.norm_title,
        stories.c.content_hash,
        stories.c.first_seen_at,
    )
    out: dict[int, StoryCandidate] = {}
    for start in range(0, len(keys), 300):
        chunk = keys[start : start + 300]
        urls = sorted({k.canonical_url for k in chunk})
        titles = sorted({k.norm_title for k in chunk if k.norm_title})
        hashes = sorted({k.content_hash for k in chunk if k.content_hash})
        parts = [sa.select(*columns).where(stories.c.canonical_url.in_(urls))]
        for column, values in ((stories.c.norm_title, titles), (stories.c.content_hash, hashes)):
            if values:
                parts.append(
                    sa.select(*columns).where(column.in_(values), stories.c.first_seen_at >= recent)
                )
        for r in conn.execute(sa.union_all(*parts)):
            out[r.id] = StoryCandidate(
                r.id,
                r.canonical_url,
                r.norm_title,
                r.content_hash,
                from_db(r.first_seen_at) or never,
            )
    return sorted(out.values(), key=lambda c: c.id)


def _settle(conn: Connection, story_ids: Sequence[int]) -> list[int]:
    """After stories gained articles: count their feeds again and give each the best source
    as its primary. Returns the stories whose primary changed (their digest is redone).

    Read per story, not per member (a story of a few hundred rewrites gains one each cycle):
    its feeds counted, its first member, and its first member whose URL or feed URL could
    be official (names korea.kr or go.kr). That one is the best source when source_rank
    confirms it (every member before it ranks 1); when it does not, the story's members are
    read and ranked in order (:func:`best_source`)."""
    ids = sorted(set(story_ids))
    changed: list[int] = []
    live = articles.c.withdrawn_at.is_(None)
    maybe_official = sa.or_(
        *(
            sa.func.lower(column).contains(host)
            for column in (articles.c.url, feeds.c.url)
            for host in OFFICIAL_HOSTS
        )
    )
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        settled = conn.execute(
            sa.select(
                articles.c.story_id,
                sa.func.count(sa.distinct(articles.c.feed_id)).label("feeds"),
                sa.func.min(articles.c.id).label("first"),
                sa.func.min(sa.case((maybe_official, articles.c.id))).label("official"),
                sa.func.max(stories.c.primary_article_id).label("primary"),
            )
            .join(feeds, feeds.c.id == articles.c.feed_id)
            .join(stories, stories.c.id == articles.c.story_id)
            .where(articles.c.story_id.in_(chunk), live)
            .group_by(articles.c.story_id)
            .order_by(sa.func.min(articles.c.id))  # as before: stories by their first member
        ).all()
        looked = {r.official for r in settled if r.official is not None}
        ranks = {
            r.id: source_rank(r.url, r.feed_url)
            for r in conn.execute(
                sa.select(articles.c.id, articles.c.url, feeds.c.url.label("feed_url"))
                .join(feeds, feeds.c.id == articles.c.feed_id)
                .where(articles.c.id.in_(sorted(looked)))
            )
        }
        best_of: dict[int, int] = {}
        unsure: list[int] = []  # a look-alike URL that source_rank does not confirm
        for r in settled:
            if r.official is None:
                best_of[r.story_id] = r.first
            elif ranks.get(r.official) == 0:
                best_of[r.story_id] = r.official
            else:
                unsure.append(r.story_id)
        if unsure:
            members: dict[int, list[tuple[int, str, str]]] = {}
            for m in conn.execute(
                sa.select(
                    articles.c.id, articles.c.story_id, articles.c.url, feeds.c.url.label("fu")
                )
                .join(feeds, feeds.c.id == articles.c.feed_id)
                .where(articles.c.story_id.in_(unsure), live)
                .order_by(articles.c.id)
            ):
                members.setdefault(m.story_id, []).append((m.id, m.url, m.fu))
            best_of.update({story_id: best_source(found) for story_id, found in members.items()})
        moved = {
            r.story_id: best_of[r.story_id]
            for r in settled
            if best_of[r.story_id] != (r.primary or r.first)
        }
        if moved:
            chosen = {
                a.id: a
                for a in conn.execute(
                    sa.select(articles.c.id, articles.c.title, articles.c.url).where(
                        articles.c.id.in_(sorted(moved.values()))
                    )
                )
            }
            for story_id, article_id in moved.items():
                conn.execute(
                    stories.update()
                    .where(stories.c.id == story_id)
                    .values(**_primary(chosen[article_id]))
                )
                changed.append(story_id)
        if settled:
            conn.execute(
                stories.update()
                .where(stories.c.id == sa.bindparam("s_id"))
                .values(source_count=sa.bindparam("n")),
                [{"s_id": r.story_id, "n": r.feeds} for r in settled],
            )
    return changed


class DecodedFeatures:
    """Stored features decoded in one grouping pass, by a digest of their JSON.

    The slices of a pass look up mostly the same neighbours (the previous slice's articles
    and theirs): what a slice decoded or computed is kept for the next one only, so each is
    decoded about once per pass and at most two slices' worth is held. Keyed by the stored
    text itself (its digest), not the article: features rewritten meanwhile (an edited
    article) are decoded afresh.
    """

    def __init__(self) -> None:
        self._previous: dict[bytes, StoryFeatures] = {}
        self._current: dict[bytes, StoryFeatures] = {}

    def decode(self, raw: str) -> StoryFeatures:
        key = _digest(raw)
        found = self._current.get(key) or self._previous.get(key)
        if found is None:
            found = StoryFeatures.from_json(raw)
        self._current[key] = found
        return found

    def keep(self, raw: str, features: StoryFeatures) -> None:
        """``features`` were just stored as ``raw``: the next slice finds them decoded."""
        self._current[_digest(raw)] = features

    def next_slice(self) -> None:
        self._previous, self._current = self._current, {}


def _digest(raw: str) -> bytes:
    return hashlib.blake2b(raw.encode(), digest_size=16).digest()


def _features_for(
    conn: Connection, rows: Sequence[Any], decoded: DecodedFeatures | None = None
) -> dict[int, StoryFeatures]:
    """Each article's features: stored ones are reused, the rest computed once and stored."""
    decoded = decoded or DecodedFeatures()
    ids = [r.id for r in rows]
    out: dict[int, StoryFeatures] = {}
    for start in range(0, len(ids), 500):
        for article_id, raw in conn.execute(
            sa.select(article_features.c.article_id, article_features.c.features).where(
                article_features.c.article_id.in_(ids[start : start + 500])
            )
        ).all():
            out[article_id] = decoded.decode(raw)
    fresh = [
        {
            "article_id": r.id,
            "features": story_features(r.title, r.text or "", official=source_rank(r.url) == 0),
        }
        for r in rows
        if r.id not in out
    ]
    if fresh:
        stored = [
            {"article_id": f["article_id"], "features": f["features"].to_json()} for f in fresh
        ]
        conn.execute(article_features.insert(), stored)
        for f, row in zip(fresh, stored, strict=True):
            decoded.keep(row["features"], f["features"])
    for f in fresh:
        out[f["article_id"]] = f["features"]
    return out


def refresh_features(conn: Connection, edited: Sequence[tuple[int, str, str, datetime]]) -> None:
    """New features and index keys for articles whose text changed (id, title, text,
    published), so later articles are compared with what the source says now.

    An edited article stays in its story (moving it would re-alert or hide a story); only
    what the next articles are compared with changes. Not yet grouped articles just lose
    any stored features: grouping computes them from the current text.
    """
    ids = [article_id for article_id, *_ in edited]
    if not ids:
        return
    for table in (article_features, grouping_keys):
        conn.execute(table.delete().where(table.c.article_id.in_(ids)))
    grouped = {
        r.id: source_rank(r.url) == 0
        for r in conn.execute(
            sa.select(articles.c.id, articles.c.url).where(
                articles.c.id.in_(ids), articles.c.story_id.is_not(None)
            )
        )
    }
    fresh = [
        (article_id, story_features(title, text, official=grouped[article_id]), published)
        for article_id, title, text, published in edited
        if article_id in grouped
    ]
    if not fresh:
        return
    conn.execute(
        article_features.insert(),
        [{"article_id": a, "features": f.to_json()} for a, f, _ in fresh],
    )
    index_rows = [
        {"week": key_week(published), "key": key, "article_id": a, "published_at": published}
        for a, f, published in fresh
        for key in bucket_keys(f)
    ]
    if index_rows:
        conn.execute(grouping_keys.insert(), index_rows)


# grouping_keys.week: whole weeks since the epoch (UTC) of an article's published_at.
WEEK_SECONDS = 7 * 86400


def key_week(when: datetime) -> int:
    """The week an index row is filed under (migration 0013 computes the same in SQL)."""
    return math.floor(when.timestamp()) // WEEK_SECONDS


def _candidates(
    conn: Connection,
    spans: dict[int, tuple[datetime, datetime]],
    decoded: DecodedFeatures | None = None,
) -> dict[int, list[NearCandidate]]:
    """Stored articles under each key published within its span, the newest PER_KEY per key.

    A key is read week by week, one index range scan on (week, key, published_at) per week
    of its span up to the newest week stored: on SQLite _KEYS_PER_QUERY scans per statement
    (a UNION ALL), on PostgreSQL the probes as arrays through a LATERAL join; then one
    statement for the candidates' stories and features (decoded once per pass:
    :class:`DecodedFeatures`). The pages read are those of the span's weeks: the cost follows
    the batch and the window, not the table.
    """
    decoded = decoded or DecodedFeatures()
    newest = conn.execute(sa.select(sa.func.max(grouping_keys.c.week))).scalar()
    if newest is None:
        return {}
    probes = [
        (key, week, since, until)
        for key, (since, until) in sorted(spans.items())
        for week in range(key_week(since), min(key_week(until), newest) + 1)
    ]
    hits: dict[int, list[tuple[datetime, int]]] = {}
    # An article is found under many keys: its date is read once (SQLite gives the stored
    # text, read by the column type's own processor; PostgreSQL a datetime).
    read = UtcDateTime.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    dates: dict[Any, datetime] = {}
    postgres = conn.dialect.name == "postgresql"
    size = _PROBES_PER_ARRAY if postgres else _KEYS_PER_QUERY
    for start in range(0, len(probes), size):
        chunk = probes[start : start + size]
        if postgres:
            keys, weeks, since, until = (list(column) for column in zip(*chunk, strict=True))
            found = conn.execute(
                _LATERAL_PROBES, {"keys": keys, "weeks": weeks, "since": since, "until": until}
            )
        else:
            count = _statement_size(len(chunk))
            params: dict[str, Any] = {}
            for i, (key, week, low, high) in enumerate(chunk):
                params.update({f"k{i}": key, f"w{i}": week, f"s{i}": low, f"u{i}": high})
            for i in range(len(chunk), count):  # padding: a week no article is in
                params.update({f"k{i}": 0, f"w{i}": _NO_WEEK, f"s{i}": low, f"u{i}": high})
            found = conn.execute(_per_key_statement(count), params)
        for key, article_id, stored in found.all():
            when = dates.get(stored)
            if when is None:
                value = read(stored) if read else stored
                assert isinstance(value, datetime)  # NOT NULL
                when = dates[stored] = from_db_required(value)
            hits.setdefault(key, []).append((when, article_id))
    newest_first = {key: sorted(found, reverse=True)[:PER_KEY] for key, found in hits.items()}
    ids = sorted({a for found in newest_first.values() for _, a in found})
    known: dict[int, tuple[int, StoryFeatures]] = {}
    for start in range(0, len(ids), 500):
        chunk_ids = ids[start : start + 500]
        for article_id, story_id, raw in conn.execute(
            sa.select(articles.c.id, articles.c.story_id, article_features.c.features)
            .join(article_features, article_features.c.article_id == articles.c.id)
            .where(articles.c.id.in_(chunk_ids), articles.c.story_id.is_not(None))
        ).all():
            known[article_id] = (story_id, decoded.decode(raw))
    made: dict[tuple[datetime, int], NearCandidate] = {}  # one per article, for all its keys
    for newest in newest_first.values():
        for hit in newest:
            if hit not in made and hit[1] in known:
                story_id, features = known[hit[1]]
                made[hit] = NearCandidate(hit[1], story_id, hit[0], features)
    return {key: [made[h] for h in newest if h in made] for key, newest in newest_first.items()}


# PostgreSQL: the probes as arrays, one index range scan each through a LATERAL join. One
# statement plans in well under a millisecond whatever the count, where a UNION ALL of 200
# parts takes PostgreSQL milliseconds to plan on every execution.
_PROBES_PER_ARRAY = 5000
_LATERAL_PROBES = sa.text(
    "SELECT v.k, g.article_id, g.published_at FROM unnest(CAST(:keys AS bigint[]), "
    "CAST(:weeks AS integer[]), CAST(:since AS timestamptz[]), CAST(:until AS timestamptz[])) "
    "AS v(k, w, s, u) CROSS JOIN LATERAL (SELECT article_id, published_at FROM grouping_keys "
    "WHERE week = v.w AND key = v.k AND published_at >= v.s AND published_at <= v.u "
    f"ORDER BY published_at DESC, article_id DESC LIMIT {PER_KEY}) AS g"
).columns(
    sa.column("k", sa.BigInteger),
    sa.column("article_id", sa.Integer),
    sa.column("published_at", UtcDateTime),
)


_NO_WEEK = -(2**31)


def _statement_size(probes: int) -> int:
    """The statement a chunk of ``probes`` is read with: the next power of two, at most
    _KEYS_PER_QUERY, the rest padded with probes that find nothing.

    Each size is one more statement in SQLAlchemy's compiled cache and each connection's
    sqlite3 statement cache, where it stays for the life of the engine: one statement per
    chunk length (the tail of every slice has its own) grew the heap on each grouping call
    of a cold cycle; the 199 lengths held 195 MB of Python objects and 35 MB in one
    connection's SQLite (measured), the nine sizes 2 MB and under 1 MB.
    """
    size = 1
    while size < probes:
        size *= 2
    return min(size, _KEYS_PER_QUERY)


@lru_cache(maxsize=16)
def _per_key_statement(count: int) -> sa.TextualSelect:
    """A UNION ALL of ``count`` index range scans, the newest PER_KEY rows under each
    (week, key) within its span.

    Written as text: SQLAlchemy's compiler spends milliseconds per part on a 200-part
    compound, which would cost more than the reads themselves.
    """
    part = (
        "SELECT * FROM (SELECT key, article_id, published_at FROM grouping_keys "
        "WHERE week = :w{i} AND key = :k{i} AND published_at >= :s{i} AND published_at <= :u{i} "
        f"ORDER BY published_at DESC, article_id DESC LIMIT {PER_KEY}) AS p{{i}}"
    )
    sql = " UNION ALL ".join(part.format(i=i) for i in range(count))
    return (
        sa.text(sql)
        .bindparams(
            *(sa.bindparam(f"s{i}", type_=UtcDateTime) for i in range(count)),
            *(sa.bindparam(f"u{i}", type_=UtcDateTime) for i in range(count)),
            *(sa.bindparam(f"w{i}", type_=sa.Integer) for i in range(count)),
            *(sa.bindparam(f"k{i}", type_=sa.BigInteger) for i in range(count)),
        )
        .columns(
            sa.column("key", sa.BigInteger),
            sa.column("article_id", sa.Integer),
            sa.column("published_at"),  # as stored: _candidates reads each date once
        )
    )


def _refused(conn: Connection, article_ids: Sequence[int]) -> dict[int, frozenset[int]]:
    """Stories each article was split from (it must not join them again)."""
    out: dict[int, set[int]] = {}
    for start in range(0, len(article_ids), 500):
        for article_id, story_id in conn.execute(
            sa.select(story_splits.c.article_id, story_splits.c.story_id).where(
                story_splits.c.article_id.in_(article_ids[start : start + 500])
            )
        ):
            out.setdefault(article_id, set()).add(story_id)
    return {k: frozenset(v) for k, v in out.items()}


def _exact_reason(keys: StoryKeys, sharing: Sequence[StoryCandidate], story_id: int) -> str:
    story = next(s for s in sharing if s.id == story_id)
    if story.canonical_url == keys.canonical_url:
        return "url"
    if story.norm_title == keys.norm_title:
        return "title"
    return "text"


def _create_story(conn: Connection, row: Any, keys: StoryKeys, now: datetime) -> int:
    result = conn.execute(
        stories.insert().values(
            title=row.title,
            url=row.url,
            canonical_url=keys.canonical_url,
            norm_title=keys.norm_title,
            content_hash=keys.content_hash,
            first_seen_at=now,
            published_at=row.published_at,
            source_count=1,
            primary_article_id=row.id,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _primary(article: Any) -> dict[str, Any]:
    """A story's columns once ``article`` (id, title, url) speaks for it: its digest is
    redone from that text, so the old summary and any claim on it go."""
    return {
        "primary_article_id": article.id,
        "title": article.title,
        "url": article.url,
        "summary": None,
        "summarized_at": None,
        "summary_claim": None,
        "summary_claimed_at": None,
    }


def story_feed_ids(conn: Connection, story_ids: Sequence[int]) -> dict[int, set[int]]:
    """Feed ids of each story's articles."""
    out: dict[int, set[int]] = {sid: set() for sid in story_ids}
    if not story_ids:
        return out
    rows = conn.execute(
        sa.select(articles.c.story_id, articles.c.feed_id)
        .where(articles.c.story_id.in_(list(story_ids)))
        .distinct()
    )
    for story_id, feed_id in rows:
        out[story_id].add(feed_id)
    return out


def load_summary(raw: str | None, title: str, url: str) -> Summary:
    """The stored Summary JSON, or a bare headline when it is missing or unreadable."""
    if raw:
        try:
            return Summary.model_validate_json(raw)
        except ValueError:
            pass
    return Summary(headline=(title.strip() or url)[:60], bullets=[], source_url=url)


# What a message or a page about a story reads first (the summary is parsed by load_summary).
STORY_HEAD = (
    stories.c.id,
    stories.c.title,
    stories.c.url,
    stories.c.published_at,
    stories.c.summary,
)


def load_alerts(engine: Engine, story_ids: Sequence[int]) -> dict[int, Alert]:
    """Alerts for the given stories (the message an instant delivery carries).

    ``source`` is the feed the story first arrived from; ``sources`` every feed carrying it.
    """
    ids = sorted(set(story_ids))
    if not ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*STORY_HEAD).where(stories.c.id.in_(ids))).all()
        names: dict[int, list[str]] = {}
        for story_id, name in conn.execute(
            sa.select(articles.c.story_id, feeds.c.name)
            .join(feeds, feeds.c.id == articles.c.feed_id)
            .where(articles.c.story_id.in_(ids))
            .order_by(articles.c.id)
        ):
            if name not in names.setdefault(story_id, []):
                names[story_id].append(name)
    return {
        r.id: Alert(
            story_id=r.id,
            summary=load_summary(r.summary, r.title, r.url),
            source=(names.get(r.id) or [""])[0],
            published_at=from_db_required(r.published_at),
            url=r.url,
            sources=tuple(names.get(r.id, ())),
        )
        for r in rows
    }


def story_rows_facts(
    conn: Connection, where: sa.ColumnElement[bool], *, limit: int = 5000
) -> list[tuple[sa.Row[tuple[object, ...]], Summary, StoryFacts]]:
    """Summarized stories matching ``where`` with their Summary and matching facts."""
    rows = conn.execute(
        sa.select(stories)
        .where(where, stories.c.summary.is_not(None), stories.c.withdrawn_at.is_(None))
        .order_by(stories.c.id)
        .limit(limit)
    ).all()
    ids = [r.id for r in rows]
    feed_ids = story_feed_ids(conn, ids)
    leads: dict[int, str] = {}
    if ids:
        for story_id, text in conn.execute(
            sa.select(articles.c.story_id, articles.c.text)
            .where(articles.c.story_id.in_(ids))
            .order_by(articles.c.id.desc())
        ):
            leads[story_id] = (text or "")[:LEAD_CHARS]
    out = []
    for r in rows:
        summary = load_summary(r.summary, r.title, r.url)
        facts = story_facts(r.id, r.title, summary, feed_ids.get(r.id, ()), leads.get(r.id, ""))
        out.append((r, summary, facts))
    return out


def digest_candidates(
    engine: Engine, since: datetime, until: datetime, *, limit: int = 5000
) -> list[DigestCandidate]:
    """Summarized stories first seen in (since, until], for :func:`bot.digest.build_digest`."""
    with engine.connect() as conn:
        found = story_rows_facts(
            conn,
            sa.and_(stories.c.first_seen_at > since, stories.c.first_seen_at <= until),
            limit=limit,
        )
    return [
        DigestCandidate(
            entry=DigestEntry(
                story_id=r.id,
                headline=summary.headline,
                url=r.url,
                agencies=tuple(sorted(facts.agencies)),
                published_at=from_db(r.published_at) or until,
                contacts=tuple(summary.contacts),
                source_count=r.source_count,
            ),
            facts=facts,
            topics=tuple(summary.topics),
            first_seen_at=from_db(r.first_seen_at) or until,
        )
        for r, summary, facts in found
    ]


def unmatched_facts(engine: Engine, *, limit: int) -> list[StoryFacts]:
    """Summarized stories not yet matched to chats, with what matching reads of each."""
    with engine.connect() as conn:
        found = story_rows_facts(conn, stories.c.matched_at.is_(None), limit=limit)
    return [facts for _row, _summary, facts in found]


# --- what a story is made of: sources, why each article is in it, splitting ----------------


@dataclass(frozen=True, slots=True)
class Membership:
    """One article of a story and why it is there (``story_links``; ``first`` if unknown)."""

    article_id: int
    title: str
    url: str
    feed: str
    published_at: datetime
    primary: bool
    reason: str
    via_article_id: int | None
    similarity: float | None
    shared: dict[str, list[str]]


def story_members(conn: Connection, story_ids: Sequence[int]) -> dict[int, list[Membership]]:
    """Each story's articles in arrival order, with how each joined."""
    out: dict[int, list[Membership]] = {sid: [] for sid in story_ids}
    if not story_ids:
        return out
    rows = conn.execute(
        sa.select(
            articles.c.id,
            articles.c.story_id,
            articles.c.title,
            articles.c.url,
            articles.c.published_at,
            feeds.c.name,
            stories.c.primary_article_id,
            story_links.c.reason,
            story_links.c.via_article_id,
            story_links.c.similarity,
            story_links.c.shared,
        )
        .join(feeds, feeds.c.id == articles.c.feed_id)
        .join(stories, stories.c.id == articles.c.story_id)
        .outerjoin(story_links, story_links.c.article_id == articles.c.id)
        .where(articles.c.story_id.in_(list(story_ids)), articles.c.withdrawn_at.is_(None))
        .order_by(articles.c.id)
    )
    for r in rows:
        members = out[r.story_id]
        primary = r.primary_article_id == r.id if r.primary_article_id else not members
        out[r.story_id].append(
            Membership(
                article_id=r.id,
                title=r.title,
                url=r.url,
                feed=r.name,
                published_at=from_db_required(r.published_at),
                primary=primary,
                reason=r.reason or ("first" if not members else "url"),
                via_article_id=r.via_article_id,
                similarity=r.similarity,
                shared=json.loads(r.shared) if r.shared else {},
            )
        )
    return out


def source_names(members: Sequence[Membership]) -> tuple[str, ...]:
    """The distinct feeds that carry a story, the first arrival first."""
    return tuple(dict.fromkeys(m.feed for m in members))


def article_story_ids(engine: Engine, article_ids: Sequence[int]) -> dict[int, int]:
    """The story of each given article that has one."""
    out: dict[int, int] = {}
    ids = list(article_ids)
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            for article_id, story_id in conn.execute(
                sa.select(articles.c.id, articles.c.story_id).where(
                    articles.c.id.in_(ids[start : start + 500]), articles.c.story_id.is_not(None)
                )
            ):
                out[article_id] = story_id
    return out


@dataclass(frozen=True, slots=True)
class Split:
    article_id: int
    from_story_id: int
    new_story_id: int


def split_article(engine: Engine, article_id: int, now: datetime) -> Split | None:
    """Take an article out of its story into a story of its own, for good.

    The article is remembered as refused by its old story (``story_splits``), so no
    regrouping joins them again. The old story keeps its alert; its count of sources and,
    if the article was its primary, its primary (then its digest is redone) are updated.
    The new story is summarized, matched and alerted like any new story.
    None when the article is unknown or alone in its story.
    """
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(
                articles.c.id,
                articles.c.feed_id,
                articles.c.url,
                articles.c.title,
                articles.c.published_at,
                articles.c.content_hash,
                articles.c.story_id,
            ).where(articles.c.id == article_id)
        ).first()
        if row is None or row.story_id is None:
            return None
        old = int(row.story_id)
        others = sorted(
            conn.execute(
                sa.select(
                    articles.c.id,
                    articles.c.feed_id,
                    articles.c.url,
                    articles.c.title,
                    feeds.c.url.label("feed_url"),
                )
                .join(feeds, feeds.c.id == articles.c.feed_id)
                .where(articles.c.story_id == old, articles.c.id != article_id)
            ).all(),
            key=lambda o: (source_rank(o.url, o.feed_url), o.id),
        )
        if not others:
            return None
        keys = story_keys(row.url, row.title, row.content_hash)
        new = _create_story(conn, row, keys, now)
        conn.execute(articles.update().where(articles.c.id == article_id).values(story_id=new))
        conn.execute(
            story_splits.insert().values(article_id=article_id, story_id=old, created_at=now)
        )
        conn.execute(story_links.delete().where(story_links.c.article_id == article_id))
        conn.execute(
            story_links.insert().values(
                article_id=article_id, story_id=new, reason="split", created_at=now
            )
        )
        changes: dict[str, Any] = {"source_count": len({o.feed_id for o in others})}
        primary = conn.execute(
            sa.select(stories.c.primary_article_id).where(stories.c.id == old)
        ).scalar()
        if primary in (None, article_id):
            changes.update(_primary(others[0]))
        conn.execute(stories.update().where(stories.c.id == old).values(**changes))
    # The new story is matched and alerted like any new story: the merge had hidden it.
    return Split(article_id, old, new)
