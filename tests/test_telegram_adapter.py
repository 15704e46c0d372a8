"""TelegramAdapter against the emulator: HTML out, every Telegram answer mapped, pacing."""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from telegram import Bot

from bot.adapters.telegram import Pacing, TelegramAdapter
from bot.adapters.telegram_request import AiohttpRequest
from bot.config import TelegramSettings
from bot.messages import Alert, Notice
from bot.types import ChatRef, Contact, Summary
from tests.telegram_emulator import TOKEN, Emulator, emulator, emulator_process

__all__ = ["emulator", "emulator_process"]


class Tick:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
async def bot(emulator: Emulator) -> AsyncIterator[Bot]:
    b = Bot(TOKEN, base_url=emulator.base_url, request=AiohttpRequest(connection_pool_size=8))
    async with b:
        yield b


def alert(headline: str = "반도체 특별법 시행령 의결") -> Alert:
    summary = Summary(
        headline=headline,
        bullets=["팹리스 지원을 늘린다"],
        contacts=[Contact(department="반도체과", name="김철수", phone="044-202-4411")],
    )
    return Alert(
        1, summary, "과기정통부 보도자료", datetime(2026, 4, 11, tzinfo=UTC), "https://x.kr/1"
    )


def chat(chat_id: int, thread: str = "") -> ChatRef:
    return ChatRef("telegram", str(chat_id), thread)


async def test_alert_is_sent_as_html_without_preview(bot: Bot, emulator: Emulator) -> None:
    adapter = TelegramAdapter(bot, TelegramSettings(pacing=False))
    result = await adapter.send(chat(101), alert("<속보> & 반도체"))
    assert result.outcome == "sent"
    [message] = emulator.bot_messages(101)
    assert message["text"].startswith("<b>&lt;속보&gt; &amp; 반도체</b>")
    assert "반도체과 김철수 044-202-4411" in message["text"]


async def test_forum_topic_gets_message_thread_id(bot: Bot, emulator: Emulator) -> None:
    emulator.register_chat({"id": -100500, "type": "supergroup", "title": "f", "is_forum": True})
    adapter = TelegramAdapter(bot, TelegramSettings(pacing=False))
    assert (await adapter.send(chat(-100500, "77"), Notice("안녕"))).outcome == "sent"
    [message] = emulator.bot_messages(-100500)
    assert message["message_thread_id"] == 77


async def test_telegram_answers_become_outcomes(bot: Bot, emulator: Emulator) -> None:
    adapter = TelegramAdapter(bot, TelegramSettings(pacing=False))
    emulator.fail_next("429", retry_after=7)
    result = await adapter.send(chat(1), Notice("a"))
    assert (result.outcome, result.retry_after) == ("retry", 7.0)

    emulator.block(2)
    result = await adapter.send(chat(2), Notice("a"))
    assert result.outcome == "gone" and "blocked by the user" in (result.reason or "")

    emulator.fail_next("not_found")
    result = await adapter.send(chat(3), Notice("a"))
    assert result.outcome == "gone" and "chat not found" in (result.reason or "").lower()

    emulator.migrate(-4, -1004)
    result = await adapter.send(chat(-4), Notice("a"))
    assert (result.outcome, result.new_chat_id) == ("migrated", "-1004")
    assert (await adapter.send(chat(-1004), Notice("a"))).outcome == "sent"

    emulator.fail_next("500")
    result = await adapter.send(chat(5), Notice("a"))
    assert result.outcome == "retry"
    assert emulator.bot_messages(1) == [] and len(emulator.bot_messages(-1004)) == 1


async def test_network_errors_retry_with_growing_backoff() -> None:
    # Nothing listens on this port: the request never reaches Telegram.
    b = Bot(TOKEN, base_url="http://127.0.0.1:9/bot")
    adapter = TelegramAdapter(b, TelegramSettings(pacing=False))
    first = await adapter.send(chat(1), Notice("a"))
    second = await adapter.send(chat(1), Notice("a"))
    assert first.outcome == second.outcome == "retry"
    assert first.retry_after is not None and second.retry_after is not None
    assert second.retry_after > first.retry_after
    assert "not sent" in (first.reason or "")
    await b.shutdown()


async def test_long_message_parts_are_not_repeated_after_a_429(
    bot: Bot, emulator: Emulator
) -> None:
    text = "\n\n".join(f"{i} " + "가나다라마바사 " * 100 for i in range(12))  # ~9,600 chars
    adapter = TelegramAdapter(bot, TelegramSettings(pacing=False))
    emulator.fail_next("429", retry_after=1, skip=1)  # the second part is refused
    first = await adapter.send(chat(9), Notice(text))
    assert first.outcome == "retry" and len(emulator.bot_messages(9)) == 1
    assert (await adapter.send(chat(9), Notice(text))).outcome == "sent"
    messages = emulator.bot_messages(9)
    assert len(messages) == 3
    # Each part once, in order: no part repeated by the retries.
    bodies = [m["text"] for m in messages]
    assert len(set(bodies)) == 3 and bodies[0].startswith("0 ")


