"""Feeds and their polling health: which are due, what went wrong, when to try again."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from bot.config import FeedSource
from bot.errors import FeedError
from bot.feeds.silence import QUIET_FLOOR
from bot.sources.catalog import catalog
from bot.store import from_db, to_db
from bot.store.schema import articles, feeds
from bot.types import Feed


def _feed(row: Any) -> Feed:
    return Feed(
        id=row.id,
        name=row.name,
        url=row.url,
        enabled=bool(row.enabled),
        etag=row.etag,
        last_modified=row.last_modified,
        last_success_at=from_db(row.last_success_at),
        last_error=row.last_error,
        last_error_at=from_db(row.last_error_at),
        consecutive_failures=row.consecutive_failures,
        next_poll_at=from_db(row.next_poll_at),
        fetch_method=row.fetch_method,
        cookies=row.cookies,
        item_count=row.item_count,
        newest_item_at=from_db(row.newest_item_at),
        rhythm_seconds=row.rhythm_seconds,
        last_new_at=from_db(row.last_new_at),
        last_fetch_seconds=row.last_fetch_seconds,
        body_hash=row.body_hash,
    )


def sync_sources(engine: Engine, sources: Iterable[FeedSource], now: datetime) -> list[Feed]:
    """Make sure every configured source has a row (matched by URL); returns the added ones."""
    added = []
    with engine.begin() as conn:
        known = set(conn.scalars(sa.select(feeds.c.url)))
        for source in sources:
            if source.url in known:
                continue
            known.add(source.url)
            # another process (poll --once beside sokbo run) may add the same row meanwhile
            insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            row = conn.execute(
                insert(feeds)
                .values(name=source.name, url=source.url, created_at=to_db(now))
                .on_conflict_do_nothing(index_elements=["url"])
                .returning(*feeds.c)
            ).one_or_none()
            if row is not None:
                added.append(_feed(row))
    return added


def add_feed(engine: Engine, url: str, name: str, now: datetime) -> Feed:
    """Add a feed (or turn a removed one back on); raises FeedError if it is already followed."""
    with engine.begin() as conn:
        row = conn.execute(sa.select(feeds).where(feeds.c.url == url)).one_or_none()
        if row is not None:
            if row.enabled:
                raise FeedError(f"feed already followed as id {row.id}: {url}")
            row = conn.execute(
                feeds.update()
                .where(feeds.c.id == row.id)
                .values(enabled=True, name=name, next_poll_at=None, consecutive_failures=0)
                .returning(*feeds.c)
            ).one()
            return _feed(row)
        row = conn.execute(
            feeds.insert().values(name=name, url=url, created_at=to_db(now)).returning(*feeds.c)
        ).one()
        return _feed(row)


def remove_feed(engine: Engine, feed_id: int) -> str:
    """Stop following a feed. Its articles stay in the archive (the row is only disabled then).

    Returns "deleted", "disabled" or "missing".
    """
    with engine.begin() as conn:
        exists = conn.scalar(sa.select(feeds.c.id).where(feeds.c.id == feed_id))
        if exists is None:
            return "missing"
        has_articles = conn.scalar(
            sa.select(articles.c.id).where(articles.c.feed_id == feed_id).limit(1)
        )
        if has_articles is None:
            conn.execute(feeds.delete().where(feeds.c.id == feed_id))
            return "deleted"
        conn.execute(feeds.update().where(feeds.c.id == feed_id).values(enabled=False))
        return "disabled"


def get_feed(engine: Engine, feed_id: int) -> Feed | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(feeds).where(feeds.c.id == feed_id)).one_or_none()
    return _feed(row) if row is not None else None


def list_feeds(engine: Engine, *, include_disabled: bool = True) -> list[Feed]:
    query = sa.select(feeds).order_by(feeds.c.id)
    if not include_disabled:
        query = query.where(feeds.c.enabled.is_(True))
    with engine.connect() as conn:
        return [_feed(row) for row in conn.execute(query)]


def feeds_to_watch(engine: Engine, now: datetime) -> list[Feed]:
    """Enabled feeds that may be silent (their last answer had no items, or nothing new for
    longer than the shortest quiet limit) or follow a service that ended: the few /healthz
    names. The caller decides with bot.sources.health."""
    cutoff = to_db(now - QUIET_FLOOR)
    quiet = sa.or_(
        feeds.c.newest_item_at < cutoff,
        sa.and_(feeds.c.newest_item_at.is_(None), feeds.c.last_new_at < cutoff),
    )
    ended = [
        feeds.c.url.like(f"%//{host}{service.path_prefix}%")
        for service in catalog().ended
        for host in service.hosts
    ]
    query = (
        sa.select(feeds)
        .where(feeds.c.enabled.is_(True))
        .where(
            sa.or_(
                sa.and_(
                    feeds.c.consecutive_failures == 0,
                    feeds.c.last_success_at.is_not(None),
                    sa.or_(feeds.c.item_count == 0, quiet),
                ),
                *ended,
            )
        )
        .order_by(feeds.c.id)
    )
    with engine.connect() as conn:
        return [_feed(row) for row in conn.execute(query)]


# A feed whose last fetch took this long starts before the others in the next cycle.
SLOW_FETCH_SECONDS = 1.0


def due_feeds(engine: Engine, now: datetime) -> list[Feed]:
    """Enabled feeds whose next poll time has come (or that were never polled).

    Feeds whose last fetch was slow come first, slowest first: a cycle starts its long
    fetches early instead of ending on them. The others keep their order (sorting them by
    milliseconds would put every full document before every 304, leaving the parser idle
    while the 304s are fetched, and the fetches waiting while the documents are parsed).
    """
    slow = sa.case(
        (feeds.c.last_fetch_seconds >= SLOW_FETCH_SECONDS, feeds.c.last_fetch_seconds), else_=0.0
    )
    query = (
        sa.select(feeds)
        .where(feeds.c.enabled.is_(True))
        .where(sa.or_(feeds.c.next_poll_at.is_(None), feeds.c.next_poll_at <= to_db(now)))
        .order_by(
            slow.desc(),
            feeds.c.next_poll_at.is_not(None),
            feeds.c.next_poll_at,
            feeds.c.id,
        )
    )
    with engine.connect() as conn:
        return [_feed(row) for row in conn.execute(query)]


def next_due_at(engine: Engine, *, excluding: Collection[int] = ()) -> datetime | None:
    """When the earliest enabled feed is due (None when no feed is enabled); feeds in
    ``excluding`` (being fetched now) do not count."""
    enabled = [feeds.c.enabled.is_(True)]
    if excluding:
        enabled.append(feeds.c.id.not_in(list(excluding)))
    with engine.connect() as conn:
        never = conn.scalar(
            sa.select(feeds.c.id).where(*enabled, feeds.c.next_poll_at.is_(None)).limit(1)
        )
        if never is not None:
            return datetime(1970, 1, 1, tzinfo=UTC)
        earliest = conn.scalar(sa.select(sa.func.min(feeds.c.next_poll_at)).where(*enabled))
    return from_db(earliest)


def backoff_seconds(
    failures: int, *, initial: float, maximum: float, retry_after: float | None = None
) -> float:
    """Wait before the next try: doubles per consecutive failure, capped; never less than the
    server's Retry-After (itself capped at ``maximum`` so a hostile value cannot park a feed)."""
    delay = min(maximum, initial * 2.0 ** max(0, failures - 1))
    if retry_after is not None:
        delay = max(delay, min(retry_after, maximum))
    return delay


