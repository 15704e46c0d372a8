"""The outbox worker: claim due deliveries, send each through its chat's adapter, record.

The adapter's :class:`~bot.types.SendResult` decides what happens next:

- ``sent``: done.
- ``retry``: an attempt is counted; the row waits ``retry_after`` (or an exponential backoff)
  and becomes ``dead`` after ``max_attempts``. Only that chat waits; others go on.
- ``deferred``: pacing, nothing was attempted: the row (and the chat's others) wait, uncounted.
- ``gone``: the chat blocked or removed the bot: the chat is paused with the reason (``/status``
  shows it) and its undelivered alerts die.
- ``migrated``: the new chat id replaces the old one everywhere, then the alert is resent.

Crash safety: a row is marked right after its send returns, so a ``kill -9`` can repeat only
the sends in flight (at most ``delivery.workers`` per process: one per concurrent sender).
Rows claimed but not yet sent are reclaimed when their lease expires.

Each batch claims and records through one autocommit connection
(:func:`~bot.store.deliveries.outcome_connection`): a mark is one statement, one round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections import deque
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection, Engine

from bot import metrics
from bot.adapters import Adapter
from bot.clock import Clock
from bot.config import DeliverySettings
from bot.messages import Alert
from bot.store import deliveries as store
from bot.store.chats import migrate_chat, pause_chat
from bot.store.stories import load_alerts
from bot.types import SendResult

log = logging.getLogger(__name__)

BACKOFF_FIRST = 10.0  # seconds before the second attempt when the adapter names no delay
BACKOFF_MAX = 3600.0


def backoff(attempts: int, retry_after: float | None) -> float:
    """Seconds to wait after ``attempts`` failed attempts; a platform's own delay wins."""
    if retry_after is not None and retry_after > 0:
        return min(retry_after, 24 * 3600)
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2.0 ** max(0, attempts - 1))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Outbox:
    """One process's delivery worker; run several processes against PostgreSQL to scale out."""

    def __init__(
        self,
        engine: Engine,
        adapters: Mapping[str, Adapter],
        clock: Clock,
        settings: DeliverySettings,
        *,
        worker: str | None = None,
    ) -> None:
        self.engine = engine
        self.adapters = adapters
        self.clock = clock
        self.settings = settings
        self.worker = worker or worker_name()
        self._alerts: dict[int, Alert] = {}
        self._sent: list[int] = []

    async def drain_once(self) -> int:
        """Claim one batch and deliver it; returns the number of rows handled."""
        with store.outcome_connection(self.engine) as db:
            return await self._drain(db)

    async def _drain(self, db: Connection) -> int:
        now = self.clock.now()
        batch = store.claim(
            db, self.worker, now, limit=self.settings.batch_size, lease=self.settings.lease
        )
        if not batch:
            return 0
        missing = sorted({c.story_id for c in batch} - self._alerts.keys())
        if missing:
            if len(self._alerts) > 1000:
                self._alerts.clear()
            self._alerts.update(load_alerts(self.engine, missing))
        by_chat: dict[int, list[store.Claimed]] = {}
        for row in batch:
            by_chat.setdefault(row.chat_pk, []).append(row)
        chats = deque(by_chat.values())
        started = self.clock.now()

        async def sender() -> None:
            """Deliver chat after chat (each chat's rows in order) until none are left."""
            nonlocal started
            while chats:
                rows = chats.popleft()
                for index, row in enumerate(rows):
                    if (self.clock.now() - started).total_seconds() > self.settings.lease / 2:
                        store.renew(db, self.worker, self.clock.now())
                        started = self.clock.now()
                    stop = await self._deliver(db, row)
                    if stop is not None:
                        rest = [r.id for r in rows[index + 1 :]]
                        if isinstance(stop, str):
                            store.mark_dead(db, rest, "chat gone")
                        else:
                            store.release(db, rest, stop, note=None)
                        break

        # every sender finishes before the connection is given back, even if one fails
        senders = min(self.settings.workers, len(chats))
        results = await asyncio.gather(*(sender() for _ in range(senders)), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return len(batch)

    async def _deliver(self, db: Connection, row: store.Claimed) -> datetime | str | None:
        """Send one row and record it; returns what the chat's other rows should do."""
        now = self.clock.now()
        if row.paused:
            store.mark_dead(db, [row.id], "chat paused")
            return None
        if row.attempts >= self.settings.max_attempts:
            store.mark_dead(db, [row.id], f"gave up after {row.attempts} attempts (worker died)")
            return None
        adapter = self.adapters.get(row.chat.platform)
        alert = self._alerts.get(row.story_id)
        if adapter is None or alert is None:
            what = "no adapter for " + row.chat.platform if adapter is None else "story missing"
            store.release(db, [row.id], now + timedelta(seconds=60), note=what)
            return now + timedelta(seconds=60)
        try:
            result = await adapter.send(row.chat, alert)
        except Exception as e:  # an adapter bug must not stop the outbox
            log.exception("adapter %s raised for delivery %d", row.chat.platform, row.id)
            result = SendResult.retry(0, f"adapter error: {type(e).__name__}: {e}")
        metrics.count_delivery(row.chat.platform, result.outcome)
        if result.outcome == "sent":
            await self._mark_sent(db, row.id)
            return None
        return self.record(db, row, result)

    async def _mark_sent(self, db: Connection, delivery_id: int) -> None:
        """Group commit: senders that finished together are marked in one transaction.

        The yield lets the other senders finish their sends; the first to resume marks every
        id collected so far, and the others, finding theirs marked, go on to their next send
        (they must not mark the ids collected since: that would split the group into ones).
        The store call blocks the loop, so when any sender resumes its id is already marked:
        each sender still has at most one unmarked send at any time.
        """
        self._sent.append(delivery_id)
        await asyncio.sleep(0)
        if delivery_id in self._sent:
            ids, self._sent = self._sent, []
            store.mark_sent(db, ids, self.clock.now())

    def record(self, db: store.Db, row: store.Claimed, result: SendResult) -> datetime | str | None:
        """Apply one outcome to the store (see the module docstring)."""
        now = self.clock.now()
        if result.outcome == "sent":
            store.mark_sent(db, [row.id], now)
            return None
        if result.outcome == "retry":
            attempts = row.attempts + 1
            dead = attempts >= self.settings.max_attempts
            wait = backoff(attempts, result.retry_after)
            until = now + timedelta(seconds=wait)
            store.mark_failed(
                db,
                row.id,
                attempts=attempts,
                reason=result.reason or "send failed",
                next_attempt_at=until,
                dead=dead,
            )
            if dead:
                log.warning("delivery %d dead after %d attempts: %s", row.id, attempts, result)
                return None
            store.delay_chat(db, row.chat_pk, until)
            return until
        if result.outcome == "deferred":
            until = now + timedelta(seconds=max(result.retry_after or 1.0, 0.05))
            store.release(db, [row.id], until, note=None)
            store.delay_chat(db, row.chat_pk, until)
            return until
        if result.outcome == "gone":
            reason = result.reason or "chat gone"
            log.warning("chat %s gone (%s): pausing it", row.chat, reason)
            pause_chat(self.engine, row.chat, reason, now=now)
            store.mark_dead(db, [row.id], f"chat gone: {reason}")
            return "dead"
        if result.outcome == "migrated" and result.new_chat_id:
            log.info("chat %s migrated to %s", row.chat, result.new_chat_id)
            migrate_chat(self.engine, row.chat.platform, row.chat.chat_id, result.new_chat_id)
            store.release(db, [row.id], now, note="chat migrated; resending")
            return now
        store.mark_failed(
            db,
            row.id,
            attempts=row.attempts + 1,
            reason=f"unknown send outcome {result.outcome!r}",
            next_attempt_at=now,
            dead=True,
        )
        return None

    async def run(self, stop: asyncio.Event) -> None:
        """Drain until ``stop``; sleep ``delivery.interval`` when nothing is due."""
        log.info("outbox worker %s started", self.worker)
        while not stop.is_set():
            try:
                handled = await self.drain_once()
            except Exception:
                log.exception("outbox sweep failed; retrying")
                handled = 0
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.interval)
            else:
                await asyncio.sleep(0)
