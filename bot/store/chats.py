"""Chats and their rules: the store side of subscriptions.

Adapters call :func:`pause_chat` when a platform says the bot was blocked or removed, and
:func:`migrate_chat` when a chat moved to a new id (Telegram group → supergroup).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.clock import SystemClock
from bot.errors import StoreError
from bot.matching import Rules
from bot.store import from_db, from_db_required
from bot.store.schema import chats, deliveries, digests, rules
from bot.types import ChatRef


class ChatLimitReached(StoreError):
    """This instance already serves ``settings.delivery.max_chats`` chats."""


class RuleLimitReached(StoreError):
    """The chat would have more rules than allowed."""


@dataclass(frozen=True, slots=True)
class Chat:
    id: int
    ref: ChatRef
    kind: str
    mode: str
    daily_time: str
    timezone: str
    paused: bool
    paused_reason: str | None
    last_digest_at: datetime | None
    created_at: datetime
    schedule_changed_at: datetime | None = None
    language: str | None = None  # 'ko' | 'en' chosen with /lang; None: the instance default


def _address(ref: ChatRef) -> sa.ColumnElement[bool]:
    return sa.and_(
        chats.c.platform == ref.platform,
        chats.c.chat_id == ref.chat_id,
        chats.c.thread_id == (ref.thread_id or ""),
    )


def _chat(row: sa.Row[tuple[object, ...]]) -> Chat:
    m = row._mapping
    return Chat(
        id=m["id"],
        ref=ChatRef(m["platform"], m["chat_id"], m["thread_id"]),
        kind=m["kind"],
        mode=m["mode"],
        daily_time=m["daily_time"],
        timezone=m["timezone"],
        paused=bool(m["paused"]),
        paused_reason=m["paused_reason"],
        last_digest_at=from_db(m["last_digest_at"]),
        created_at=from_db_required(m["created_at"]),
        schedule_changed_at=from_db(m["schedule_changed_at"]),
        language=m.get("language"),
    )


def get_chat(engine: Engine, ref: ChatRef) -> Chat | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(chats).where(_address(ref))).first()
    return None if row is None else _chat(row)


def get_chat_by_id(conn: Connection, chat_pk: int) -> Chat | None:
    row = conn.execute(sa.select(chats).where(chats.c.id == chat_pk)).first()
    return None if row is None else _chat(row)


def ensure_chat(
    engine: Engine,
    ref: ChatRef,
    *,
    kind: str,
    now: datetime,
    max_chats: int,
    daily_time: str = "08:00",
    timezone: str = "Asia/Seoul",
) -> Chat:
    """The chat's row, created (with the defaults) when new; raises ChatLimitReached when full."""
    existing = get_chat(engine, ref)
    if existing is not None:
        return existing
    with engine.begin() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(chats)).scalar_one()
        if count >= max_chats:
            raise ChatLimitReached(f"{count} chats, the limit is {max_chats}")
        conn.execute(
            _insert_ignore(conn, chats).values(
                platform=ref.platform,
                chat_id=ref.chat_id,
                thread_id=ref.thread_id or "",
                kind=kind,
                daily_time=daily_time,
                timezone=timezone,
                created_at=now,
            )
        )
    chat = get_chat(engine, ref)
    assert chat is not None
    return chat


def _insert_ignore(conn: Connection, table: sa.Table) -> sa.Insert:
    """INSERT … ON CONFLICT DO NOTHING on both engines."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


insert_ignore = _insert_ignore


def chat_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(chats)).scalar_one())


def rule_pairs(engine: Engine, chat_pk: int) -> list[tuple[str, str]]:
    """The chat's rules as (kind, value), in the order they were added."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(rules.c.kind, rules.c.value)
            .where(rules.c.chat_id == chat_pk)
            .order_by(rules.c.id)
        )
        return [(r.kind, r.value) for r in rows]


