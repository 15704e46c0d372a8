"""The outbox table: one delivery per (chat, story) alert or (chat, day) digest, claimed by
workers, marked per outcome.

States: pending → sending → sent | failed (waits for ``next_attempt_at``) | dead (gave up).
A claim is a lease: a row left in ``sending`` longer than the lease belonged to a worker that
died, and is claimed again (counted as an attempt, since it may be the one that killed it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine

from bot.store import from_db
from bot.store.chats import insert_ignore
from bot.store.digests import close_digests
from bot.store.schema import chats, deliveries, digests, stories
from bot.types import ChatRef

DUE_STATES = ("pending", "failed")

Db = Engine | Connection
"""An engine (each call is its own transaction) or a worker's :func:`outcome_connection`."""


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery this worker holds: send it, then record the outcome."""

    id: int
    chat_pk: int
    chat: ChatRef
    story_id: int | None  # an alert of this story, or
    attempts: int
    paused: bool
    digest_id: int | None = None  # this chat's daily digest
    correction_id: int | None = None  # a 정정 notice about a story the chat was alerted to


def enqueue(engine: Engine, chat_pks: Iterable[int], story_id: int, now: datetime) -> int:
    """Create a pending delivery per chat unless one exists; returns how many were new.

    The unique (chat, story) constraint decides: rows that exist are skipped, never doubled.
    """
    with engine.begin() as conn:
        return _insert_alerts(conn, [(pk, story_id) for pk in set(chat_pks)], now)


def enqueue_matches(engine: Engine, wanted: Mapping[int, Iterable[int]], now: datetime) -> int:
    """Record one matching pass in one transaction: a pending delivery per (story, chat) in
    ``wanted`` (story id → chat pks) and every story in it marked matched, so a story is
    matched exactly once. Returns how many deliveries were new."""
    if not wanted:
        return 0
    pairs = [(pk, story_id) for story_id, pks in wanted.items() for pk in set(pks)]
    ids = sorted(wanted)
    with engine.begin() as conn:
        created = _insert_alerts(conn, pairs, now)
        for start in range(0, len(ids), 500):
            conn.execute(
                stories.update()
                .where(stories.c.id.in_(ids[start : start + 500]))
                .values(matched_at=now)
            )
    return created


def _insert_alerts(conn: Connection, pairs: Sequence[tuple[int, int]], now: datetime) -> int:
    """Insert (chat, story) alert rows, skipping those that exist; returns how many were new."""
    if not pairs:
        return 0
    pairs = sorted(pairs)
    conn = conn.execution_options(preserve_rowcount=True)  # an INSERT's count is not kept
    if conn.dialect.name == "postgresql":  # one statement, the ids as two arrays
        new = sa.select(
            sa.func.unnest(sa.literal([p[0] for p in pairs], ARRAY(sa.Integer))),
            sa.func.unnest(sa.literal([p[1] for p in pairs], ARRAY(sa.Integer))),
            sa.literal(now, deliveries.c.next_attempt_at.type),
            sa.literal(now, deliveries.c.created_at.type),
        )
        columns = ["chat_id", "story_id", "next_attempt_at", "created_at"]
        return int(conn.execute(insert_ignore(conn, deliveries).from_select(columns, new)).rowcount)
    rows = [
        {"chat_id": pk, "story_id": story_id, "next_attempt_at": now, "created_at": now}
        for pk, story_id in pairs
    ]
    return int(conn.execute(insert_ignore(conn, deliveries), rows).rowcount)


def claim(
    db: Db,
    worker: str,
    now: datetime,
    *,
    limit: int,
    lease: float,
    only: Sequence[int] | None = None,
) -> list[Claimed]:
    """Take up to ``limit`` due rows (and rows whose lease expired) for ``worker``; with
    ``only``, just those of these ids (a digest tick sending what it has just queued).

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets several processes claim side by side without
    waiting for or double-taking each other's rows. SQLite: the single UPDATE … RETURNING is
    one write transaction, so claims are serialized by the database's single writer.
    """
    stale = now - timedelta(seconds=lease)
    due = sa.or_(
        sa.and_(deliveries.c.state.in_(DUE_STATES), deliveries.c.next_attempt_at <= now),
        sa.and_(deliveries.c.state == "sending", deliveries.c.claimed_at < stale),
    )
    if only is not None:
        due = sa.and_(due, deliveries.c.id.in_(list(only) or [-1]))
    picked = (
        sa.select(deliveries.c.id)
        .where(due)
        .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    stmt = (
        deliveries.update()
        .where(deliveries.c.id.in_(picked))
        .values(
            state="sending",
            claimed_by=worker,
            claimed_at=now,
            attempts=deliveries.c.attempts + sa.case((deliveries.c.state == "sending", 1), else_=0),
        )
        .returning(
            deliveries.c.id,
            deliveries.c.chat_id,
            deliveries.c.story_id,
            deliveries.c.attempts,
            deliveries.c.digest_id,
            deliveries.c.correction_id,
        )
    )
    with _writing(db) as conn:
        taken = conn.execute(stmt).all()
        if not taken:
            return []
        chat_pks = sorted({r.chat_id for r in taken})
        info = {
            r.id: r
            for r in conn.execute(
                sa.select(
                    chats.c.id, chats.c.platform, chats.c.chat_id, chats.c.thread_id, chats.c.paused
                ).where(_among(conn, chats.c.id, chat_pks))
            )
        }
    out = [
        Claimed(
            id=r.id,
            chat_pk=r.chat_id,
            chat=ChatRef(
                info[r.chat_id].platform, info[r.chat_id].chat_id, info[r.chat_id].thread_id
            ),
            story_id=r.story_id,
            attempts=r.attempts,
            paused=bool(info[r.chat_id].paused),
            digest_id=r.digest_id,
            correction_id=r.correction_id,
        )
        for r in taken
    ]
    out.sort(key=lambda c: c.id)
    return out


@contextmanager
def outcome_connection(engine: Engine) -> Iterator[Connection]:
    """One connection for a worker's batch: claim and outcome marks, each statement committed
    on its own (autocommit), so a mark costs one round trip instead of a checkout with a ping,
    BEGIN, SET and COMMIT.

    On PostgreSQL the marks also skip the fsync wait (``synchronous_commit = off``): the server
    still has them if the worker dies; only a crash of the database server itself could lose
    the last marks, which would mean repeating those sends — the same at-least-once promise.
    """
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if conn.dialect.name != "postgresql":
            yield conn
            return
        conn.exec_driver_sql("SET synchronous_commit = off")
        try:
            yield conn
        finally:
            try:
                conn.exec_driver_sql("RESET synchronous_commit")
            except sa.exc.SQLAlchemyError:
                conn.invalidate()  # never hand the setting on to the pool's next user


@contextmanager
def _writing(db: Db) -> Iterator[Connection]:
    """A short write transaction on an engine, or the caller's autocommit connection."""
    if isinstance(db, Connection):
        yield db
        return
    with db.begin() as conn:
        if conn.dialect.name == "postgresql":  # see outcome_connection
            conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        yield conn