def record_success(
    engine: Engine,
    feed_id: int,
    now: datetime,
    *,
    poll_interval: float,
    etag: str | None,
    last_modified: str | None,
    warning: str | None = None,
) -> None:
    """A fetch worked (200 or 304): reset failures; keep the validators for conditional GET.

    ``warning`` (e.g. a malformed document whose items were recovered) is kept as the last
    error so `feeds list` shows it, but does not count as a failure.
    """
    with engine.begin() as conn:
        record_successes(
            conn, [FeedSuccess(feed_id, etag, last_modified, warning)], now,
            poll_interval=poll_interval,
        )  # fmt: skip


def _per_feed(**values: Any) -> sa.Update:
    """An UPDATE of feeds to run with many parameter rows (executemany), each row's ``fid``
    naming its feed: how every batch of poll outcomes is written."""
    return feeds.update().where(feeds.c.id == sa.bindparam("fid")).values(**values)


@dataclass(frozen=True, slots=True)
class FeedSuccess:
    """A feed whose answer (and items) were stored: its new validators and any warning, what
    to send with the next fetch (method, cookies) and what tells whether it went silent (how
    many items it gave, the newest item date and its rhythm; how many of the items were new,
    set by the writer once stored). ``items`` None: not counted (nothing recorded).
    ``body_hash``: the answer's hash when all its items are stored with it (the same bytes
    are then not parsed again); None clears the one kept, so the next answer is parsed."""

    feed_id: int
    etag: str | None
    last_modified: str | None
    warning: str | None = None
    method: str | None = None
    cookies: str | None = None
    items: int | None = None
    newest: datetime | None = None
    rhythm: float | None = None
    new: int = 0
    body_hash: str | None = None


