"""The outbox: enqueue once, claim, and every SendResult outcome; both engines."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.config import DeliverySettings
from bot.messages import Message
from bot.outbox import Outbox
from bot.store import create_engine
from bot.store.chats import get_chat
from bot.store.deliveries import enqueue, state_counts
from bot.store.schema import deliveries
from bot.types import ChatRef, SendResult
from tests.core_helpers import FakeAdapter, add_chats, add_story, count


def settings(**kw: float) -> DeliverySettings:
    return DeliverySettings(**{"batch_size": 50, "max_attempts": 3, "lease": 60, **kw})


async def test_enqueue_is_once_per_chat_and_story(engine: Engine, clock: FixedClock) -> None:
    story = add_story(engine, "반도체 지원", clock.now())
    chats = add_chats(engine, 5, clock.now())
    assert enqueue(engine, chats[:3], story, clock.now()) == 3
    assert enqueue(engine, chats, story, clock.now()) == 2
    assert enqueue(engine, chats, story, clock.now()) == 0
    assert count(engine, deliveries) == 5


async def test_outcomes(engine: Engine, clock: FixedClock) -> None:
    story = add_story(engine, "양자 기술", clock.now())
    chats = add_chats(engine, 6, clock.now())
    enqueue(engine, chats, story, clock.now())
    adapter = FakeAdapter(
        script={
            "1": lambda: SendResult.retry(30, "HTTP 502 from Telegram"),
            "2": lambda: SendResult.deferred(5),
            "3": lambda: SendResult.gone("bot was kicked from the group chat"),
            "4": lambda: SendResult.migrated("400"),
        }
    )
    outbox = Outbox(engine, {"fake": adapter}, clock, settings(), worker="w1")
    assert await outbox.drain_once() == 6
    with engine.connect() as conn:
        rows = {r.chat_id: r for r in conn.execute(sa.select(deliveries))}
    assert rows[chats[0]].state == "sent" and rows[chats[5]].state == "sent"
    assert rows[chats[1]].state == "failed" and rows[chats[1]].attempts == 1
    assert rows[chats[1]].last_error == "HTTP 502 from Telegram"
    assert rows[chats[2]].state == "pending" and rows[chats[2]].attempts == 0
    assert rows[chats[3]].state == "dead" and "kicked" in rows[chats[3]].last_error
    gone = get_chat(engine, ChatRef("fake", "3"))
    assert gone is not None and gone.paused and "kicked" in (gone.paused_reason or "")
    # migrated: the chat row now has the new id and the delivery is due again at once
    assert get_chat(engine, ChatRef("fake", "4")) is None
    assert get_chat(engine, ChatRef("fake", "400")) is not None
    assert rows[chats[4]].state == "pending"
    assert await outbox.drain_once() == 1  # only the migrated one is due now
    assert adapter.sent[-1][0] == ChatRef("fake", "400")
    # deferred is retried after its delay without counting; retry waits 30 s
    clock.advance(6)
    assert await outbox.drain_once() == 1
    adapter.script.pop("2")
    clock.advance(6)
    assert await outbox.drain_once() == 1
    clock.advance(30)
    assert await outbox.drain_once() == 1  # the retry, failing again (attempt 2)
    clock.advance(3600)
    assert await outbox.drain_once() == 1  # attempt 3 = max_attempts → dead
    assert state_counts(engine) == {"sent": 4, "dead": 2}


async def test_only_the_failing_chat_waits(engine: Engine, clock: FixedClock) -> None:
    stories = [add_story(engine, f"소식 {i}", clock.now()) for i in range(3)]
    chats = add_chats(engine, 2, clock.now())
    for story in stories:
        enqueue(engine, chats, story, clock.now())
    adapter = FakeAdapter(script={"0": lambda: SendResult.retry(60, "429 Too Many Requests")})
    outbox = Outbox(engine, {"fake": adapter}, clock, settings(), worker="w1")
    await outbox.drain_once()
    assert [m.story_id for c, m in adapter.sent if c.chat_id == "1"] == stories  # type: ignore[union-attr]
    assert adapter.calls == 4  # chat 0 tried once, its other two alerts wait
    assert await outbox.drain_once() == 0


async def test_stale_claims_are_reclaimed(db_url: str, clock: FixedClock) -> None:
    engine = create_engine(db_url)
    story = add_story(engine, "청년 창업", clock.now())
    enqueue(engine, add_chats(engine, 3, clock.now()), story, clock.now())
    dead_worker = Outbox(engine, {}, clock, settings(lease=60), worker="dead")
    from bot.store.deliveries import claim

    assert len(claim(engine, "dead", clock.now(), limit=10, lease=60)) == 3  # then "crashes"
    adapter = FakeAdapter()
    live = Outbox(engine, {"fake": adapter}, clock, settings(lease=60), worker="live")
    assert await live.drain_once() == 0  # the lease still holds
    clock.advance(61)
    assert await live.drain_once() == 3
    assert state_counts(engine) == {"sent": 3}
    del dead_worker
    engine.dispose()


async def test_postgres_workers_share_with_skip_locked(pg_url: str, clock: FixedClock) -> None:
    """Two workers on separate connections drain one fan-out concurrently: no double sends."""
    setup = create_engine(pg_url)
    story = add_story(setup, "AI 반도체", clock.now())
    enqueue(setup, add_chats(setup, 400, clock.now()), story, clock.now())
    setup.dispose()

    class Slow(FakeAdapter):
        async def send(self, chat: ChatRef, message: object) -> SendResult:  # type: ignore[override]
            await asyncio.sleep(0.001)
            return await super().send(chat, message)  # type: ignore[arg-type]

    async def worker(name: str, adapter: FakeAdapter) -> None:
        engine = create_engine(pg_url)
        outbox = Outbox(engine, {"fake": adapter}, clock, settings(batch_size=20), worker=name)
        while await outbox.drain_once():
            await asyncio.sleep(0)
        engine.dispose()

    a, b = Slow(), Slow()
    await asyncio.gather(
        asyncio.to_thread(lambda: asyncio.run(worker("a", a))),
        asyncio.to_thread(lambda: asyncio.run(worker("b", b))),
    )
    sent = [c.chat_id for c, _ in a.sent + b.sent]
    assert len(sent) == len(set(sent)) == 400
    assert a.sent and b.sent  # both took part
    check = create_engine(pg_url)
    assert state_counts(check) == {"sent": 400}
    check.dispose()


def test_claim_sets_attempts_only_for_reclaims(engine: Engine, clock: FixedClock) -> None:
    from bot.store.deliveries import claim

    story = add_story(engine, "특구 지정", clock.now())
    enqueue(engine, add_chats(engine, 1, clock.now()), story, clock.now())
    assert claim(engine, "a", clock.now(), limit=5, lease=10)[0].attempts == 0
    clock.advance(11)
    assert claim(engine, "b", clock.now(), limit=5, lease=10)[0].attempts == 1
    assert claim(engine, "c", clock.now() + timedelta(seconds=1), limit=5, lease=10) == []


async def test_group_commit_marks_together_and_keeps_one_unmarked_send_per_sender(
    engine: Engine, clock: FixedClock
) -> None:
    """Senders that finish together share one mark; none ever has two sends unmarked."""
    story = add_story(engine, "딥테크 육성", clock.now())
    enqueue(engine, add_chats(engine, 40, clock.now()), story, clock.now())
    marks: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.startswith("UPDATE deliveries") and "sent_at" in statement:
            marks.append(statement)

    class Watching(FakeAdapter):
        peak = 0

        async def send(self, chat: ChatRef, message: Message) -> SendResult:
            marked = count(engine, deliveries, deliveries.c.state == "sent")
            self.peak = max(self.peak, len(self.sent) - marked)
            return await super().send(chat, message)

    adapter = Watching()
    sa.event.listen(engine, "before_cursor_execute", seen)
    outbox = Outbox(engine, {"fake": adapter}, clock, settings(workers=4), worker="w1")
    assert await outbox.drain_once() == 40
    sa.event.remove(engine, "before_cursor_execute", seen)
    assert state_counts(engine) == {"sent": 40}
    assert adapter.peak <= 4  # a kill -9 repeats at most one send per sender
    assert len(marks) <= 12  # about 40 / 4 group commits, not one per send


async def test_postgres_outcome_session_setting_does_not_leak(
    pg_url: str, clock: FixedClock
) -> None:
    """Marks skip the fsync wait on the worker's connection only, not on pooled neighbours."""
    engine = create_engine(pg_url)
    story = add_story(engine, "원전 수출", clock.now())
    enqueue(engine, add_chats(engine, 5, clock.now()), story, clock.now())
    outbox = Outbox(engine, {"fake": FakeAdapter()}, clock, settings(), worker="w1")
    assert await outbox.drain_once() == 5
    conns = [engine.connect() for _ in range(3)]  # every connection the pool holds
    try:
        assert {c.exec_driver_sql("SHOW synchronous_commit").scalar() for c in conns} == {"on"}
    finally:
        for c in conns:
            c.close()
    engine.dispose()
