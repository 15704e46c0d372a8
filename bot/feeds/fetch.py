"""Fetching feeds over HTTP(S) and file://, with every limit a long-running poller needs.

Bounded concurrency, connect/read/total timeouts, a redirect limit that also names loops, a
streamed size cap (the download stops past it), gzip/deflate, conditional GET (a 304 costs no
parse) and Retry-After. Sites' habits are handled for any feed: a 405 whose ``Allow`` names
POST is asked again with POST (the method is handed back to be remembered for the feed), and
cookies set during a fetch — a 307 to itself with a cookie gate — are sent for the rest of it
and handed back to be sent with the next. Every failure becomes a
:class:`~bot.errors.FetchError` whose message is one plain English line for logs and
``sokbo feeds list``.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import ipaddress
import json
import os
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from bot.closing import Closing
from bot.config import FeedSettings
from bot.errors import FetchError


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched document (``not_modified`` means 304: nothing to parse)."""

    url: str  # after redirects
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    method: str = "GET"  # the method that worked: keep asking with it
    cookies: str | None = None  # JSON of the cookies to send with the next fetch

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher(Closing):
    """HTTP clients and a semaphore; use as ``async with Fetcher(settings) as f``.

    httpcore rescans its whole connection pool, pairwise, on every request and every response,
    so one pool of 16 connections spent more CPU than the requests themselves (2,000 loopback
    requests: 3.3 s CPU). Each of the ``concurrency`` clients therefore keeps a single
    connection, and a fetch borrows an idle one, preferring one already connected to the same
    host (1.2 s CPU for the same requests). The semaphore makes an idle client always available.
    Clients are made when first needed (~8 ms of CPU each): a fetcher that is rarely used (the
    full-text pages and files) costs nothing until it fetches.
    """

    def __init__(
        self, settings: FeedSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self._semaphore = asyncio.Semaphore(settings.concurrency)
        self._transport = transport
        self._size = 1 if transport is not None else settings.concurrency
        self._clients: list[httpx.AsyncClient] = []  # made when first needed, up to _size
        self._idle: list[httpx.AsyncClient] = []
        self._host: dict[int, str] = {}  # id(client) → the origin its connection last served
        # (host, port) → (when looked up, its addresses): see _resolve
        self._resolved: dict[tuple[str, int], tuple[float, asyncio.Future[list[IPAddress]]]] = {}

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()

    def _borrow(self, url: str) -> httpx.AsyncClient:
        """An idle client, best one whose kept-alive connection already goes to ``url``'s host;
        a new one when none is idle (the semaphore keeps them to ``concurrency``)."""
        origin = _origin(url)
        if self._size == 1:
            if not self._clients:
                self._clients.append(_client(self.settings, _tls(), self._transport))
            return self._clients[0]
        for n, client in enumerate(self._idle):
            if self._host.get(id(client)) == origin:
                return self._idle.pop(n)
        if self._idle:
            client = self._idle.pop(0)  # the least recently used
        else:
            client = _client(self.settings, _tls(), self._transport)
            self._clients.append(client)
        self._host[id(client)] = origin
        return client

    def _give_back(self, client: httpx.AsyncClient) -> None:
        if self._size > 1:
            self._idle.append(client)

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        method: str | None = None,
        cookies: str | None = None,
    ) -> FetchResult:
        """Fetch ``url``; raises FetchError with a one-line reason. Waits for a free slot first.

        ``method`` and ``cookies`` are what the previous fetch of this feed handed back."""
        async with self._semaphore:
            total = self.settings.total_timeout
            try:
                async with asyncio.timeout(total):
                    if url.startswith("file://"):
                        return await asyncio.to_thread(
                            _read_file, url, self.settings.max_bytes, last_modified
                        )
                    return await self._fetch_http(
                        url, etag, last_modified, method or "GET", cookies
                    )
            except TimeoutError:
                raise FetchError(f"timed out after {_seconds(total)} (total)") from None

    async def _fetch_http(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        method: str,
        cookies: str | None,
    ) -> FetchResult:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        client = self._borrow(url)
        jar = load_cookies(cookies)
        try:
            result = await self._follow(client, url, headers, method, jar)
        finally:
            self._give_back(client)
        return replace(result, cookies=dump_cookies(jar))

    async def _follow(
        self,
        client: httpx.AsyncClient,
        url: str,
        headers: dict[str, str],
        method: str,
        jar: httpx.Cookies,
    ) -> FetchResult:
        seen = [(method, url)]
        current = url
        switched = False  # GET ⇄ POST once per fetch: a site cannot make it loop
        for _ in range(self.settings.max_redirects + 2):
            request = client.build_request(
                method, current, headers=headers, content=b"" if method == "POST" else None
            )
            jar.set_cookie_header(request)
            try:
                response = await client.send(request, stream=True)
                try:
                    jar.extract_cookies(response)  # also from a redirect: a cookie gate's 307
                    if response.is_redirect and "location" in response.headers:
                        target = urljoin(current, response.headers["location"])
                        if response.status_code in (301, 302, 303):
                            method = "GET"  # what browsers do; 307 and 308 keep the method
                        if (method, target) in seen and target != current:
                            raise FetchError(f"redirect loop ({current} → {target})")
                        if (method, target) in seen and not _sets_cookie(response):
                            raise FetchError(f"redirect loop ({current} → {target})")
                        await self._allow_redirect(url, target)
                        seen.append((method, target))
                        current = target
                        continue
                    other = _allowed_instead(response, method)
                    if other is not None and not switched:
                        switched = True
                        method = other
                        await response.aread()
                        continue
                    result = await self._read(current, response)
                    return replace(result, method=method)
                finally:
                    await response.aclose()
            except httpx.HTTPError as e:
                raise FetchError(describe_http_error(e, self.settings)) from e
        raise FetchError(f"too many redirects ({self.settings.max_redirects})")

    async def check_target(self, trusted: str, target: str) -> None:
        """Whether an address found from ``trusted`` (a redirect, a page's feed link, a feed
        item's link, an attachment on its page) may be fetched: the redirect policy below,
        with ``trusted`` the configured URL it came from. Raises FetchError saying why not."""
        await self._allow_redirect(trusted, target)

    async def _allow_redirect(self, first: str, target: str) -> None:
        """The redirect policy: the configured URL is trusted as it is; a redirect may lead to
        its own origin, or to an http(s) host whose every address is public — unless
        ``allow_private_hosts``. Raises FetchError saying why not."""
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"redirect to a non-HTTP address refused ({target[:200]})")
        if self.settings.allow_private_hosts or _origin(target) == _origin(first):
            return
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            found = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                async with asyncio.timeout(self.settings.connect_timeout):
                    found = await asyncio.shield(self._resolve(host, port))
            except (OSError, TimeoutError):
                raise FetchError(f"redirect to an unknown host refused ({host})") from None
        for address in found:
            if not _public(address):
                where = host if host == str(address) else f"{host} is {address}"
                raise FetchError(
                    f"redirect to a private address refused ({where}); "
                    "set [feeds] allow_private_hosts = true to allow it"
                )

    def _resolve(self, host: str, port: int) -> asyncio.Future[list[IPAddress]]:
        """The host's addresses, looked up once per ``RESOLVED_FOR`` seconds and shared by every
        check meanwhile (5,000 links to one site: one lookup, not 5,000 — each lookup holds a
        thread of the default executor, which the store's writes need too). A failed lookup
        is remembered as long."""
        key = (host.lower(), port)
        now = time.monotonic()
        kept = self._resolved.get(key)
        if kept is not None and now - kept[0] < RESOLVED_FOR:
            return kept[1]
        if len(self._resolved) >= 1024:
            self._resolved.clear()
        future = asyncio.ensure_future(_addresses(host, port))
        future.add_done_callback(_seen)
        self._resolved[key] = (now, future)
        return future

    async def _read(self, url: str, response: httpx.Response) -> FetchResult:
        headers = {k.lower(): v for k, v in response.headers.items()}
        if response.status_code == 304:
            await response.aread()  # the (empty) body must be read for the connection to be reused
            return FetchResult(url, 304, headers=headers, etag=headers.get("etag"),
                               last_modified=headers.get("last-modified"))  # fmt: skip
        if response.status_code >= 400 or response.status_code < 200:
            retry_after = None
            if response.status_code in (429, 503):
                retry_after = parse_retry_after(headers.get("retry-after"), datetime.now(UTC))
            reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
            if retry_after is not None:
                reason += f" (retry after {_seconds(retry_after)})"
            raise FetchError(reason, retry_after=retry_after)
        limit = self.settings.max_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"response larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():  # decoded: a gzip bomb hits the cap too
            size += len(chunk)
            if size > limit:
                raise FetchError(f"response larger than {limit} bytes")
            chunks.append(chunk)
        return FetchResult(
            url,
            response.status_code,
            b"".join(chunks),
            headers,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
        )


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
RESOLVED_FOR = 60.0  # seconds a host's addresses (or its lookup's failure) are reused


