"""One poll cycle: fetch due feeds concurrently, parse, store, record each feed's health.

Each feed runs on its own: a slow or broken feed costs only its own slot and time budget,
its error is recorded in words with a backoff, and nothing stored before is touched. The
parsed items go to :class:`bot.feeds.writer.CycleWriter`, which stores them in few
transactions; :func:`run_polling` polls each feed on its own rhythm until stopped (no
cycle barrier: a feed still being fetched never holds up the next poll of the others).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.config import FeedSettings
from bot.errors import FeedError, SokboError
from bot.feeds.fetch import Fetcher
from bot.feeds.parse import body_hash
from bot.feeds.silence import rhythm
from bot.feeds.timeline import Timeline
from bot.feeds.worker import ParseWorkers
from bot.feeds.writer import CycleWriter
from bot.sources.openapi import fetch_articles, is_openapi
from bot.store import feeds as feed_store
from bot.store.errors import in_words
from bot.store.feeds import FeedFailure, FeedSuccess
from bot.types import Article, Feed

if TYPE_CHECKING:
    from bot.fulltext.enrich import FullText

log = logging.getLogger(__name__)

# "not_modified": a 304; "unchanged": a 200 with the bytes last parsed and stored in full
# (feeds.body_hash), not parsed again
FeedStatus = Literal["ok", "not_modified", "unchanged", "partial", "failed"]
# A cycle over this many feeds parses in worker processes (one per spare core, at most 2);
# a small one parses in a thread, where starting a process would cost more than it saves.
PARSE_IN_PROCESS_FROM = 64
PARSE_WORKERS = max(0, min(2, (os.cpu_count() or 1) - 1))


@dataclass(frozen=True, slots=True)
class SameBody:
    """A 200 whose bytes hash to the feed's kept ``body_hash``: every item it holds is stored
    as it is, so it is not parsed; ``success`` records it (validators, method, cookies;
    item count, dates and rhythm kept as they were)."""

    success: FeedSuccess


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What happened to one feed in a cycle."""

    feed: Feed
    status: FeedStatus
    new: int = 0
    edited: int = 0
    items: int = 0
    error: str | None = None
    next_poll_at: datetime | None = None


FeedDone = Callable[[FeedOutcome, tuple[Article, ...], tuple[Article, ...]], None]


