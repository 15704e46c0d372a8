"""The web side's listener: one aiohttp site on ``[web] listen:port`` until stopped."""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger(__name__)

MAX_LINE = 128 * 1024


class WebServer:
    """Listens on ``[web] listen:port`` until stopped."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Start listening; returns the bound port."""
        # Long request lines reach the handlers (a 10,000-character Korean query is ~90 KB
        # encoded), which answer in Korean instead of aiohttp's bare 400.
        self._runner = web.AppRunner(self.app, access_log=None, max_line_size=MAX_LINE)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=256)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("web: serving the archive at http://%s:%d/", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