async def _addresses(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _seen(future: asyncio.Future[list[IPAddress]]) -> None:
    """Mark a failed lookup's error as read: every waiter gets it, none may be left."""
    if not future.cancelled():
        future.exception()


def _allowed_instead(response: httpx.Response, method: str) -> str | None:
    """The method to ask with instead, when a 405 names it in ``Allow`` (GET ⇄ POST)."""
    if response.status_code != 405:
        return None
    allowed = {m.strip().upper() for m in response.headers.get("allow", "").split(",")}
    other = "POST" if method == "GET" else "GET"
    return other if other in allowed else None


def _sets_cookie(response: httpx.Response) -> bool:
    return bool(response.headers.get_list("set-cookie"))


# What a feed keeps between fetches: a few small cookies, never a site's whole jar.
MAX_COOKIES = 20
MAX_COOKIE_CHARS = 4096


def load_cookies(stored: str | None) -> httpx.Cookies:
    """The jar of one fetch, holding what the feed's previous fetch kept (JSON list)."""
    jar = httpx.Cookies()
    if not stored:
        return jar
    try:
        items = json.loads(stored)
    except ValueError:
        return jar
    if not isinstance(items, list):
        return jar
    for item in items[:MAX_COOKIES]:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            jar.set(
                item["name"],
                str(item.get("value", "")),
                domain=str(item.get("domain", "")),
                path=str(item.get("path", "/")),
            )
    return jar


def dump_cookies(jar: httpx.Cookies) -> str | None:
    """The cookies to keep for the next fetch (expired ones dropped), as JSON; None if none."""
    jar.jar.clear_expired_cookies()
    kept = [
        {"name": c.name, "value": c.value or "", "domain": c.domain, "path": c.path}
        for c in jar.jar
        if len(c.name) + len(c.value or "") <= MAX_COOKIE_CHARS
    ][:MAX_COOKIES]
    return json.dumps(kept, ensure_ascii=False) if kept else None


@functools.cache
def _tls() -> ssl.SSLContext:
    """The TLS context every client shares: the CA bundle is loaded once per process."""
    return httpx.create_ssl_context()


def _client(
    settings: FeedSettings, tls: ssl.SSLContext, transport: httpx.AsyncBaseTransport | None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        # The clients are shared by all feeds: their own jar keeps nothing; each fetch has its own.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        timeout=httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.total_timeout,
        ),
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        headers={
            "User-Agent": settings.user_agent,
            "Accept": "application/rss+xml, application/atom+xml, application/rdf+xml, "
            "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        },
        verify=tls,
        follow_redirects=False,
        transport=transport,
    )


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A globally routable address (not loopback, private, link-local, CGNAT, reserved…)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def describe_http_error(error: httpx.HTTPError, settings: FeedSettings) -> str:
    """One plain line for a transport failure (no tracebacks in `feeds list`)."""
    if isinstance(error, httpx.ConnectTimeout):
        return f"connect timed out after {_seconds(settings.connect_timeout)}"
    if isinstance(error, httpx.ReadTimeout):
        return f"timed out after {_seconds(settings.read_timeout)} waiting for data"
    if isinstance(error, httpx.TimeoutException):
        return f"timed out ({type(error).__name__})"
    if isinstance(error, httpx.UnsupportedProtocol):
        return f"unsupported URL: {error}"
    if isinstance(error, httpx.DecodingError):
        return "invalid compressed body (gzip/deflate)"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"server broke the HTTP protocol: {_first_line(error)}"
    if isinstance(error, httpx.ConnectError):
        cause = _root_cause(error)
        if isinstance(cause, ConnectionRefusedError) or "refused" in str(error).lower():
            return "connection refused"
        if isinstance(cause, ssl.SSLError) or "ssl" in str(error).lower():
            return f"TLS error: {_first_line(error)}"
        text = str(error)
        if "Name or service not known" in text or "nodename nor servname" in text:
            return f"host not found ({urlsplit(str(error.request.url)).hostname})"
        if "Temporary failure in name resolution" in text or "No address associated" in text:
            return f"host name cannot be resolved ({urlsplit(str(error.request.url)).hostname})"
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "network unreachable"
        return f"cannot connect: {_first_line(error)}"
    if isinstance(error, httpx.ReadError | httpx.WriteError):
        return f"connection broken: {_first_line(error) or 'reset by peer'}"
    return f"{type(error).__name__}: {_first_line(error)}"


def _root_cause(error: BaseException) -> BaseException:
    seen = error
    while seen.__cause__ is not None or seen.__context__ is not None:
        nxt = seen.__cause__ or seen.__context__
        assert nxt is not None
        seen = nxt
    return seen


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _seconds(value: float) -> str:
    return f"{value:g} s"


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from ``now``: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _read_file(url: str, limit: int, last_modified: str | None) -> FetchResult:
    """file:// feeds: the file's mtime plays Last-Modified, so an unchanged file is a 304."""
    parts = urlsplit(url)
    path = Path(unquote(parts.path))
    try:
        stat = path.stat()
        if not path.is_file():
            raise FetchError(f"not a file: {path}")
        modified = formatdate(stat.st_mtime, usegmt=True)
        if last_modified and last_modified == modified:
            return FetchResult(url, 304, last_modified=modified)
        if stat.st_size > limit:
            raise FetchError(f"response larger than {limit} bytes")
        with path.open("rb") as handle:
            body = handle.read(limit + 1)
    except FileNotFoundError:
        raise FetchError(f"file not found: {path}") from None
    except PermissionError:
        raise FetchError(f"permission denied: {path}") from None
    except OSError as e:
        raise FetchError(f"cannot read {path}: {os.strerror(e.errno or 0)}") from None
    if len(body) > limit:
        raise FetchError(f"response larger than {limit} bytes")
    return FetchResult(url, 200, body, {}, last_modified=modified)