@dataclass(frozen=True, slots=True)
class CycleReport:
    started_at: datetime
    finished_at: datetime
    outcomes: tuple[FeedOutcome, ...] = ()
    new: tuple[Article, ...] = ()
    edited: tuple[Article, ...] = ()

    @property
    def failed(self) -> tuple[FeedOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def new_count(self) -> int:
        """New items stored (the feeds' counts: right for a report without its items too)."""
        return sum(o.new for o in self.outcomes)

    @property
    def edited_count(self) -> int:
        return sum(o.edited for o in self.outcomes)

    @property
    def unchanged_count(self) -> int:
        """Feeds that answered as last time (a 304, or the same bytes): nothing was parsed."""
        return sum(o.status in ("not_modified", "unchanged") for o in self.outcomes)

    def feed_name(self, feed_id: int) -> str:
        for outcome in self.outcomes:
            if outcome.feed.id == feed_id:
                return outcome.feed.name
        return f"feed {feed_id}"


async def poll_cycle(
    engine: Engine,
    fetcher: Fetcher,
    settings: FeedSettings,
    clock: Clock,
    *,
    feeds: Sequence[Feed] | None = None,
    timeline: Timeline | None = None,
    service_key: str | None = None,
    fulltext: FullText | None = None,
    on_feed: FeedDone | None = None,
    keep_items: bool = True,
) -> CycleReport:
    """Poll ``feeds`` (default: those due now) and store what they hold; never raises for a feed.

    ``timeline`` (optional) records when each feed was fetched, parsed and stored;
    ``on_feed`` (optional) hears of each feed as soon as it is done, before the others.
    ``service_key`` is the 정책브리핑 OpenAPI's (DATA_GO_KR_SERVICE_KEY), for its feeds.
    ``fulltext`` (optional) gives thin items the text of their page or attachment.
    Without ``keep_items`` the report has each feed's outcome and counts but not its
    articles: each feed's are let go once stored (and heard by ``on_feed``), instead of a
    cold cycle's whole bodies (~6 KB each, 10,000 at 500 feeds) being held to its end.
    """
    started = clock.now()
    if feeds is None:
        feeds = await asyncio.to_thread(feed_store.due_feeds, engine, started)
    # Feeds being fetched at once, and fetched documents waiting for a parser: separate bounds,
    # so a backlog for the parser does not stop the fetches (mostly cheap 304s) going on. A
    # fetch keeps its slot only while the backlog is full, so at most concurrency + backlog
    # documents are held in memory. Parsed items then wait for the writer, bounded by its limit.
    in_flight = asyncio.Semaphore(settings.concurrency)  # = the fetcher's: timing excludes waits
    backlog = asyncio.Semaphore(2 * settings.concurrency)
    workers = PARSE_WORKERS if len(feeds) >= PARSE_IN_PROCESS_FROM else 0
    async with (
        ParseWorkers(workers, timeline) as parser,
        CycleWriter(engine, settings, clock, timeline=timeline) as writer,
    ):

        async def one(feed: Feed) -> tuple[FeedOutcome, tuple[Article, ...], tuple[Article, ...]]:
            result = await _poll_feed(
                fetcher,
                parser,
                writer,
                (in_flight, backlog),
                settings,
                clock,
                feed,
                timeline,
                service_key,
                fulltext,
            )
            if on_feed is not None:
                on_feed(*result)
            return result if keep_items else (result[0], (), ())

        # slow feeds start first (as due_feeds orders them), so a cycle does not end on one;
        # the report keeps the order it was given
        tasks = {id(f): asyncio.ensure_future(one(f)) for f in sorted(feeds, key=_slow_first)}
        results = await asyncio.gather(*(tasks[id(f)] for f in feeds))
    if timeline is not None:
        timeline.end = timeline.now()
    new = tuple(a for outcome, fresh, _ in results for a in fresh)
    edited = tuple(a for outcome, _, changed in results for a in changed)
    return CycleReport(
        started_at=started,
        finished_at=clock.now(),
        outcomes=tuple(outcome for outcome, _, _ in results),
        new=new,
        edited=edited,
    )


async def _poll_feed(
    fetcher: Fetcher,
    parser: ParseWorkers,
    writer: CycleWriter,
    bounds: tuple[asyncio.Semaphore, asyncio.Semaphore],
    settings: FeedSettings,
    clock: Clock,
    feed: Feed,
    timeline: Timeline | None = None,
    service_key: str | None = None,
    fulltext: FullText | None = None,
) -> tuple[FeedOutcome, tuple[Article, ...], tuple[Article, ...]]:
    retry_after: float | None = None
    try:
        if is_openapi(feed.url):
            fetched: (
                tuple[tuple[Article, ...], FeedSuccess] | SameBody | None
            ) = await _fetch_openapi(fetcher, bounds[0], clock, feed, service_key)
        else:
            fetched = await _fetch_and_parse(fetcher, parser, writer, bounds, clock, feed, timeline)
        if isinstance(fetched, SameBody):  # recorded with the next batch, as a 304
            now = clock.now()
            writer.same_body(fetched.success)
            if timeline is not None:
                timeline.mark(feed.id, "done")
            outcome = _outcome(feed, "unchanged", now, settings)
            return replace(outcome, items=feed.item_count or 0), (), ()
        if fetched is not None and fulltext is not None:  # thin items: their page's/file's text
            fetched = (await fulltext.enrich(feed, fetched[0]), fetched[1])
        if fetched is None:  # 304: validators unchanged; recorded with the next batch
            now = clock.now()
            writer.not_modified(feed.id, now)
            if timeline is not None:
                timeline.mark(feed.id, "done")
            return _outcome(feed, "not_modified", now, settings), (), ()
        items, success = fetched
        stored = await writer.store(items, success)
        if timeline is not None:
            timeline.mark(feed.id, "done")
        warning = "; ".join(w for w in (success.warning, stored.note) if w) or None
        if warning:
            log.warning("feed %d %s: %s", feed.id, feed.name, warning)
        status: FeedStatus = "partial" if warning else "ok"
        outcome = replace(
            _outcome(feed, status, clock.now(), settings),
            new=len(stored.new),
            edited=len(stored.edited),
            items=len(items) if success.items is None else success.items,
            error=warning,
        )
        return outcome, stored.new, stored.edited
    except FeedError as e:
        error = str(e)
        retry_after = getattr(e, "retry_after", None)
    except SokboError as e:  # e.g. the store refused: still one feed's problem, in words
        error = f"{type(e).__name__}: {e}"
    except sa.exc.SQLAlchemyError as e:  # in words: the statement stays in the log
        log.exception("feed %d %s: the database refused", feed.id, feed.name)
        error = in_words(e)
    except Exception as e:  # a bug must not stop the other feeds; it is logged in full
        log.exception("feed %d %s: unexpected error", feed.id, feed.name)
        error = f"internal error: {in_words(e)}"
    next_poll = await writer.fail(FeedFailure(feed.id, error, retry_after))
    if timeline is not None:
        timeline.mark(feed.id, "done")
    log.warning(
        "feed %d %s failed: %s (next try %s)",
        feed.id,
        feed.name,
        error,
        next_poll.isoformat(timespec="seconds") if next_poll else "unknown",
    )
    return FeedOutcome(feed, "failed", error=error, next_poll_at=next_poll), (), ()


async def _fetch_and_parse(
    fetcher: Fetcher,
    parser: ParseWorkers,
    writer: CycleWriter,
    bounds: tuple[asyncio.Semaphore, asyncio.Semaphore],
    clock: Clock,
    feed: Feed,
    timeline: Timeline | None = None,
) -> tuple[tuple[Article, ...], FeedSuccess] | SameBody | None:
    """The feed's items and what to record with them; None for a 304, :class:`SameBody` for
    the bytes parsed and stored last time. Raises FeedError."""
    in_flight, backlog = bounds
    async with in_flight:
        if timeline is not None:
            timeline.mark(feed.id, "slot")
        began = time.perf_counter()
        try:
            result = await fetcher.fetch(
                feed.url,
                etag=feed.etag,
                last_modified=feed.last_modified,
                method=feed.fetch_method,
                cookies=feed.cookies,
            )
        finally:  # a failure's time counts too: a feed that times out starts first next time
            writer.fetch_took(feed.id, time.perf_counter() - began)
        if timeline is not None:
            timeline.mark(feed.id, "fetched")
        if result.not_modified:
            return None
        digest = body_hash(
            result.body, base_url=result.url, content_type=result.headers.get("content-type", "")
        )
        if digest == feed.body_hash:
            return SameBody(
                FeedSuccess(
                    feed.id,
                    result.etag,
                    result.last_modified,
                    method=result.method,
                    cookies=result.cookies,
                    body_hash=digest,
                )
            )
        await backlog.acquire()  # the fetch slot is freed once the document has a place
    try:
        known = await writer.known(feed.id)  # items stored as sent: not built again
        if timeline is not None:
            timeline.mark(feed.id, "parse_sent")
        parsed = await parser.parse(
            result.body,
            feed_id=feed.id,
            base_url=result.url,
            now=clock.now(),
            headers=result.headers,
            known=known,
        )
    finally:
        backlog.release()
    if timeline is not None:
        timeline.mark(feed.id, "parsed")
    if not parsed.articles and not parsed.unchanged and parsed.error:
        raise FeedError(parsed.error)
    items = parsed.articles
    # kept as done only when every item will be stored as it is now: not after a warning
    # (a malformed document, a wrong charset: parsed again, its warning shown again) nor
    # while an item is dated ahead (its date, once passed, changes the newest date)
    done = parsed.error is None and not parsed.ahead
    return tuple(items), FeedSuccess(
        feed.id,
        result.etag,
        result.last_modified,
        parsed.error,
        method=result.method,
        cookies=result.cookies,
        items=len(items) + parsed.unchanged,
        newest=parsed.newest,
        rhythm=parsed.rhythm,
        body_hash=digest if done else None,
    )


async def _fetch_openapi(
    fetcher: Fetcher,
    in_flight: asyncio.Semaphore,
    clock: Clock,
    feed: Feed,
    service_key: str | None,
) -> tuple[tuple[Article, ...], FeedSuccess]:
    """The 정책브리핑 OpenAPI's releases of the feed's date window (bot/sources/openapi.py):
    its pages fetched in the feed's slot, read and built into Documents off the loop."""
    async with in_flight:
        items, warning = await fetch_articles(fetcher, feed, service_key, clock.now())
    # Its newest release and rhythm tell when it went quiet; an empty day window is no
    # silence (a Sunday), so the item count is not recorded.
    dates = [a.published_at for a in items if a.published_at <= clock.now()]
    return items, FeedSuccess(
        feed.id, None, None, warning, newest=max(dates, default=None), rhythm=rhythm(dates)
    )


def _slow_first(feed: Feed) -> float:
    """Sort key: feeds whose last fetch was slow first, slowest first; the rest keep their order."""
    seconds = feed.last_fetch_seconds or 0.0
    return -seconds if seconds >= feed_store.SLOW_FETCH_SECONDS else 0.0


def _outcome(feed: Feed, status: FeedStatus, now: datetime, settings: FeedSettings) -> FeedOutcome:
    return FeedOutcome(feed, status, next_poll_at=now + timedelta(seconds=settings.poll_interval))


async def run_polling(
    engine: Engine,
    settings: FeedSettings,
    clock: Clock,
    stop: asyncio.Event,
    after_poll: Callable[[CycleReport], Awaitable[None]],
    *,
    min_sleep: float = 1.0,
    service_key: str | None = None,
    fulltext: FullText | None = None,
) -> None:
    """Poll each feed on its own rhythm until ``stop`` is set; see :class:`FeedScheduler`."""
    await asyncio.to_thread(feed_store.sync_sources, engine, settings.sources, clock.now())
    async with Fetcher(settings) as fetcher:
        scheduler = FeedScheduler(engine, fetcher, settings, clock, after_poll, min_sleep)
        scheduler.service_key, scheduler.fulltext = service_key, fulltext
        await scheduler.run(stop)


# A feed's results wait at most this long for the rest of its batch before the pipeline
# takes them: a slow feed delays the others' alerts by this much, not by its own fetch.
PIPELINE_LINGER = 2.0


class FeedScheduler:
    """Starts every due feed that is not already being fetched, without waiting for the rest.

    There is no cycle barrier: the feeds due now are fetched as one batch (one writer, one
    parser pool), and a feed still trickling from an earlier batch stays out of the new one,
    so a slow or hanging feed delays only itself (each fetch has its total deadline). The
    pipeline (``after_poll``) takes what finished feeds stored, once their batch is done or
    :data:`PIPELINE_LINGER` seconds after the first of them, whichever comes first; it runs
    one pass at a time and never holds up the fetching.
    """

    def __init__(
        self,
        engine: Engine,
        fetcher: Fetcher,
        settings: FeedSettings,
        clock: Clock,
        after_poll: Callable[[CycleReport], Awaitable[None]],
        min_sleep: float = 1.0,
    ) -> None:
        self.engine, self.fetcher, self.settings, self.clock = engine, fetcher, settings, clock
        self.after_poll = after_poll
        self.min_sleep = min_sleep
        self.service_key: str | None = None  # the 정책브리핑 OpenAPI's, for its feeds
        self.fulltext: FullText | None = None
        self.busy: set[int] = set()  # feeds being fetched
        # a finished feed's next poll, until the writer has recorded it (a 304 is recorded
        # with the writer's next batch)
        self.not_before: dict[int, datetime] = {}
        self.batches: set[asyncio.Task[None]] = set()
        self.finished: list[FeedOutcome] = []
        self.first_started: datetime | None = None
        self._wake = asyncio.Event()  # a feed finished: its next due time may be the earliest
        self._results = asyncio.Event()  # something for the pipeline
        self._idle = asyncio.Event()  # no batch running
        self._idle.set()

    async def run(self, stop: asyncio.Event) -> None:
        pipeline = asyncio.create_task(self._pipeline())
        try:
            while not stop.is_set():
                try:
                    self._start_due(await asyncio.to_thread(feed_store.due_feeds, self.engine,
                                                            self.clock.now()))  # fmt: skip
                    due = await asyncio.to_thread(
                        feed_store.next_due_at, self.engine, excluding=frozenset(self.busy)
                    )
                except Exception:  # the database may be briefly away: say so and keep going
                    log.exception("poll: cannot read the due feeds; retrying")
                    due = None
                wait = self.settings.poll_interval
                if due is not None:
                    wait = min(wait, max(self.min_sleep, (due - self.clock.now()).total_seconds()))
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await _first(stop.wait(), self._wake.wait())
        finally:
            for task in (*self.batches, pipeline):
                task.cancel()
            await asyncio.gather(*self.batches, pipeline, return_exceptions=True)

    def _start_due(self, due: Sequence[Feed]) -> None:
        now = self.clock.now()
        ready = [f for f in due if f.id not in self.busy and self.not_before.get(f.id, now) <= now]
        if not ready:
            return
        self.busy.update(f.id for f in ready)
        self._idle.clear()
        task = asyncio.create_task(self._batch(ready))
        self.batches.add(task)
        task.add_done_callback(self._batch_done)

    def _batch_done(self, task: asyncio.Task[None]) -> None:
        self.batches.discard(task)
        if not self.batches:
            self._idle.set()

    async def _batch(self, feeds: Sequence[Feed]) -> None:
        timeline = Timeline() if os.environ.get("SOKBO_POLL_TRACE") == "1" else None
        if self.first_started is None:
            self.first_started = self.clock.now()
        try:
            report = await poll_cycle(
                self.engine,
                self.fetcher,
                self.settings,
                self.clock,
                feeds=feeds,
                timeline=timeline,
                service_key=self.service_key,
                fulltext=self.fulltext,
                on_feed=self._feed_done,
                keep_items=False,  # the pipeline reads what was stored, not these
            )
            if timeline is not None and report.outcomes:
                log.info("%s", timeline.summary())
            log.info(
                "poll: %d feeds, %d new, %d edited, %d failed",
                len(report.outcomes),
                report.new_count,
                report.edited_count,
                len(report.failed),
            )
        except Exception:
            log.exception("poll batch of %d feeds failed", len(feeds))
        finally:
            self.busy.difference_update(f.id for f in feeds)
            self._wake.set()

    def _feed_done(
        self, outcome: FeedOutcome, new: tuple[Article, ...], edited: tuple[Article, ...]
    ) -> None:
        self.busy.discard(outcome.feed.id)
        if outcome.next_poll_at is not None:
            self.not_before[outcome.feed.id] = outcome.next_poll_at
        self.finished.append(outcome)  # its articles are stored: the pipeline reads them there
        self._results.set()
        self._wake.set()

    async def _pipeline(self) -> None:
        """Hands finished feeds' results to ``after_poll``, one pass at a time."""
        while True:
            await self._results.wait()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PIPELINE_LINGER):
                    await self._idle.wait()
            self._results.clear()
            finished, self.finished = self.finished, []
            started = self.first_started or self.clock.now()
            self.first_started = None if self._idle.is_set() else self.clock.now()
            report = CycleReport(
                started_at=started, finished_at=self.clock.now(), outcomes=tuple(finished)
            )
            try:
                await self.after_poll(report)
            except Exception:  # the database may be briefly away: the next pass retries
                log.exception("after poll failed")


async def _first(*waits: Awaitable[object]) -> None:
    """Returns when the first of ``waits`` is done; cancels the rest."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
