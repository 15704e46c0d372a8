"""The outbox worker: claim due deliveries, send each through its chat's adapter, record.

A delivery is an alert (one story) or a chat's daily digest (bot/schedule.py queues it):
one path for both. What an outcome means is decided by :func:`bot.delivery.decide` (pure);
this module only applies the :class:`~bot.types.Decision` to the store.

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
from collections.abc import Mapping, Sequence

from sqlalchemy.engine import Connection, Engine

from bot import metrics
from bot.adapters import Adapter
from bot.clock import Clock
from bot.config import DeliverySettings
from bot.corrections import correction_notice
from bot.delivery import backoff, before_send, decide
from bot.messages import Alert, DailyDigest, Notice
from bot.store import codec
from bot.store import deliveries as store
from bot.store import digests as digest_store
from bot.store.chats import migrate_chat, pause_chat
from bot.store.revisions import correction_notices
from bot.store.stories import load_alerts
from bot.types import Decision, SendResult

log = logging.getLogger(__name__)

__all__ = ["Outbox", "backoff", "worker_name"]


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
        self._digests: dict[int, DailyDigest] = {}
        self._notices: dict[int, Notice] = {}  # correction id → its notice
        self._sent: list[tuple[int, int | None]] = []  # (delivery id, digest id) to mark

    async def drain_once(self, only: Sequence[int] | None = None) -> int:
        """Claim one batch (of ``only`` these rows, when given) and deliver it; returns the
        number of rows handled."""
        with store.outcome_connection(self.engine) as db:
            return await self._drain(db, only)

    async def _drain(self, db: Connection, only: Sequence[int] | None = None) -> int:
        now = self.clock.now()
        batch = store.claim(
            db,
            self.worker,
            now,
            limit=self.settings.batch_size if only is None else len(only),
            lease=self.settings.lease,
            only=only,
        )
        if not batch:
            return 0
        self._load_messages(batch)
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
                    decision = await self._deliver(db, row)
                    rest = [r.id for r in rows[index + 1 :]]
                    if decision.chat == "dead":
                        store.mark_dead(db, rest, "chat gone", self.clock.now())
                    elif decision.chat in ("wait", "resend") and decision.until is not None:
                        store.release(db, rest, decision.until, note=None)
                    else:
                        continue
                    break

        # every sender finishes before the connection is given back, even if one fails
        senders = min(self.settings.workers, len(chats))
        results = await asyncio.gather(*(sender() for _ in range(senders)), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return len(batch)

    def _load_messages(self, batch: Sequence[store.Claimed]) -> None:
        """The alerts, digests and correction notices of ``batch`` not yet in memory."""
        corrections = sorted(
            {c.correction_id for c in batch if c.correction_id is not None} - self._notices.keys()
        )
        if corrections:
            if len(self._notices) > 1000:
                self._notices.clear()
            for cid, (title, url) in correction_notices(self.engine, corrections).items():
                self._notices[cid] = correction_notice(title, url)
        stories = {c.story_id for c in batch if c.story_id is not None}
        missing = sorted(stories - self._alerts.keys())
        if missing:
            if len(self._alerts) > 1000:
                self._alerts.clear()
            self._alerts.update(load_alerts(self.engine, missing))
        wanted = sorted(
            {c.digest_id for c in batch if c.digest_id is not None} - self._digests.keys()
        )
        if wanted:
            if len(self._digests) > 1000:
                self._digests.clear()
            for digest_id, payload in digest_store.digest_payloads(self.engine, wanted).items():
                try:
                    self._digests[digest_id] = codec.load(DailyDigest, payload)
                except ValueError:
                    log.exception("stored digest %d cannot be read", digest_id)

    def _message(self, row: store.Claimed) -> Alert | DailyDigest | Notice | None:
        if row.correction_id is not None:
            return self._notices.get(row.correction_id)
        if row.digest_id is not None:
            return self._digests.get(row.digest_id)
        return self._alerts.get(row.story_id) if row.story_id is not None else None

    async def _deliver(self, db: Connection, row: store.Claimed) -> Decision:
        """Send one row and record it; the Decision also says what the chat's others do."""
        adapter = self.adapters.get(row.chat.platform)
        message = self._message(row)
        missing = (
            f"no adapter for {row.chat.platform}"
            if adapter is None
            else ("message missing" if message is None else None)
        )
        skip = before_send(
            paused=row.paused,
            attempts=row.attempts,
            max_attempts=self.settings.max_attempts,
            missing=missing,
            now=self.clock.now(),
        )
        if skip is not None or adapter is None or message is None:
            decision = skip or Decision("release", row.attempts, until=self.clock.now())
            self.apply(db, row, decision)
            return decision
        try:
            result = await adapter.send(row.chat, message)
        except Exception as e:  # an adapter bug must not stop the outbox
            log.exception("adapter %s raised for delivery %d", row.chat.platform, row.id)
            result = SendResult.retry(0, f"adapter error: {type(e).__name__}: {e}")
        metrics.count_delivery(row.chat.platform, result.outcome)
        if result.outcome == "sent":
            await self._mark_sent(db, row)
            return Decision("sent", row.attempts)
        return self.record(db, row, result)

    async def _mark_sent(self, db: Connection, row: store.Claimed) -> None:
        """Group commit: senders that finished together are marked in one transaction.

        The yield lets the other senders finish their sends; the first to resume marks every
        id collected so far, and the others, finding theirs marked, go on to their next send
        (they must not mark the ids collected since: that would split the group into ones).
        The store call blocks the loop, so when any sender resumes its id is already marked:
        each sender still has at most one unmarked send at any time.
        """
        entry = (row.id, row.digest_id)
        self._sent.append(entry)
        await asyncio.sleep(0)
        if entry in self._sent:
            done, self._sent = self._sent, []
            store.mark_sent(
                db,
                [d for d, _ in done],
                self.clock.now(),
                digest_ids=[g for _, g in done if g is not None],
            )

    def record(self, db: store.Db, row: store.Claimed, result: SendResult) -> Decision:
        """Decide what ``result`` means for ``row`` and apply it to the store."""
        decision = decide(row.attempts, result, self.clock.now(), self.settings.max_attempts)
        self.apply(db, row, decision)
        return decision

    def apply(self, db: store.Db, row: store.Claimed, decision: Decision) -> None:
        """Write one Decision: the row's new state, and the chat's pause, migration or wait."""
        now = self.clock.now()
        if decision.row == "sent":
            digests = [row.digest_id] if row.digest_id is not None else []
            store.mark_sent(db, [row.id], now, digest_ids=digests)
            return
        if decision.pause is not None:
            log.warning("chat %s gone (%s): pausing it", row.chat, decision.pause)
            pause_chat(self.engine, row.chat, decision.pause, now=now)
        if decision.migrate_to is not None:
            log.info("chat %s migrated to %s", row.chat, decision.migrate_to)
            migrate_chat(self.engine, row.chat.platform, row.chat.chat_id, decision.migrate_to)
        reason = decision.reason or "send failed"
        if decision.row == "release":
            store.release(db, [row.id], decision.until or now, note=decision.reason)
        elif decision.row == "failed" or decision.until is not None:
            store.mark_failed(
                db,
                row.id,
                attempts=decision.attempts,
                reason=reason,
                next_attempt_at=decision.until or now,
                dead=decision.row == "dead",
            )
            if decision.row == "dead":
                log.warning(
                    "delivery %d dead after %d attempts: %s", row.id, decision.attempts, reason
                )
        else:
            store.mark_dead(db, [row.id], reason, now)
        if decision.chat == "wait" and decision.until is not None:
            store.delay_chat(db, row.chat_pk, decision.until)

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
