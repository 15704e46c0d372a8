"""The one wiring place: builds real clients from settings and runs the bot's services.

Everything else receives what it needs as arguments, so tests build an :class:`App` with
local servers (or small fakes) instead of patching.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from bot import metrics
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.store import create_engine
from bot.store.migrate import Migration, upgrade
from bot.store.sqlite_lock import PipelineLock, RunLock

if TYPE_CHECKING:
    from bot.adapters import Adapter
    from bot.adapters.telegram_app import TelegramBot
    from bot.commands import CommandCore
    from bot.feeds.poll import CycleReport
    from bot.fulltext.enrich import FullText
    from bot.messages import SearchPage
    from bot.pipeline import PipelineReport
    from bot.summarize.base import Summarizer

log = logging.getLogger(__name__)


def give_back_memory() -> None:
    """After a pipeline pass: unmap the tagger's dictionary (most of it touched by the pass,
    ~85 MB resident otherwise until the next) and hand the pass's freed heap back, so a
    process idle between polls holds what it needs, not the pass's high-water mark."""
    from bot import heap, korean

    korean.release()
    heap.trim()


def _console_adapters() -> dict[str, Adapter]:
    from bot.adapters.console import ConsoleAdapter

    return {"console": ConsoleAdapter()}


Service = Callable[[asyncio.Event], Coroutine[object, object, None]]