def _among(conn: Connection, column: sa.Column[int], ids: Sequence[int]) -> sa.ColumnElement[bool]:
    """``column = ANY(:ids)`` on PostgreSQL (one prepared statement for any count), else IN."""
    if conn.dialect.name == "postgresql":
        return column == sa.any_(sa.literal(list(ids), ARRAY(sa.Integer)))
    return column.in_(list(ids))


def mark_sent(
    db: Db, delivery_ids: Sequence[int], now: datetime, *, digest_ids: Sequence[int] = ()
) -> None:
    """Delivered; ``digest_ids`` (the digests among them) close their day as sent."""
    with _writing(db) as conn:
        conn.execute(
            deliveries.update()
            .where(_among(conn, deliveries.c.id, delivery_ids))
            .values(state="sent", sent_at=now, claimed_by=None, last_error=None)
        )
        if digest_ids:
            close_digests(conn, digests.c.id.in_(list(digest_ids)), "sent", now)


def mark_failed(
    db: Db,
    delivery_id: int,
    *,
    attempts: int,
    reason: str,
    next_attempt_at: datetime,
    dead: bool,
) -> None:
    """A failed attempt (already counted in ``attempts``): wait for the next one, or give up."""
    with _writing(db) as conn:
        conn.execute(
            deliveries.update()
            .where(deliveries.c.id == delivery_id)
            .values(
                state="dead" if dead else "failed",
                attempts=attempts,
                last_error=reason[:1000],
                next_attempt_at=next_attempt_at,
                claimed_by=None,
            )
        )
        if dead:
            close_digests(conn, _digests_of(conn, [delivery_id]), "dead", next_attempt_at)