def rule_labels(engine: Engine, chat_pk: int) -> dict[tuple[str, str], str]:
    """(kind, value) → the word as the user wrote it, for rules that kept one."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(rules.c.kind, rules.c.value, rules.c.label).where(
                rules.c.chat_id == chat_pk, rules.c.label.is_not(None)
            )
        )
        return {(r.kind, r.value): r.label for r in rows}


def add_rules(
    engine: Engine,
    chat_pk: int,
    pairs: Sequence[tuple[str, str]],
    *,
    now: datetime,
    limit: int,
    labels: Mapping[tuple[str, str], str] | None = None,
) -> list[tuple[str, str]]:
    """Add the rules not yet present; returns those added. All or nothing at the limit.

    ``labels`` keeps the user's spelling of a rule (``sLLM`` for the keyword ``sllm``)."""
    with engine.begin() as conn:
        existing = {
            (r.kind, r.value)
            for r in conn.execute(
                sa.select(rules.c.kind, rules.c.value).where(rules.c.chat_id == chat_pk)
            )
        }
        new = [p for p in dict.fromkeys(pairs) if p not in existing]
        if len(existing) + len(new) > limit:
            raise RuleLimitReached(f"{len(existing)} + {len(new)} rules > {limit}")
        if new:
            conn.execute(
                _insert_ignore(conn, rules),
                [
                    {
                        "chat_id": chat_pk,
                        "kind": k,
                        "value": v,
                        "created_at": now,
                        "label": (labels or {}).get((k, v)),
                    }
                    for k, v in new
                ],
            )
        return new


def remove_rules(engine: Engine, chat_pk: int, pairs: Iterable[tuple[str, str]]) -> int:
    removed = 0
    with engine.begin() as conn:
        for kind, value in pairs:
            result = conn.execute(
                rules.delete().where(
                    rules.c.chat_id == chat_pk, rules.c.kind == kind, rules.c.value == value
                )
            )
            removed += result.rowcount
    return removed


def clear_rules(engine: Engine, chat_pk: int) -> int:
    with engine.begin() as conn:
        return conn.execute(rules.delete().where(rules.c.chat_id == chat_pk)).rowcount


def update_chat(engine: Engine, chat_pk: int, **values: object) -> None:
    """Change settings columns (mode, daily_time, timezone, kind, last_digest_at, …)."""
    allowed = {
        "mode",
        "daily_time",
        "timezone",
        "kind",
        "last_digest_at",
        "schedule_changed_at",
        "language",
    }
    if not set(values) <= allowed:
        raise ValueError(f"not a chat setting: {sorted(set(values) - allowed)}")
    with engine.begin() as conn:
        conn.execute(chats.update().where(chats.c.id == chat_pk).values(**values))


def set_paused(
    engine: Engine, chat_pk: int, paused: bool, *, now: datetime, reason: str | None = None
) -> None:
    """Pause (by /pause: reason None) or resume a chat. Pending alerts of a paused chat die."""
    with engine.begin() as conn:
        conn.execute(
            chats.update()
            .where(chats.c.id == chat_pk)
            .values(
                paused=paused,
                paused_reason=reason if paused else None,
                paused_at=now if paused else None,
            )
        )
        if paused:
            _kill_pending(conn, chat_pk, reason or "chat paused")


def _kill_pending(conn: Connection, chat_pk: int, reason: str) -> None:
    conn.execute(
        deliveries.update()
        .where(
            deliveries.c.chat_id == chat_pk,
            deliveries.c.state.in_(("pending", "failed")),
        )
        .values(state="dead", last_error=reason, claimed_by=None)
    )


def pause_chat(engine: Engine, chat: ChatRef, reason: str, *, now: datetime | None = None) -> None:
    """The platform says this chat is gone (blocked, kicked, deleted): stop sending, keep why.

    The chat's rules are kept; ``/status`` shows ``reason`` and ``/resume`` undoes it. The
    outbox and the Telegram listener pass their clock's ``now``.
    """
    with engine.begin() as conn:
        pk = conn.execute(sa.select(chats.c.id).where(_address(chat))).scalar()
        if pk is None:
            return
        conn.execute(
            chats.update()
            .where(chats.c.id == pk)
            .values(paused=True, paused_reason=reason[:500], paused_at=now or SystemClock().now())
        )
        _kill_pending(conn, pk, f"chat gone: {reason}"[:500])


