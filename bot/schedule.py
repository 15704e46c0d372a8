"""In-process scheduling (APScheduler 3): a one-minute digest tick, no per-chat jobs.

Each tick finds the chats whose digest is due (:func:`bot.digest.digest_due`), claims the
(chat, local date) row, builds the digest and queues it in the outbox like an alert, then
sends what it queued at once through :class:`bot.outbox.Outbox` (pacing, retries, a chat
gone or migrated: one mechanism). Whatever is not sent then, any instance's outbox worker
sends later. With several instances on PostgreSQL, only the one holding an advisory lock
ticks (:class:`bot.store.leadership.Leadership`: the lock lives on a dedicated connection, so
it passes to another instance when the holder dies). Every instance delivers (outbox).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import Engine

from bot.adapters import Adapter
from bot.clock import Clock
from bot.config import Settings
from bot.digest import build_digest, digest_day, digest_due, digest_story_ids
from bot.outbox import Outbox
from bot.store import codec
from bot.store import deliveries as outbox_store
from bot.store import digests as digest_store
from bot.store.chats import Chat, daily_chats, rules_by_chat
from bot.store.leadership import Leadership
from bot.store.stories import digest_candidates

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0
LOOKBACK = timedelta(days=7)  # a chat's first digest (or one after a long pause) looks back 1 day


class DigestScheduler:
    """Sends each chat's daily digest once per local day."""

    def __init__(
        self,
        engine: Engine,
        adapters: Mapping[str, Adapter],
        clock: Clock,
        settings: Settings,
        *,
        worker: str | None = None,
    ) -> None:
        # due digests are queued, then sent by the same outbox code as alerts
        self.outbox = Outbox(engine, adapters, clock, settings.delivery, worker=worker)
        self.engine, self.clock, self.settings = engine, clock, settings
        self.worker = self.outbox.worker
        self.leadership = Leadership(engine)

    def due_chats(self, now: datetime) -> list[Chat]:
        return [
            c
            for c in daily_chats(self.engine)
            if digest_due(
                now=now,
                daily_time=c.daily_time,
                timezone=c.timezone,
                last_digest_at=c.last_digest_at,
                schedule_changed_at=c.schedule_changed_at,
            )
        ]

    async def tick(self) -> int:
        """Queue every due digest and send them now; returns how many were sent."""
        now = self.clock.now()
        queued = self.queue_due(now)
        if not queued:
            return 0
        await self.outbox.drain_once(only=queued)
        return outbox_store.sent_count(self.engine, queued)

    def queue_due(self, now: datetime) -> list[int]:
        """Build the digest of each due chat and queue it; returns the new delivery ids."""
        due = self.due_chats(now)
        if not due:
            return []
        since = {c.id: c.last_digest_at or now - timedelta(days=1) for c in due}
        earliest = max(min(since.values()), now - LOOKBACK)
        candidates = digest_candidates(self.engine, earliest, now)
        rules = rules_by_chat(self.engine, [c.id for c in due])
        delivery = self.settings.delivery
        queued: list[int] = []
        for chat in due:
            day = digest_day(now, chat.timezone)
            if not digest_store.claim_digest(
                self.engine,
                chat.id,
                day,
                self.worker,
                now,
                lease=delivery.lease,
                max_attempts=delivery.max_attempts,
            ):
                continue
            digest = build_digest(
                candidates,
                rules[chat.id],
                since=since[chat.id],
                now=now,
                timezone=chat.timezone,
                max_items=self.settings.digest.max_items,
            )
            if digest is None:
                digest_store.finish_digest(self.engine, chat.id, day, state="empty", now=now)
                continue
            queued.append(
                digest_store.queue_digest(
                    self.engine,
                    chat.id,
                    day,
                    payload=codec.dump(digest),
                    story_ids=digest_story_ids(digest),
                    now=now,
                )
            )
        return queued

    async def _job(self) -> None:
        try:
            if self.leadership.hold():
                await self.tick()
        except Exception:
            log.exception("digest tick failed; the next tick retries")

    async def run(self, stop: asyncio.Event) -> None:
        """Tick every minute until ``stop`` (a coalesced APScheduler interval job)."""
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(
            self._job,
            "interval",
            seconds=TICK_SECONDS,
            next_run_time=datetime.now().astimezone(),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=30,
        )
        scheduler.start()
        try:
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            self.leadership.release()