@dataclass(frozen=True, slots=True)
class FeedFailure:
    """A feed whose fetch, parse or store failed, in words."""

    feed_id: int
    error: str
    retry_after: float | None = None


def record_successes(
    conn: Connection, successes: Sequence[FeedSuccess], now: datetime, *, poll_interval: float
) -> None:
    """Many successes in the caller's transaction — the one that stored their items, so the
    validators and the body hash are never saved without the items (a later 304, or the
    same bytes skipped unparsed, would hide them)."""
    if not successes:
        return
    ok_at, next_at = to_db(now), to_db(now + timedelta(seconds=poll_interval))
    ids = sorted({s.feed_id for s in successes})
    kept = {
        row.id: row
        for row in conn.execute(
            sa.select(
                feeds.c.id, feeds.c.newest_item_at, feeds.c.rhythm_seconds, feeds.c.last_new_at,
                feeds.c.item_count,
            ).where(feeds.c.id.in_(ids))
        )
    }  # fmt: skip
    plain = _per_feed(
        last_success_at=ok_at,
        consecutive_failures=0,
        next_poll_at=next_at,
        etag=sa.bindparam("new_etag"),
        last_modified=sa.bindparam("new_lm"),
        fetch_method=sa.bindparam("method"),
        cookies=sa.bindparam("jar"),
        item_count=sa.bindparam("items"),
        newest_item_at=sa.bindparam("newest", type_=feeds.c.newest_item_at.type),
        rhythm_seconds=sa.bindparam("rhythm"),
        last_new_at=sa.bindparam("new_at", type_=feeds.c.last_new_at.type),
        body_hash=sa.bindparam("body"),
    )
    warned = plain.values(last_error=sa.bindparam("warning"), last_error_at=ok_at)
    for statement, group in (
        (plain, [s for s in successes if not s.warning]),
        (warned, [s for s in successes if s.warning]),
    ):
        if group:
            conn.execute(
                statement,
                [_success_row(s, kept.get(s.feed_id), now) for s in group],
            )


def _success_row(success: FeedSuccess, kept: Any, now: datetime) -> dict[str, Any]:
    """One success's parameters; the newest item date only ever moves forward."""
    newest = from_db(kept.newest_item_at) if kept is not None else None
    if success.newest is not None and (newest is None or success.newest > newest):
        newest = success.newest
    last_new = from_db(kept.last_new_at) if kept is not None else None
    if success.new:
        last_new = now
    items = success.items
    if items is None and kept is not None:
        items = kept.item_count
    rhythm = success.rhythm
    if rhythm is None and kept is not None:
        rhythm = kept.rhythm_seconds
    return {
        "fid": success.feed_id,
        "new_etag": success.etag[:500] if success.etag else None,
        "new_lm": success.last_modified[:100] if success.last_modified else None,
        "warning": success.warning,
        "method": success.method if success.method and success.method != "GET" else None,
        "jar": success.cookies,
        "items": items,
        "newest": to_db(newest) if newest else None,
        "rhythm": rhythm,
        "new_at": to_db(last_new) if last_new else None,
        "body": success.body_hash,
    }