def pause_chat_everywhere(
    engine: Engine, platform: str, chat_id: str, reason: str, *, now: datetime
) -> None:
    """:func:`pause_chat` for the chat and every forum topic of it (each topic is its own
    subscription): a bot removed from a group is gone from all of its topics."""
    with engine.connect() as conn:
        threads = conn.execute(
            sa.select(chats.c.thread_id).where(
                chats.c.platform == platform, chats.c.chat_id == chat_id
            )
        ).scalars()
        refs = [ChatRef(platform, chat_id, thread or "") for thread in threads]
    for ref in refs:
        pause_chat(engine, ref, reason, now=now)


def migrate_chat(engine: Engine, platform: str, old_chat_id: str, new_chat_id: str) -> None:
    """The chat now lives at ``new_chat_id``: replace the id everywhere (every thread).

    Rules, deliveries and digests hang on the chat row, so only the row's address changes.
    When the new id already has a row (someone used the bot there first), the old row's
    rules and undelivered alerts move into it and the old row is removed.
    """
    with engine.begin() as conn:
        olds = conn.execute(
            sa.select(chats.c.id, chats.c.thread_id).where(
                chats.c.platform == platform, chats.c.chat_id == old_chat_id
            )
        ).all()
        for old_pk, thread in olds:
            target = conn.execute(
                sa.select(chats.c.id).where(
                    chats.c.platform == platform,
                    chats.c.chat_id == new_chat_id,
                    chats.c.thread_id == thread,
                )
            ).scalar()
            if target is None:
                conn.execute(chats.update().where(chats.c.id == old_pk).values(chat_id=new_chat_id))
                continue
            for table, key in ((rules, ("kind", "value")), (deliveries, ("story_id",))):
                taken = sa.select(*(table.c[k] for k in key)).where(table.c.chat_id == target)
                conn.execute(
                    table.update()
                    .where(
                        table.c.chat_id == old_pk,
                        sa.tuple_(*(table.c[k] for k in key)).not_in(taken),
                    )
                    .values(chat_id=target)
                )
            conn.execute(digests.delete().where(digests.c.chat_id == old_pk))
            conn.execute(rules.delete().where(rules.c.chat_id == old_pk))
            conn.execute(deliveries.delete().where(deliveries.c.chat_id == old_pk))
            conn.execute(chats.delete().where(chats.c.id == old_pk))


def instant_rules(engine: Engine) -> dict[int, Rules]:
    """Rules of every active chat that wants instant alerts (for matching new stories)."""
    return _rules_where(engine, chats.c.mode.in_(("instant", "both")))


def rules_by_chat(engine: Engine, chat_pks: Sequence[int]) -> dict[int, Rules]:
    """Rules of the given chats (chats without rules follow nothing: empty Rules)."""
    pairs: dict[int, list[tuple[str, str]]] = {pk: [] for pk in chat_pks}
    with engine.connect() as conn:
        for start in range(0, len(chat_pks), 1000):
            rows = conn.execute(
                sa.select(rules.c.chat_id, rules.c.kind, rules.c.value).where(
                    rules.c.chat_id.in_(list(chat_pks[start : start + 1000]))
                )
            )
            for chat_pk, kind, value in rows:
                pairs[chat_pk].append((kind, value))
    return {pk: Rules.from_pairs(p) for pk, p in pairs.items()}


def _rules_where(engine: Engine, condition: sa.ColumnElement[bool]) -> dict[int, Rules]:
    pairs: dict[int, list[tuple[str, str]]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(rules.c.chat_id, rules.c.kind, rules.c.value)
            .join(chats, chats.c.id == rules.c.chat_id)
            .where(chats.c.paused.is_(sa.false()), condition)
        )
        for chat_pk, kind, value in rows:
            pairs.setdefault(chat_pk, []).append((kind, value))
    return {pk: Rules.from_pairs(p) for pk, p in pairs.items()}


def daily_chats(engine: Engine) -> list[Chat]:
    """Active chats that want a daily digest (the scheduler checks which are due)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(chats).where(
                chats.c.paused.is_(sa.false()), chats.c.mode.in_(("daily", "both"))
            )
        )
        return [_chat(r) for r in rows]
