"""One poll cycle: fetch due feeds concurrently, parse, store, record each feed's health.

Each feed runs on its own: a slow or broken feed costs only its own slot and time budget,
its error is recorded in words with a backoff, and nothing stored before is touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.config import FeedSettings
from bot.errors import FeedError, SokboError
from bot.feeds.fetch import Fetcher
from bot.feeds.worker import ParseWorkers
from bot.messages import Alert
from bot.store import articles as article_store
from bot.store import feeds as feed_store
from bot.summarize.model import Summary
from bot.types import Article, Contact, Feed

log = logging.getLogger(__name__)

FeedStatus = Literal["ok", "not_modified", "partial", "failed"]
# A cycle over this many feeds parses in worker processes (one per spare core, at most 2);
# a small one parses in a thread, where starting a process would cost more than it saves.
PARSE_IN_PROCESS_FROM = 64
PARSE_WORKERS = max(0, min(2, (os.cpu_count() or 1) - 1))
ContactExtractor = Callable[[str], Sequence[Contact]]


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

    def feed_name(self, feed_id: int) -> str:
        for outcome in self.outcomes:
            if outcome.feed.id == feed_id:
                return outcome.feed.name
        return f"feed {feed_id}"


def default_contact_extractor() -> ContactExtractor | None:
    """The rule-based extractor of bot.summarize.contacts, when that module is installed."""
    try:
        module = importlib.import_module("bot.summarize.contacts")
    except ImportError:
        return None
    extractor: ContactExtractor | None = getattr(module, "extract_contacts", None)
    return extractor


async def poll_cycle(
    engine: Engine,
    fetcher: Fetcher,
    settings: FeedSettings,
    clock: Clock,
    *,
    feeds: Sequence[Feed] | None = None,
    extract_contacts: ContactExtractor | None = None,
) -> CycleReport:
    """Poll ``feeds`` (default: those due now) and store what they hold; never raises for a feed."""
    started = clock.now()
    if feeds is None:
        feeds = await asyncio.to_thread(feed_store.due_feeds, engine, started)
    store_lock = asyncio.Lock()  # one writer at a time: SQLite has one, and batches stay whole
    # Feeds in flight (fetching, parsing or storing) at once: fetched documents wait for a
    # parser here, so this bounds the documents held in memory to 2 × concurrency.
    in_flight = asyncio.Semaphore(2 * settings.concurrency)
    workers = PARSE_WORKERS if len(feeds) >= PARSE_IN_PROCESS_FROM else 0

    async def poll(feed: Feed) -> tuple[FeedOutcome, tuple[Article, ...], tuple[Article, ...]]:
        async with in_flight:
            return await _poll_feed(
                engine, fetcher, parser, settings, clock, feed, store_lock, extract_contacts
            )

    async with ParseWorkers(workers) as parser:
        results = await asyncio.gather(*(poll(feed) for feed in feeds))
    unchanged = [
        (o.feed.id, o.next_poll_at - timedelta(seconds=settings.poll_interval))
        for o, _, _ in results
        if o.status == "not_modified" and o.next_poll_at is not None
    ]
    try:
        await asyncio.to_thread(
            feed_store.record_not_modified, engine, unchanged, poll_interval=settings.poll_interval
        )
    except Exception:  # the feeds stay due and are simply asked again next cycle
        log.exception("could not record %d unchanged feeds", len(unchanged))
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
    engine: Engine,
    fetcher: Fetcher,
    parser: ParseWorkers,
    settings: FeedSettings,
    clock: Clock,
    feed: Feed,
    store_lock: asyncio.Lock,
    extract_contacts: ContactExtractor | None,
) -> tuple[FeedOutcome, tuple[Article, ...], tuple[Article, ...]]:
    retry_after: float | None = None
    try:
        result = await fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if result.not_modified:  # validators unchanged; recorded in one batch per cycle
            return _outcome(feed, "not_modified", clock.now(), settings), (), ()
        parsed = await parser.parse(
            result.body,
            feed_id=feed.id,
            base_url=result.url,
            now=clock.now(),
            headers=result.headers,
        )
        if not parsed.articles and parsed.error:
            raise FeedError(parsed.error)
        items = parsed.articles
        if extract_contacts is not None:
            items = await asyncio.to_thread(_with_contacts, items, extract_contacts)
        now = clock.now()
        async with store_lock:
            stored = await asyncio.to_thread(article_store.upsert_articles, engine, items, now)
            await asyncio.to_thread(
                feed_store.record_success,
                engine,
                feed.id,
                now,
                poll_interval=settings.poll_interval,
                etag=result.etag,
                last_modified=result.last_modified,
                warning=parsed.error,
            )
        if parsed.error:
            log.warning("feed %d %s: %s", feed.id, feed.name, parsed.error)
        status: FeedStatus = "partial" if parsed.error else "ok"
        outcome = replace(
            _outcome(feed, status, now, settings),
            new=len(stored.new),
            edited=len(stored.edited),
            items=len(items),
            error=parsed.error,
        )
        return outcome, stored.new, stored.edited
    except FeedError as e:
        error = str(e)
        retry_after = getattr(e, "retry_after", None)
    except SokboError as e:  # e.g. the store refused: still one feed's problem, in words
        error = f"{type(e).__name__}: {e}"
    except Exception as e:  # a bug must not stop the other feeds; it is logged in full
        log.exception("feed %d %s: unexpected error", feed.id, feed.name)
        error = f"internal error: {type(e).__name__}: {e}"
    now = clock.now()
    try:
        async with store_lock:
            next_poll = await asyncio.to_thread(
                feed_store.record_failure,
                engine,
                feed.id,
                now,
                error,
                backoff_initial=settings.backoff_initial,
                backoff_max=settings.backoff_max,
                retry_after=retry_after,
            )
    except Exception:
        log.exception("feed %d %s: could not record the failure", feed.id, feed.name)
        next_poll = None
    log.warning(
        "feed %d %s failed: %s (next try %s)",
        feed.id,
        feed.name,
        error,
        next_poll.isoformat(timespec="seconds") if next_poll else "unknown",
    )
    return FeedOutcome(feed, "failed", error=error, next_poll_at=next_poll), (), ()


def _outcome(feed: Feed, status: FeedStatus, now: datetime, settings: FeedSettings) -> FeedOutcome:
    return FeedOutcome(feed, status, next_poll_at=now + timedelta(seconds=settings.poll_interval))


def _with_contacts(
    items: Sequence[Article], extract_contacts: ContactExtractor
) -> tuple[Article, ...]:
    out = []
    for item in items:
        try:
            contacts = tuple(extract_contacts(item.text))
        except Exception:  # contacts are a bonus; an extractor bug must not drop the article
            log.exception("contact extraction failed for %s", item.url)
            contacts = ()
        out.append(replace(item, contacts=contacts))
    return tuple(out)


async def run_polling(
    engine: Engine,
    settings: FeedSettings,
    clock: Clock,
    stop: asyncio.Event,
    after_poll: Callable[[CycleReport], Awaitable[None]],
    *,
    extract_contacts: ContactExtractor | None = None,
    min_sleep: float = 1.0,
) -> None:
    """Poll due feeds until ``stop`` is set, sleeping until the next feed is due."""
    await asyncio.to_thread(feed_store.sync_sources, engine, settings.sources, clock.now())
    async with Fetcher(settings) as fetcher:
        while not stop.is_set():
            try:
                report = await poll_cycle(
                    engine, fetcher, settings, clock, extract_contacts=extract_contacts
                )
                if report.outcomes:
                    log.info(
                        "poll: %d feeds, %d new, %d edited, %d failed",
                        len(report.outcomes),
                        len(report.new),
                        len(report.edited),
                        len(report.failed),
                    )
                await after_poll(report)
                due = await asyncio.to_thread(feed_store.next_due_at, engine)
            except Exception:  # the database may be briefly away: say so and keep going
                log.exception("poll cycle failed; retrying in %g s", settings.poll_interval)
                due = None
            wait = settings.poll_interval
            if due is not None:
                wait = min(wait, max(min_sleep, (due - clock.now()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)


_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")


def first_sentences(text: str, count: int = 3, *, limit: int = 120) -> list[str]:
    """The opening sentences of ``text``, each cut to ``limit`` characters (placeholder digest)."""
    sentences = []
    for piece in _SENTENCE_END.split(text):
        piece = " ".join(piece.split())
        if len(piece) < 2:
            continue
        sentences.append(piece if len(piece) <= limit else piece[: limit - 1] + "…")
        if len(sentences) == count:
            break
    return sentences


def placeholder_alert(article: Article, source: str) -> Alert:
    """A digest before summaries exist: the title and the first sentences, with the link."""
    title = article.title if len(article.title) <= 60 else article.title[:59] + "…"
    summary = Summary(
        headline=title or "(제목 없음)",
        bullets=first_sentences(article.text, 3),
        contacts=list(article.contacts),
        source_url=article.url,
        summarizer="placeholder",
    )
    return Alert(
        story_id=article.id or 0,
        summary=summary,
        source=source,
        published_at=article.published_at,
        url=article.url,
    )
