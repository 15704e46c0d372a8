"""The digests table: one row per (chat, local date), claimed before it is built and sent.

A digest is claimed (:func:`claim_digest`), then queued as an outbox row with its payload
(:func:`queue_digest`) so a retry sends exactly what was built, or finished without one
(:func:`finish_digest`: empty, failed). When its delivery ends, :mod:`bot.store.deliveries`
closes it (:func:`close_digests`) and the chat's day is done.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.store.chats import insert_ignore
from bot.store.schema import chats, deliveries, digests


def close_digests(
    conn: Connection,
    which: sa.ColumnElement[bool],
    state: str,
    now: datetime,
    *,
    error: str | None = None,
) -> None:
    """Digests whose delivery ended: record it, and the chat's day is done."""
    closed = conn.execute(
        digests.update()
        .where(which, digests.c.state == "queued")
        .values(
            state=state,
            sent_at=now if state == "sent" else None,
            last_error=error,
            claimed_by=None,
        )
        .returning(digests.c.chat_id)
    ).all()
    chat_pks = sorted({r.chat_id for r in closed})
    if chat_pks:
        conn.execute(chats.update().where(chats.c.id.in_(chat_pks)).values(last_digest_at=now))


def claim_digest(
    engine: Engine,
    chat_pk: int,
    day: date,
    worker: str,
    now: datetime,
    *,
    lease: float,
    max_attempts: int,
) -> bool:
    """Take the (chat, day) digest for ``worker``; False when another took or sent it.

    The unique (chat_id, digest_date) row makes this safe across instances and restarts: the
    insert succeeds once. A row left ``sending`` past the lease (its worker died) or ``failed``
    and due again may be taken over.
    """
    with engine.begin() as conn:
        inserted = conn.execute(
            insert_ignore(conn, digests).values(
                chat_id=chat_pk,
                digest_date=day,
                state="sending",
                attempts=1,
                claimed_by=worker,
                claimed_at=now,
            )
        ).rowcount
        if inserted:
            return True
        stale = now - timedelta(seconds=lease)
        return bool(
            conn.execute(
                digests.update()
                .where(
                    digests.c.chat_id == chat_pk,
                    digests.c.digest_date == day,
                    digests.c.attempts < max_attempts,
                    sa.or_(
                        sa.and_(digests.c.state == "sending", digests.c.claimed_at < stale),
                        sa.and_(digests.c.state == "failed", digests.c.next_attempt_at <= now),
                    ),
                )
                .values(
                    state="sending",
                    attempts=digests.c.attempts + 1,
                    claimed_by=worker,
                    claimed_at=now,
                )
            ).rowcount
        )


def queue_digest(
    engine: Engine,
    chat_pk: int,
    day: date,
    *,
    payload: str,
    story_ids: Sequence[int],
    now: datetime,
) -> int:
    """Turn the claimed (chat, day) digest into an outbox row; returns the delivery id.

    The digest (``payload``) is stored with it, so a retry or another instance sends exactly
    what was built. The unique ``digest_id`` keeps it one row whatever happens.
    """
    with engine.begin() as conn:
        digest_id = conn.execute(
            digests.update()
            .where(digests.c.chat_id == chat_pk, digests.c.digest_date == day)
            .values(
                state="queued",
                payload=payload,
                story_ids=json.dumps(list(story_ids)),
                claimed_by=None,
                last_error=None,
            )
            .returning(digests.c.id)
        ).scalar_one()
        conn.execute(
            insert_ignore(conn, deliveries).values(
                chat_id=chat_pk, digest_id=digest_id, next_attempt_at=now, created_at=now
            )
        )
        return int(
            conn.execute(
                sa.select(deliveries.c.id).where(deliveries.c.digest_id == digest_id)
            ).scalar_one()
        )


def digest_payloads(engine: Engine, digest_ids: Sequence[int]) -> dict[int, str]:
    """The stored digests (JSON) by digest id."""
    if not digest_ids:
        return {}
    with engine.connect() as conn:
        return {
            r.id: r.payload
            for r in conn.execute(
                sa.select(digests.c.id, digests.c.payload).where(
                    digests.c.id.in_(list(digest_ids)), digests.c.payload.is_not(None)
                )
            )
        }


def finish_digest(
    engine: Engine,
    chat_pk: int,
    day: date,
    *,
    state: str,
    now: datetime,
    story_ids: Sequence[int] = (),
    error: str | None = None,
    next_attempt_at: datetime | None = None,
    counted: bool = True,
) -> None:
    """Record a digest that never reached the outbox: empty closes the day; failed waits."""
    values: dict[str, object] = {
        "state": state,
        "story_ids": json.dumps(list(story_ids)),
        "last_error": error,
        "next_attempt_at": next_attempt_at,
        "claimed_by": None,
    }
    if state == "sent":
        values["sent_at"] = now
    if not counted:
        values["attempts"] = digests.c.attempts - 1
    with engine.begin() as conn:
        conn.execute(
            digests.update()
            .where(digests.c.chat_id == chat_pk, digests.c.digest_date == day)
            .values(**values)
        )
        if state in ("sent", "empty", "dead"):
            conn.execute(chats.update().where(chats.c.id == chat_pk).values(last_digest_at=now))


def digest_rows(engine: Engine, chat_pk: int | None = None) -> list[dict[str, object]]:
    query = sa.select(digests).order_by(digests.c.id)
    if chat_pk is not None:
        query = query.where(digests.c.chat_id == chat_pk)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
