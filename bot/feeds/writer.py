"""The cycle's writer: parsed feeds stored in few transactions, each feed's failure alone.

Feeds finish parsing at different times; writing each in its own transaction would cost a
commit per feed. :class:`CycleWriter` batches what arrives within a short linger and falls
back to one transaction per feed, then per item, so one feed's bad data fails only that feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.config import FeedSettings
from bot.feeds.timeline import Timeline
from bot.store import articles as article_store
from bot.store import feeds as feed_store
from bot.store.articles import UpsertResult
from bot.store.errors import in_words
from bot.store.feeds import FeedFailure, FeedSuccess
from bot.types import Article

log = logging.getLogger(__name__)

_Stored = tuple[tuple[Article, ...], FeedSuccess, asyncio.Future[UpsertResult]]


@dataclass(slots=True)
class _Batch:
    """What the writer takes in one go: feeds with items, failures, 304 answers, answers with
    the bytes last stored (not parsed)."""

    stores: list[_Stored]
    failures: list[tuple[FeedFailure, asyncio.Future[datetime | None]]]
    unchanged: list[tuple[int, datetime]]
    durations: list[tuple[int, float]]
    same: list[FeedSuccess]


class CycleWriter:
    """Stores a cycle's results in few transactions: what arrives within ``linger`` seconds
    (up to ``max_items`` articles) is written in one, with every 304 and failure since.

    A feed's validators (ETag, Last-Modified) and body hash are saved in the transaction
    that stores its items, never before: a crash loses nothing committed and the feed is
    fetched and parsed in full again. If a batch fails, its feeds are stored one transaction
    each, so one feed's bad data fails only that feed. At most 2 × ``max_items`` articles
    wait; more wait to be taken.
    """

    def __init__(
        self,
        engine: Engine,
        settings: FeedSettings,
        clock: Clock,
        *,
        max_items: int = 100,
        linger: float = 0.25,
        timeline: Timeline | None = None,
    ) -> None:
        self.engine, self.settings, self.clock = engine, settings, clock
        self.timeline = timeline
        self.max_items, self.linger = max_items, linger
        self._pending = _Batch([], [], [], [], [])
        self._items = 0  # articles waiting in self._pending
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._broken: BaseException | None = None

    async def __aenter__(self) -> CycleWriter:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task

    async def store(self, items: tuple[Article, ...], success: FeedSuccess) -> UpsertResult:
        """Store one feed's items with its validators; returns once committed."""
        while self._items >= 2 * self.max_items and self._broken is None:
            self._room.clear()
            await self._room.wait()
        future: asyncio.Future[UpsertResult] = asyncio.get_running_loop().create_future()
        self._pending.stores.append((items, success, future))
        self._items += len(items)
        self._wake.set()
        if self._broken is not None:
            self._fail_all(self._pending)
        return await future

    async def fail(self, failure: FeedFailure) -> datetime | None:
        """Record a failure; returns the feed's next poll time (None if it was not recorded)."""
        future: asyncio.Future[datetime | None] = asyncio.get_running_loop().create_future()
        self._pending.failures.append((failure, future))
        self._wake.set()
        if self._broken is not None:
            self._fail_all(self._pending)
        return await future

    async def known(self, feed_id: int) -> dict[str, str]:
        """guid → source hash of the feed's latest stored items (bot.feeds.parse skips those
        sent again unchanged)."""
        return await asyncio.to_thread(article_store.source_hashes, self.engine, feed_id)

    def not_modified(self, feed_id: int, when: datetime) -> None:
        """A 304 answer: recorded with the next batch; if that fails the feed is simply due."""
        self._pending.unchanged.append((feed_id, when))

    def same_body(self, success: FeedSuccess) -> None:
        """A 200 with the bytes whose items are all stored (bot.feeds.poll.SameBody): its
        success recorded with the next batch, as a 304's; if that fails the feed is simply due."""
        self._pending.same.append(success)

    def fetch_took(self, feed_id: int, seconds: float) -> None:
        """A feed's fetch time: recorded with the next batch, for the next cycle's order."""
        self._pending.durations.append((feed_id, seconds))

    def _has_work(self) -> bool:
        pending = self._pending
        return bool(
            pending.stores or pending.failures or pending.unchanged or pending.durations
            or pending.same
        )  # fmt: skip

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._has_work():
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            deadline = loop.time() + self.linger  # let the feeds parsed meanwhile join
            while not self._closing and self._items < self.max_items:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), remaining)
            batch = self._take()
            began = self.timeline.now() if self.timeline is not None else 0.0
            try:
                stored, next_polls = await asyncio.to_thread(self._write, batch)
            except BaseException as e:  # a bug here must not leave a feed waiting forever
                self._broken = e
                self._fail_all(batch)
                self._fail_all(self._pending)
                self._room.set()
                raise
            if self.timeline is not None:
                self.timeline.writes.append(
                    (
                        began,
                        self.timeline.now(),
                        sum(len(items) for items, _, _ in batch.stores),
                        len(batch.stores),
                    )
                )
            for (_, _, future), result in zip(batch.stores, stored, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
            for failure, failed in batch.failures:
                if not failed.done():
                    failed.set_result(next_polls.get(failure.feed_id))

    def _fail_all(self, batch: _Batch) -> None:
        for _, _, future in batch.stores:
            if not future.done():
                broken = in_words(self._broken) if self._broken else "unknown"
                future.set_exception(RuntimeError(f"store failed: {broken}"))
        for _, failed in batch.failures:
            if not failed.done():
                failed.set_result(None)
        batch.stores.clear()
        batch.failures.clear()

    def _take(self) -> _Batch:
        """Up to ``max_items`` articles (at least one feed), each feed once, and everything
        else pending."""
        pending = self._pending
        taken: list[_Stored] = []
        rest: list[_Stored] = []
        items, seen = 0, set[int]()
        for entry in pending.stores:
            items_, success, _ = entry
            if rest or (taken and items + len(items_) > self.max_items) or success.feed_id in seen:
                rest.append(entry)
                continue
            taken.append(entry)
            seen.add(success.feed_id)
            items += len(items_)
        self._pending = _Batch(rest, [], [], [], [])
        self._items -= items
        self._room.set()
        return _Batch(taken, pending.failures, pending.unchanged, pending.durations, pending.same)

    def _write(self, batch: _Batch) -> tuple[list[UpsertResult | Exception], dict[int, datetime]]:
        """In a thread: the whole batch in one transaction, else each feed in its own."""
        now = self.clock.now()
        settings = self.settings
        failures = [f for f, _ in batch.failures]
        try:
            with self.engine.begin() as conn:
                stored = article_store.upsert_in(
                    conn, [a for items, _, _ in batch.stores for a in items], now
                )
                feed_store.record_successes(
                    conn, _counted([s for _, s, _ in batch.stores], stored) + batch.same, now,
                    poll_interval=settings.poll_interval,
                )  # fmt: skip
                next_polls = feed_store.record_failures(
                    conn, failures, now,
                    backoff_initial=settings.backoff_initial, backoff_max=settings.backoff_max,
                )  # fmt: skip
                feed_store.record_not_modified_in(
                    conn, batch.unchanged, poll_interval=settings.poll_interval
                )
                feed_store.record_fetch_seconds_in(conn, batch.durations)
            return _split(stored, [s.feed_id for _, s, _ in batch.stores]), next_polls
        except Exception:
            log.exception(
                "storing a batch of %d feeds failed; storing them one by one", len(batch.stores)
            )
        return self._write_each(batch, now)

    def _write_each(
        self, batch: _Batch, now: datetime
    ) -> tuple[list[UpsertResult | Exception], dict[int, datetime]]:
        settings = self.settings
        results: list[UpsertResult | Exception] = []
        failures = [f for f, _ in batch.failures]
        for items, success, _ in batch.stores:
            try:
                with self.engine.begin() as conn:
                    result = article_store.upsert_in(conn, items, now)
                    feed_store.record_successes(
                        conn, _counted([success], result), now, poll_interval=settings.poll_interval
                    )
                results.append(result)
            except Exception:  # rolled back together: now item by item, so one bad item
                log.exception("feed %d: storing its items failed; one by one", success.feed_id)
                results.append(self._write_items(items, success, now))
        next_polls: dict[int, datetime] = {}
        for failure in failures:
            try:
                with self.engine.begin() as conn:
                    next_polls.update(
                        feed_store.record_failures(
                            conn,
                            [failure],
                            now,
                            backoff_initial=settings.backoff_initial,
                            backoff_max=settings.backoff_max,
                        )
                    )
            except Exception:
                log.exception("feed %d: could not record the failure", failure.feed_id)
        try:
            feed_store.record_not_modified(
                self.engine, batch.unchanged, poll_interval=settings.poll_interval
            )
        except Exception:  # the feeds stay due and are simply asked again next cycle
            log.exception("could not record %d unchanged feeds", len(batch.unchanged))
        try:
            with self.engine.begin() as conn:
                feed_store.record_successes(
                    conn, batch.same, now, poll_interval=settings.poll_interval
                )
        except Exception:  # as for a 304: asked again next cycle
            log.exception("could not record %d feeds that sent the same bytes", len(batch.same))
        try:
            with self.engine.begin() as conn:
                feed_store.record_fetch_seconds_in(conn, batch.durations)
        except Exception:  # only the next cycle's order suffers
            log.exception("could not record the fetch times of %d feeds", len(batch.durations))
        return results, next_polls

    def _write_items(
        self, items: tuple[Article, ...], success: FeedSuccess, now: datetime
    ) -> UpsertResult | Exception:
        """A feed whose transaction failed: find the items the database refuses (each tried
        in a transaction that is rolled back), then store the others with the validators in
        one transaction, as always. One bad item fails only itself; if nothing can be stored
        the feed fails and its validators are not saved (the next poll fetches it in full)."""
        good: list[Article] = []
        refused: list[str] = []
        last: Exception | None = None
        for item in items:
            try:
                with self.engine.connect() as conn, conn.begin() as trial:
                    article_store.upsert_in(conn, [item], now)
                    trial.rollback()
            except Exception as e:
                last = e
                log.warning("feed %d: item %r refused: %s", item.feed_id, item.guid[:80], e)
                refused.append(in_words(e))
                continue
            good.append(item)
        if last is not None and not good:
            return last
        note = None
        if refused:
            note = f"{len(refused)} of {len(items)} items not stored ({refused[0]})"
            success = replace(success, body_hash=None)  # not done: parsed again next time
        warning = "; ".join(w for w in (success.warning, note) if w) or None
        try:
            with self.engine.begin() as conn:
                result = article_store.upsert_in(conn, good, now)
                feed_store.record_successes(
                    conn, _counted([replace(success, warning=warning)], result), now,
                    poll_interval=self.settings.poll_interval,
                )  # fmt: skip
        except Exception as e:
            return e
        return replace(result, note=note)


def _counted(successes: Sequence[FeedSuccess], stored: UpsertResult) -> list[FeedSuccess]:
    """Each success with how many of its items were new (the feed's silence reads it)."""
    new = Counter(article.feed_id for article in stored.new)
    return [replace(s, new=new[s.feed_id]) for s in successes]


def _split(stored: UpsertResult, feed_ids: Sequence[int]) -> list[UpsertResult | Exception]:
    """One batch's result, per feed, in the order of ``feed_ids``."""
    new: dict[int, list[Article]] = {f: [] for f in feed_ids}
    edited: dict[int, list[Article]] = {f: [] for f in feed_ids}
    for article in stored.new:
        new[article.feed_id].append(article)
    for article in stored.edited:
        edited[article.feed_id].append(article)
    return [UpsertResult(tuple(new[f]), tuple(edited[f])) for f in feed_ids]
