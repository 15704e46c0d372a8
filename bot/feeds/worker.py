"""Feed parsing in worker processes, so a busy cycle parses on another core than the fetching.

feedparser is pure Python (~7 ms for a 20-item document): parsed in threads it competes with
the event loop for the GIL. A worker is ``python -m bot.feeds.worker``; it imports only
bot.feeds.parse (feedparser and the standard library, ~23 MB), not the poller's modules, which
multiprocessing's spawn/forkserver would re-import through ``__main__``. Documents go over its
stdin and parsed feeds come back over its stdout, length-prefixed pickles. If a worker dies,
its documents and every later one are parsed in a thread instead: nothing is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import pickle
import struct
import sys
import time
from typing import TYPE_CHECKING, Any, Unpack

from bot.feeds.parse import ParsedFeed, ParseOptions, parse_feed

if TYPE_CHECKING:  # the worker process imports only the parser
    from bot.feeds.timeline import Timeline

log = logging.getLogger(__name__)

_HEADER = struct.Struct("!I")
IN_FLIGHT = 2  # documents handed to one worker at a time: the pipe, not memory, holds the rest


class WorkerGone(Exception):
    """The worker process exited or broke its pipe."""


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process, timeline: Timeline | None) -> None:
        self.process = process
        self.timeline = timeline
        self.up = timeline.now() if timeline is not None else 0.0
        self.pending: dict[int, asyncio.Future[ParsedFeed]] = {}
        self.alive = True
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                (size,) = _HEADER.unpack(await stdout.readexactly(_HEADER.size))
                job, result, busy = pickle.loads(await stdout.readexactly(size))
                if self.timeline is not None:
                    self.timeline.parse_busy += busy
                future = self.pending.pop(job, None)
                if future is not None and not future.done():
                    if isinstance(result, str):
                        future.set_exception(RuntimeError(result))
                    else:
                        future.set_result(result)
        except (asyncio.IncompleteReadError, ConnectionError, pickle.UnpicklingError, EOFError):
            pass
        finally:
            self.alive = False
            if self.timeline is not None:
                self.timeline.parse_workers.append((self.up, self.timeline.now()))
            for future in self.pending.values():
                if not future.done():
                    future.set_exception(WorkerGone())
            self.pending.clear()


class ParseWorkers:
    """``size`` worker processes parsing documents; use as ``async with ParseWorkers(n) as w``.

    With ``size`` 0, or once every worker has died, documents are parsed in threads instead.
    (Parsing in a thread as well while the workers are busy was slower: the poller process,
    busy with HTTP and the database, is then the bottleneck.)
    """

    def __init__(self, size: int, timeline: Timeline | None = None) -> None:
        self.size = size
        self.timeline = timeline
        self._workers: list[_Worker] = []
        self._slots = asyncio.Semaphore(max(1, size) * IN_FLIGHT)
        self._next_job = 0

    async def __aenter__(self) -> ParseWorkers:
        for _ in range(self.size):
            try:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot.feeds.worker",
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
            except OSError as e:  # parsing still happens, in a thread
                log.warning("cannot start a parse worker (%s); parsing in threads", e)
                break
            self._workers.append(_Worker(process, self.timeline))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for worker in self._workers:
            stdin = worker.process.stdin
            if stdin is not None:
                stdin.close()
        for worker in self._workers:
            try:
                await asyncio.wait_for(worker.process.wait(), timeout=5)
            except TimeoutError:
                worker.process.kill()
                await worker.process.wait()
            with contextlib.suppress(asyncio.CancelledError):
                await worker.reader
        self._workers.clear()

    async def parse(self, body: bytes, **options: Unpack[ParseOptions]) -> ParsedFeed:
        """:func:`parse_feed` in the least busy live worker, else in a thread."""
        kwargs: dict[str, Any] = {**options, "headers": dict(options.get("headers") or {})}
        async with self._slots:
            live = [w for w in self._workers if w.alive]
            if live:
                worker = min(live, key=lambda w: len(w.pending))
                try:
                    return await self._send(worker, body, kwargs)
                except WorkerGone:
                    log.warning("parse worker %d exited; parsing in threads", worker.process.pid)
            if not any(w.alive for w in self._workers):
                self._slots = asyncio.Semaphore(IN_FLIGHT)  # threads only from now on
            return await asyncio.to_thread(parse_feed, body, **kwargs)

    async def _send(self, worker: _Worker, body: bytes, kwargs: dict[str, Any]) -> ParsedFeed:
        stdin = worker.process.stdin
        assert stdin is not None
        self._next_job += 1
        job = self._next_job
        future: asyncio.Future[ParsedFeed] = asyncio.get_running_loop().create_future()
        worker.pending[job] = future
        data = pickle.dumps((job, body, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            stdin.write(_HEADER.pack(len(data)) + data)
            await stdin.drain()
        except (ConnectionError, RuntimeError) as e:
            worker.alive = False
            worker.pending.pop(job, None)
            raise WorkerGone() from e
        return await future


PIPE_SIZE = 1 << 20  # Linux's default limit for an unprivileged process (fs.pipe-max-size)


def _widen_pipes() -> None:
    """Let whole documents (and results) sit in the pipes: with the default 64 KB the worker,
    done with one document, waited mid-read for the busy event loop to write the rest."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if set_size is None:
        return
    for stream in (sys.stdin, sys.stdout):
        with contextlib.suppress(OSError, ValueError):  # a smaller pipe is slower, not wrong
            fcntl.fcntl(stream.fileno(), set_size, PIPE_SIZE)


def main() -> None:
    """The worker loop: read a document, parse it, write the result, until stdin closes."""
    _widen_pipes()
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but results may reach the result pipe
    while header := source.read(_HEADER.size):
        if len(header) < _HEADER.size:
            return
        (size,) = _HEADER.unpack(header)
        job, body, kwargs = pickle.loads(source.read(size))
        result: ParsedFeed | str
        began = time.perf_counter()
        try:
            result = parse_feed(body, **kwargs)
        except Exception as e:  # parse_feed does not raise for bad input; this is a bug
            result = f"{type(e).__name__}: {e}"
        busy = time.perf_counter() - began  # for the cycle's timeline: the worker's idle time
        data = pickle.dumps((job, result, busy), protocol=pickle.HIGHEST_PROTOCOL)
        sink.write(_HEADER.pack(len(data)) + data)
        sink.flush()


if __name__ == "__main__":
    main()