def test_pacing_counts_a_chat_and_a_group_from_the_answer() -> None:
    tick = Tick()
    pacing = Pacing(TelegramSettings(rate_per_chat=1, rate_group_per_minute=20), tick)
    assert pacing.chat_wait("42") == 0
    assert pacing.chat_wait("42") == pytest.approx(1.005)  # unanswered: a guess of one window
    assert pacing.chat_wait("43") == 0  # another chat is not held up
    tick.t += 0.3
    pacing.chat_answered("42")  # the answer came 0.3 s after the release
    tick.t += 0.9
    assert pacing.chat_wait("42") == pytest.approx(0.105)  # 1 s + 5 ms after the answer
    tick.t += 0.11
    assert pacing.chat_wait("42") == 0
    # A group: 1/s as a chat and 20 within any 60 s, the minute counted from the answers.
    first_answer = 0.0
    for i in range(20):
        assert pacing.chat_wait("-100") == 0, i
        tick.t += 0.01
        pacing.chat_answered("-100")
        first_answer = first_answer or tick.t
        tick.t += 1.01
    assert pacing.chat_wait("-100") == pytest.approx(first_answer + 60.005 - tick.t)
    tick.t = first_answer + 60.01
    assert pacing.chat_wait("-100") == 0
    off = Pacing(TelegramSettings(pacing=False), tick)
    assert all(off.chat_wait("1") == 0 for _ in range(10))


class FakeLoop:
    """A fake clock whose sleepers wake in time order, driven by :meth:`run`.

    ``sleep`` is the pacer's: each wake-up is late by ``late()`` seconds, as on a loaded
    machine. ``after`` is an exact delay, used for the network legs of a simulated send.
    """

    def __init__(self, late: Callable[[], float]) -> None:
        self.t = 1000.0
        self.late = late
        self.sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self.order = itertools.count()

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        await self.after(max(seconds, 0.0) + self.late())

    async def after(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self.sleepers, (self.t + seconds, next(self.order), future))
        await future

    async def run(self, until: asyncio.Future[object]) -> None:
        """Let every awake task run, then wake the next sleeper; until ``until`` is done."""
        while not until.done():
            for _ in range(5):
                await asyncio.sleep(0)
            if self.sleepers:
                at, _, future = heapq.heappop(self.sleepers)
                self.t = max(self.t, at)
                future.set_result(None)


async def paced_arrivals(
    loop: FakeLoop, leg: Callable[[], float], senders: int = 16, each: int = 60
) -> list[float]:
    """Sends through the pacer; each reaches the server ``leg()`` after its release and is
    answered ``leg()`` after arriving. Returns the arrival times, sorted."""
    pacing = Pacing(TelegramSettings(rate_global=30), loop, loop.sleep)
    arrivals: list[float] = []

    async def sender() -> None:
        for _ in range(each):
            async with pacing.overall_turn():
                await loop.after(leg())
                arrivals.append(loop.t)  # the server stamps it here
                await loop.after(leg())

    done = asyncio.gather(*(sender() for _ in range(senders)))
    await loop.run(done)
    await done
    assert len(arrivals) == senders * each
    assert pacing.overall.in_flight == 0
    return sorted(arrivals)


def busiest_second(arrivals: list[float]) -> int:
    """The most arrivals in any window [t, t + 1 s)."""
    return max(bisect.bisect_left(arrivals, t + 1.0) - i for i, t in enumerate(arrivals))


@pytest.mark.parametrize("seed", range(3))
async def test_global_pacing_never_lets_31_arrive_within_a_second(seed: int) -> None:
    """Hostile timing: late wake-ups up to 0.48 s, network legs up to 1.5 s each way."""
    rng = random.Random(seed)
    loop = FakeLoop(lambda: rng.uniform(0, 0.08) + (0.4 if rng.random() < 0.02 else 0.0))

    def leg() -> float:
        spike = rng.uniform(0.5, 1.5) if rng.random() < 0.05 else 0.0
        return rng.uniform(0, 0.15) + spike

    arrivals = await paced_arrivals(loop, leg)
    assert busiest_second(arrivals) <= 30


@pytest.mark.parametrize("seed", range(3))
async def test_global_pacing_keeps_near_30_per_second_when_answers_are_fast(seed: int) -> None:
    """Localhost-like timing (legs 0.5-5 ms, 1 % of them 50 ms; wake-ups up to 3 ms late)."""
    rng = random.Random(seed)
    loop = FakeLoop(lambda: rng.uniform(0, 0.003))

    def leg() -> float:
        return rng.uniform(0.0005, 0.005) + (0.05 if rng.random() < 0.01 else 0.0)

    arrivals = await paced_arrivals(loop, leg)
    assert busiest_second(arrivals) <= 30
    rate = (len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
    assert rate >= 28.5, f"only {rate:.2f} sends/s"


async def test_a_cancelled_wait_holds_no_place() -> None:
    loop = FakeLoop(lambda: 0.0)
    pacing = Pacing(TelegramSettings(rate_global=30), loop, loop.sleep)
    pacing.next_slot = loop.t + 10  # the next slot is far away: the turn waits

    async def send() -> None:
        async with pacing.overall_turn():
            raise AssertionError("must not be reached")

    task = asyncio.create_task(send())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pacing.overall.in_flight == 0 and not pacing.overall.answers


async def test_paced_adapter_defers_instead_of_sending(bot: Bot, emulator: Emulator) -> None:
    tick = Tick()
    adapter = TelegramAdapter(bot, TelegramSettings(), now=tick)
    assert (await adapter.send(chat(7), Notice("1"))).outcome == "sent"
    result = await adapter.send(chat(7), Notice("2"))
    assert result.outcome == "deferred" and result.retry_after == pytest.approx(1.005)
    tick.t += 1.01
    assert (await adapter.send(chat(7), Notice("2"))).outcome == "sent"
    assert [m["text"] for m in emulator.bot_messages(7)] == ["1", "2"]