def record_failure(
    engine: Engine,
    feed_id: int,
    now: datetime,
    error: str,
    *,
    backoff_initial: float,
    backoff_max: float,
    retry_after: float | None = None,
) -> datetime:
    """A fetch or parse failed: count it and push the next poll back; returns that time."""
    with engine.begin() as conn:
        next_polls = record_failures(
            conn, [FeedFailure(feed_id, error, retry_after)], now,
            backoff_initial=backoff_initial, backoff_max=backoff_max,
        )  # fmt: skip
    return next_polls[feed_id]


def record_failures(
    conn: Connection,
    failures: Sequence[FeedFailure],
    now: datetime,
    *,
    backoff_initial: float,
    backoff_max: float,
) -> dict[int, datetime]:
    """Many failures in the caller's transaction: each counted, its next poll pushed back.
    Returns each feed's next poll time."""
    if not failures:
        return {}
    ids = sorted({f.feed_id for f in failures})
    query = sa.select(feeds.c.id, feeds.c.consecutive_failures).where(feeds.c.id.in_(ids))
    counts: dict[int, int] = {row.id: row.consecutive_failures for row in conn.execute(query)}
    rows, next_polls = [], {}
    for failure in failures:
        failures_now = (counts.get(failure.feed_id) or 0) + 1
        counts[failure.feed_id] = failures_now
        delay = backoff_seconds(
            failures_now, initial=backoff_initial, maximum=backoff_max,
            retry_after=failure.retry_after,
        )  # fmt: skip
        next_poll = now + timedelta(seconds=delay)
        next_polls[failure.feed_id] = next_poll
        rows.append(
            {
                "fid": failure.feed_id,
                "count": failures_now,
                "error": failure.error[:2000],
                "next_at": to_db(next_poll),
            }
        )
    statement = _per_feed(
        consecutive_failures=sa.bindparam("count"),
        last_error=sa.bindparam("error"),
        last_error_at=to_db(now),
        next_poll_at=sa.bindparam("next_at"),
    )
    conn.execute(statement, rows)
    return next_polls


def record_fetch_seconds_in(conn: Connection, durations: Iterable[tuple[int, float]]) -> None:
    """How long each feed's last fetch took (answer or failure), for due_feeds' order."""
    rows = [{"fid": feed_id, "seconds": round(seconds, 3)} for feed_id, seconds in durations]
    if rows:
        conn.execute(_per_feed(last_fetch_seconds=sa.bindparam("seconds")), rows)


def record_not_modified(
    engine: Engine, updates: Iterable[tuple[int, datetime]], *, poll_interval: float
) -> None:
    """Many 304 answers in one transaction: each feed's success time and next poll."""
    with engine.begin() as conn:
        record_not_modified_in(conn, updates, poll_interval=poll_interval)


def record_not_modified_in(
    conn: Connection, updates: Iterable[tuple[int, datetime]], *, poll_interval: float
) -> None:
    """Many 304 answers in the caller's transaction: each feed's success time and next poll."""
    rows = [
        {
            "fid": feed_id,
            "ok_at": to_db(now),
            "next_at": to_db(now + timedelta(seconds=poll_interval)),
        }
        for feed_id, now in updates
    ]
    if not rows:
        return
    statement = _per_feed(
        last_success_at=sa.bindparam("ok_at"),
        next_poll_at=sa.bindparam("next_at"),
        consecutive_failures=0,
    )
    conn.execute(statement, rows)
