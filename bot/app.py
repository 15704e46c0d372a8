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

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.store import create_engine
from bot.store.migrate import upgrade

if TYPE_CHECKING:
    from bot.ingest import CycleReport

log = logging.getLogger(__name__)

Service = Callable[[asyncio.Event], Coroutine[object, object, None]]


@dataclass
class App:
    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def build(cls, settings: Settings, *, clock: Clock | None = None) -> App:
        engine = create_engine(settings.database.url)
        return cls(settings=settings, engine=engine, clock=clock or SystemClock())

    def migrate(self) -> None:
        upgrade(self.engine)

    def services(self) -> list[Service]:
        """The long-running loops ``sokbo run`` starts; each stops when the event is set."""
        return [self.poll_service]

    # --- ingest (issue 2) ---------------------------------------------------------------

    async def poll_service(self, stop: asyncio.Event) -> None:
        """Poll due feeds until stopped; each cycle's report goes to :meth:`after_poll`."""
        from bot.ingest import default_contact_extractor, run_polling

        await run_polling(
            self.engine,
            self.settings.feeds,
            self.clock,
            stop,
            self.after_poll,
            extract_contacts=default_contact_extractor(),
        )

    async def poll_once(self, *, all_feeds: bool = True) -> CycleReport:
        """One cycle now (``sokbo poll --once``): every enabled feed, or only the due ones."""
        from bot.feeds.fetch import Fetcher
        from bot.ingest import default_contact_extractor, poll_cycle
        from bot.store.feeds import list_feeds, sync_sources

        sync_sources(self.engine, self.settings.feeds.sources, self.clock.now())
        feeds = list_feeds(self.engine, include_disabled=False) if all_feeds else None
        async with Fetcher(self.settings.feeds) as fetcher:
            return await poll_cycle(
                self.engine,
                fetcher,
                self.settings.feeds,
                self.clock,
                feeds=feeds,
                extract_contacts=default_contact_extractor(),
            )

    async def after_poll(self, report: CycleReport) -> None:
        """What happens to new articles. Placeholder until the pipeline (issue 4) replaces it:
        print each new article's title and first sentences through the console adapter."""
        from bot.adapters.console import ConsoleAdapter
        from bot.ingest import placeholder_alert
        from bot.types import ChatRef

        console = ConsoleAdapter()
        for article in report.new:
            alert = placeholder_alert(article, report.feed_name(article.feed_id))
            await console.send(ChatRef("console", "console"), alert)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Run every service until ``stop`` is set (or SIGINT/SIGTERM)."""
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
