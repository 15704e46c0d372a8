"""python-telegram-bot's network layer on aiohttp (a :class:`telegram.request.BaseRequest`).

Why: PTB's default ``HTTPXRequest`` spends most of a fan-out's CPU in httpcore's connection
pool bookkeeping (every request scans every pooled connection), several times what the send
itself costs. PTB keeps all networking behind ``BaseRequest``, so we swap the class instead of
patching the library: this one keeps a pool of keep-alive connections in one
``aiohttp.ClientSession`` and answers ``(status, body)``; PTB still builds the request, parses
the answer and raises its own errors (``RetryAfter``, ``Forbidden``, ``ChatMigrated``, ...).

Transport failures become PTB's errors, as ``HTTPXRequest`` does it, with the aiohttp error
as ``__cause__`` (the Telegram adapter reads it to tell "never sent" from "maybe sent"):

- waiting for a pooled connection, connecting, or reading the answer too long → ``TimedOut``
- anything else on the wire (refused, reset, server went away) → ``NetworkError``

- no free pooled connection within the pool timeout → ``TimedOut`` caused by
  :class:`PoolTimeout` (certainly not sent)

aiohttp has no per-write timeout: connect + write + read bound the whole exchange instead,
so a peer that stops reading cannot stall a send forever.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

FORM = "application/x-www-form-urlencoded"
KEEPALIVE = 4.0  # seconds an idle pooled connection is kept


class PoolTimeout(TimeoutError):
    """No pooled connection became free within the pool timeout: nothing was sent."""


def _seconds(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    """One pooled aiohttp session per instance; use one instance per :class:`telegram.Bot`."""

    __slots__ = (
        "_connect_timeout",
        "_deadline",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_slots",
        "_write_timeout",
    )

    def __init__(
        self,
        *,
        connection_pool_size: int = 64,
        connect_timeout: float | None = 5.0,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        deadline: float = 120.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._deadline = deadline  # the whole call's bound when a caller unsets a part
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(connection_pool_size)  # aiohttp's own pool wait has
        # no timeout of its own (it counts against connect), so requests queue here first

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._slots = asyncio.Semaphore(self._pool_size)
            connector = aiohttp.TCPConnector(
                limit=self._pool_size,
                limit_per_host=self._pool_size,
                # below common server idle timeouts (node 5 s): never reuse a connection the
                # server may be closing, which fails as "maybe sent" and costs a retry
                keepalive_timeout=KEEPALIVE,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                skip_auto_headers=("Accept-Encoding",),  # Bot API answers are small JSON
                auto_decompress=False,
                raise_for_status=False,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See :meth:`telegram.request.BaseRequest.do_request`."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        read = _seconds(read_timeout, self._read_timeout)
        connect = _seconds(connect_timeout, self._connect_timeout)
        pool = _seconds(pool_timeout, self._pool_timeout)
        write = _seconds(write_timeout, self._media_write_timeout if files else self._write_timeout)
        parts = (connect, write, read)
        # Every call has a total deadline, the body included: a server trickling a byte at a
        # time never trips a read timeout. A part the caller left unbounded takes the ceiling.
        known = [p for p in parts if p is not None]
        total = sum(known) if len(known) == len(parts) else max(self._deadline, sum(known))
        timeout = aiohttp.ClientTimeout(total=total, connect=connect, sock_read=read)
        body: Any = None
        headers: dict[str, str] | None = None
        if files:
            form = aiohttp.FormData(quote_fields=False)
            for name, value in (request_data.json_parameters if request_data else {}).items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = form
        elif request_data is not None and request_data.parameters:
            body = request_data.url_encoded_parameters().encode()
            headers = {"Content-Type": FORM}
        if self._slots.locked():
            try:
                await asyncio.wait_for(self._slots.acquire(), pool)
            except TimeoutError:
                raise TimedOut(
                    "Pool timeout: all connections in the pool are busy; the request was *not*"
                    " sent to Telegram"
                ) from PoolTimeout()
        else:
            await self._slots.acquire()
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            raise TimedOut("Connect timeout: the request was *not* sent to Telegram") from err
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise TimedOut from err
        except (aiohttp.ClientError, OSError) as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
        finally:
            self._slots.release()
