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

from sqlalchemy.engine import Engine

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.store import create_engine
from bot.store.migrate import upgrade

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
        return []

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