@dataclass
class App:
    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    # platform → adapter; the console is always there, chat platforms register in build()
    adapters: dict[str, Adapter] = field(default_factory=lambda: _console_adapters())
    _summarizer: Summarizer | None = field(default=None, repr=False)
    _telegram: TelegramBot | None = field(default=None, repr=False)
    _pipeline_lock: PipelineLock | None = field(default=None, repr=False)
    _run_lock: RunLock | None = field(default=None, repr=False)

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> App:
        engine = create_engine(settings.database.url)
        app = cls(settings=settings, engine=engine, clock=clock or SystemClock())
        app.register_slack()
        app.register_telegram()
        return app

    def migrate(self) -> list[Migration]:
        """Apply pending migrations; returns those applied (oldest first)."""
        return upgrade(self.engine)

    def services(self) -> list[Service]:
        """The long-running loops ``sokbo run`` starts; each stops when the event is set."""
        return [
            self.poll_service,
            self.outbox_service,
            self.digest_service,
            *self.slack_services(),
            *self.telegram_services(),
            *self.web_services(),
        ]

    # --- ingest (issue 2) ---------------------------------------------------------------

    async def poll_service(self, stop: asyncio.Event) -> None:
        """Poll due feeds until stopped; each cycle's report goes to :meth:`after_poll`."""
        from bot.feeds.poll import run_polling

        await asyncio.to_thread(self.tell_ended_feeds)
        async with self.fulltext() as fulltext:
            await run_polling(
                self.engine,
                self.settings.feeds,
                self.clock,
                stop,
                self.after_poll,
                service_key=self.settings.secrets.data_go_kr_service_key,
                fulltext=fulltext,
            )

    async def poll_once(self, *, all_feeds: bool = True, keep_items: bool = True) -> CycleReport:
        """One cycle now (``sokbo poll --once``): every enabled feed, or only the due ones;
        the report lists the new and edited articles only with ``keep_items``."""
        from bot.feeds.fetch import Fetcher
        from bot.feeds.poll import poll_cycle
        from bot.store.feeds import list_feeds

        self.tell_ended_feeds()  # after adding the configured sources
        feeds = list_feeds(self.engine, include_disabled=False) if all_feeds else None
        async with Fetcher(self.settings.feeds) as fetcher, self.fulltext() as fulltext:
            return await poll_cycle(
                self.engine,
                fetcher,
                self.settings.feeds,
                self.clock,
                feeds=feeds,
                service_key=self.settings.secrets.data_go_kr_service_key,
                fulltext=fulltext,
                keep_items=keep_items,
            )

    def fulltext(self) -> FullText:
        """Full text for thin feed items (pages, attachments), as ``[fulltext]`` sets it."""
        from bot.fulltext.enrich import FullText

        return FullText(self.engine, self.settings.fulltext, self.settings.feeds, self.clock)

    def tell_ended_feeds(self) -> None:
        """Once per process, in the log: each followed feed of a service that ended
        (정책브리핑 RSS) and what replaces it, in Korean."""
        from bot.sources.catalog import tell_ended_once
        from bot.store.feeds import list_feeds, sync_sources

        sync_sources(self.engine, self.settings.feeds.sources, self.clock.now())
        feeds = list_feeds(self.engine, include_disabled=False)
        tell_ended_once(((f.id, f.name, f.url) for f in feeds), log)

    async def after_poll(self, report: CycleReport) -> None:
        """New articles → stories → summaries → search index → deliveries (bot/pipeline.py)."""
        metrics.observe_cycle(report)
        await self.process_pending()

    # --- core (issue 4): pipeline, outbox, digests, commands ------------------------------

    def summarizer(self) -> Summarizer:
        if self._summarizer is None:
            from bot.summarize import build_summarizer

            self._summarizer = build_summarizer(self.settings, self.engine, self.clock)
        return self._summarizer

    async def process_pending(self, *, print_stories: bool = True) -> PipelineReport:
        """Run the pipeline; prints each new story's digest on the console unless told not to."""
        from bot.pipeline import process_pending

        if self._pipeline_lock is None:
            self._pipeline_lock = PipelineLock(self.settings.database.url)
        # on one SQLite file, one pass at a time across processes (poll --once beside run)
        async with self._pipeline_lock.held():
            try:
                return await process_pending(
                    self.engine,
                    summarizer=self.summarizer(),
                    clock=self.clock,
                    console=self.adapters["console"] if print_stories else None,
                    resummarize=self.settings.llm.resummarize_when_back,
                )
            finally:
                await asyncio.to_thread(give_back_memory)

    def command_core(self) -> CommandCore:
        """The command core every chat adapter calls (``await core.handle(...)``)."""
        from bot.commands import CommandCore
        from bot.topics import build_taxonomy

        taxonomy = build_taxonomy(self.settings.topics.extra)
        return CommandCore(self.engine, self.settings, self.clock, taxonomy=taxonomy)

    async def outbox_service(self, stop: asyncio.Event) -> None:
        """Deliver pending alerts through ``self.adapters`` (every instance does this)."""
        from bot.outbox import Outbox

        await Outbox(self.engine, self.adapters, self.clock, self.settings.delivery).run(stop)

    async def digest_service(self, stop: asyncio.Event) -> None:
        """Send daily digests (on PostgreSQL only the advisory-lock holder schedules)."""
        from bot.schedule import DigestScheduler

        await DigestScheduler(self.engine, self.adapters, self.clock, self.settings).run(stop)

    # --- slack (issue 6) ---------------------------------------------------------------

    def register_slack(self) -> None:
        """Slack delivers when SLACK_BOT_TOKEN is set (listening also needs a secret/app token)."""
        if self.settings.secrets.slack_bot_token and "slack" not in self.adapters:
            from bot.adapters.slack import SlackAdapter

            self.adapters["slack"] = SlackAdapter.from_settings(self.settings)

    def slack_services(self) -> list[Service]:
        """The Bolt listener (HTTP /slack/events or Socket Mode) sharing the adapter's client."""
        adapter = self.adapters.get("slack")
        if adapter is None:  # no Slack: do not import slack_bolt/slack_sdk (~250 modules)
            return []
        from bot.adapters.slack import SlackAdapter
        from bot.adapters.slack_app import slack_service

        if not isinstance(adapter, SlackAdapter) or self.slack_shares_web():
            return []
        service = slack_service(self.settings, self.command_core(), adapter.client)
        return [service] if service is not None else []

    # --- telegram (issue 5) ------------------------------------------------------------

    def register_telegram(self) -> None:
        """Telegram serves and delivers when TELEGRAM_BOT_TOKEN is set (one Bot for both)."""
        if not self.settings.secrets.telegram_bot_token or self._telegram is not None:
            return
        from bot.adapters.telegram import TelegramAdapter
        from bot.adapters.telegram_app import TelegramBot
        from bot.search import search

        limit = self.settings.search.default_limit
        half_life = self.settings.search.recency_half_life_days

        def page(query: str, offset: int) -> SearchPage:
            return search(
                self.engine,
                query,
                limit=limit,
                offset=offset,
                now=self.clock.now(),
                half_life_days=half_life,
            )

        bot = TelegramBot(
            self.settings, self.engine, self.command_core(), search=page, now=self.clock.now
        )
        self._telegram = bot
        # one pacing for alerts and command replies; deliveries wait for the client to start
        self.adapters["telegram"] = TelegramAdapter(
            bot.bot, self.settings.telegram, ready=bot.ready, pacing=bot.pacing
        )

    def telegram_services(self) -> list[Service]:
        return [self._telegram.run] if self._telegram is not None else []

    # --- web (issue 14) ----------------------------------------------------------------

    def slack_shares_web(self) -> bool:
        """Slack over HTTP on the web port: /slack/events is then served by the web server."""
        s = self.settings
        return (
            s.web.enabled
            and s.slack.port == s.web.port
            and bool(s.secrets.slack_bot_token and s.secrets.slack_signing_secret)
            and not s.secrets.slack_app_token
        )

    def web_services(self) -> list[Service]:
        return [self.web_service] if self.settings.web.enabled else []

    async def web_service(self, stop: asyncio.Event) -> None:
        """The read-only archive, Atom feed, /healthz and /metrics on ``[web] listen:port``."""
        from bot.topics import build_taxonomy
        from bot.web import SLACK_EVENTS, slack_events_handler
        from bot.web.listen import WebServer
        from bot.web.server import WebSite

        site = WebSite(
            self.engine, self.settings, self.clock, build_taxonomy(self.settings.topics.extra)
        )
        routes = {}
        adapter = self.adapters.get("slack")
        if self.slack_shares_web() and adapter is not None:
            from bot.adapters.slack import SlackAdapter
            from bot.adapters.slack_app import build_bolt_app

            assert isinstance(adapter, SlackAdapter)
            bolt = build_bolt_app(self.settings, self.command_core(), adapter.client)
            routes[SLACK_EVENTS] = slack_events_handler(bolt)
        web = self.settings.web
        server = WebServer(site.build(routes), web.listen, web.port)
        try:
            await server.start()
        except OSError as e:  # e.g. the port is taken: say so; polling and delivery go on
            log.error("web: cannot listen on %s:%d (%s); the archive is off", web.listen,
                      web.port, e.strerror or e)  # fmt: skip
            await server.stop()
            site.pool.shutdown(wait=False)
            return
        try:
            await stop.wait()
        finally:
            await server.stop()
            site.pool.shutdown(wait=False, cancel_futures=True)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Run every service until ``stop`` is set (or SIGINT/SIGTERM).

        On a SQLite file, raises :class:`~bot.store.sqlite_lock.AlreadyRunning` at once when
        another ``sokbo run`` holds it (PostgreSQL is the way to run several)."""
        self.claim_database()
        try:
            await self._run(stop)
        finally:
            if self._run_lock is not None:
                self._run_lock.release()
                self._run_lock = None

    def claim_database(self) -> None:
        """Hold the SQLite file for this ``sokbo run`` (a no-op on PostgreSQL); raises
        :class:`~bot.store.sqlite_lock.AlreadyRunning` at once when another holds it."""
        if self._run_lock is None:
            lock = RunLock(self.settings.database.url)
            lock.acquire()
            self._run_lock = lock

    async def _run(self, stop: asyncio.Event | None) -> None:
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # non-main thread
                loop.add_signal_handler(sig, stop.set)
        self.migrate()
        tasks = [asyncio.create_task(service(stop)) for service in self.services()]
        log.info("sokbo running with %d services", len(tasks))
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.engine.dispose()