def release(
    db: Db, delivery_ids: Sequence[int], next_attempt_at: datetime, *, note: str | None
) -> None:
    """Put claimed rows back without counting an attempt (pacing, chat waiting, migration)."""
    if not delivery_ids:
        return
    with _writing(db) as conn:
        conn.execute(
            deliveries.update()
            .where(_among(conn, deliveries.c.id, delivery_ids), deliveries.c.state == "sending")
            .values(state="pending", next_attempt_at=next_attempt_at, claimed_by=None)
            .values(last_error=note)
        )


def mark_dead(db: Db, delivery_ids: Sequence[int], reason: str, now: datetime) -> None:
    """Give up on these rows; a digest among them closes its day (not sent again today)."""
    if not delivery_ids:
        return
    with _writing(db) as conn:
        conn.execute(
            deliveries.update()
            .where(_among(conn, deliveries.c.id, delivery_ids))
            .values(state="dead", last_error=reason[:1000], claimed_by=None)
        )
        close_digests(conn, _digests_of(conn, delivery_ids), "dead", now, error=reason)


def _digests_of(conn: Connection, delivery_ids: Sequence[int]) -> sa.ColumnElement[bool]:
    linked = sa.select(deliveries.c.digest_id).where(
        _among(conn, deliveries.c.id, delivery_ids), deliveries.c.digest_id.is_not(None)
    )
    return digests.c.id.in_(linked.scalar_subquery())


def delay_chat(db: Db, chat_pk: int, until: datetime) -> None:
    """Only this chat waits: its other due rows move to ``until``."""
    with _writing(db) as conn:
        conn.execute(
            deliveries.update()
            .where(
                deliveries.c.chat_id == chat_pk,
                deliveries.c.state.in_(DUE_STATES),
                deliveries.c.next_attempt_at < until,
            )
            .values(next_attempt_at=until)
        )


def renew(db: Db, worker: str, now: datetime) -> int:
    """Extend the lease of every row this worker still holds."""
    with _writing(db) as conn:
        return conn.execute(
            deliveries.update()
            .where(deliveries.c.claimed_by == worker, deliveries.c.state == "sending")
            .values(claimed_at=now)
        ).rowcount


def sent_count(db: Db, delivery_ids: Sequence[int]) -> int:
    """How many of these rows are sent."""
    with _writing(db) as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).where(
                    deliveries.c.id.in_(list(delivery_ids)), deliveries.c.state == "sent"
                )
            ).scalar_one()
        )


def state_counts(engine: Engine, story_id: int | None = None) -> dict[str, int]:
    query = sa.select(deliveries.c.state, sa.func.count()).group_by(deliveries.c.state)
    if story_id is not None:
        query = query.where(deliveries.c.story_id == story_id)
    with engine.connect() as conn:
        return dict(Counter({state: int(n) for state, n in conn.execute(query)}))


def next_due(engine: Engine) -> datetime | None:
    """When the earliest waiting delivery is due (the worker sleeps until then at most)."""
    with engine.connect() as conn:
        return from_db(
            conn.execute(
                sa.select(sa.func.min(deliveries.c.next_attempt_at)).where(
                    deliveries.c.state.in_(DUE_STATES)
                )
            ).scalar()
        )
