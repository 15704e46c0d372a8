"""A real HTTP server on 127.0.0.1 for feed tests: scripted routes, ETag/304, gzip, redirects,
Retry-After, slow and silent answers. Runs in a thread; use as a context manager."""

from __future__ import annotations

import gzip as gzip_module
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.config import FeedSettings
from bot.feeds.fetch import Fetcher
from bot.feeds.poll import CycleReport, poll_cycle
from bot.store import feeds as feed_store


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    gzip: bool = False
    delay: float = 0.0
    hang: bool = False  # accept the request and never answer
    location: str | None = None  # redirect target (path or URL)
    trickle: float = 0.0  # seconds between 1 KB chunks of the body (slow but never silent)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up early (size cap, timeouts) are expected here."""


class LoopbackServer:
    """An HTTP server on 127.0.0.1 answering from a daemon thread; use as a context manager.
    A subclass builds its handler and calls :meth:`_serve` from ``__init__``."""

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class FeedServer(LoopbackServer):
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.peers: list[tuple[str, int]] = []  # client address of each request (connection reuse)
        self._release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append((self.path, headers))
                server.peers.append(self.client_address)
                route = server.routes.get(self.path)
                if route is None:
                    self._send(404, b"not found", {"Content-Type": "text/plain"})
                    return
                if route.hang:
                    server._release.wait(30)
                    return
                if route.delay:
                    time.sleep(route.delay)
                extra = dict(route.headers)
                if route.location is not None:
                    extra["Location"] = route.location
                    self._send(route.status if route.status in (301, 302, 307, 308) else 302,
                               b"", extra)  # fmt: skip
                    return
                if route.etag is not None:
                    extra["ETag"] = route.etag
                    if headers.get("if-none-match") == route.etag:
                        self._send(304, b"", extra)
                        return
                body = route.body
                if route.gzip and "gzip" in headers.get("accept-encoding", ""):
                    body = gzip_module.compress(body)
                    extra["Content-Encoding"] = "gzip"
                extra.setdefault("Content-Type", "application/rss+xml; charset=utf-8")
                self._send(route.status, body, extra, route.trickle)

            def _send(
                self, status: int, body: bytes, headers: dict[str, str], trickle: float = 0.0
            ) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body and trickle:
                    for at in range(0, len(body), 1024):
                        self.wfile.write(body[at : at + 1024])
                        self.wfile.flush()
                        time.sleep(trickle)
                elif body:
                    self.wfile.write(body)

        self._serve(Handler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes | str = b"", **options: object) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **options)  # type: ignore[arg-type]
        return self.url(path)

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]

    def close(self) -> None:
        self._release.set()  # answers held back are let go first
        super().close()


def rss(items: list[dict[str, str]], *, title: str = "테스트 피드", encoding: str = "utf-8") -> str:
    """A small RSS 2.0 document; item keys: title, link, guid, description, content, pubDate."""
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel><title>{title}</title><link>http://example.kr/</link>",
    ]
    for item in items:
        parts.append("<item>")
        for key in ("title", "link", "guid", "pubDate"):
            if key in item:
                parts.append(f"<{key}>{item[key]}</{key}>")
        if "description" in item:
            parts.append(f"<description><![CDATA[{item['description']}]]></description>")
        if "content" in item:
            parts.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts)


async def poll_sources(engine: Engine, settings: FeedSettings, clock: FixedClock) -> CycleReport:
    """One poll cycle over ``settings.sources`` (synced into the store first), as `poll --once`."""
    feed_store.sync_sources(engine, settings.sources, clock.now())
    async with Fetcher(settings) as fetcher:
        return await poll_cycle(engine, fetcher, settings, clock)
