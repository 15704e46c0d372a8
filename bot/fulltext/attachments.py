"""Reading attachments' bytes under a time and memory limit: the I/O edge around the pure
parsers of :mod:`bot.documents.attachments`.

:class:`AttachmentParsers` keeps up to ``size`` worker processes (``python -m
bot.fulltext.worker``), each parsing one file at a time under its address-space cap; a file
that takes longer than ``timeout`` gets its worker killed (the next file starts a new one),
and a worker that died says how. A worker is replaced after ``MAX_FILES`` files so that
nothing one parse left behind lingers. The event loop only waits on pipes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys

from bot.closing import Closing
from bot.documents.attachments import AttachmentError
from bot.fulltext.worker import ANSWER, REQUEST

__all__ = ["AttachmentError", "AttachmentParsers", "read_attachment"]

MAX_FILES = 200


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.files = 0

    @classmethod
    async def start(cls, memory_mb: int) -> _Worker:
        env = {**os.environ, "SOKBO_PARSE_MEMORY_MB": str(memory_mb)}
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.fulltext.worker",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=env,
            )  # fmt: skip
        except OSError as e:
            raise AttachmentError(f"cannot start the attachment parser ({e})") from None
        return cls(process)

    async def ask(self, name: str, data: bytes) -> dict[str, str]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        encoded = name.encode("utf-8", "replace")[:1000]
        self.files += 1
        try:
            stdin.write(REQUEST.pack(len(encoded), len(data)) + encoded + data)
            await stdin.drain()
            (size,) = ANSWER.unpack(await stdout.readexactly(ANSWER.size))
            answer: dict[str, str] = json.loads(await stdout.readexactly(size))
            return answer
        except (asyncio.IncompleteReadError, ConnectionError, json.JSONDecodeError):
            raise AttachmentError(await self._death()) from None

    async def _death(self) -> str:
        """Why the worker stopped, in words (its exit status and last stderr line)."""
        await self.stop()
        err = b""
        if self.process.stderr is not None:
            with contextlib.suppress(Exception):
                err = await asyncio.wait_for(self.process.stderr.read(), 1)
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        return f"the attachment parser stopped (exit {self.process.returncode}: {tail[0][:200]})"

    async def stop(self) -> None:
        if self.process.returncode is None:
            if self.process.stdin is not None:
                self.process.stdin.close()
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        await self.process.wait()


class AttachmentParsers(Closing):
    """Use as ``async with AttachmentParsers(size, timeout, memory_mb) as p``; then
    ``await p.read(data, filename)``."""

    def __init__(self, size: int = 1, *, timeout: float = 20, memory_mb: int = 1024) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._idle: asyncio.Queue[_Worker | None] = asyncio.Queue()
        for _ in range(max(1, size)):
            self._idle.put_nowait(None)  # a slot; its process starts on first use
        self._all: list[_Worker] = []

    async def aclose(self) -> None:
        for worker in self._all:
            await worker.stop()
        self._all.clear()

    async def read(self, data: bytes, filename: str = "") -> str:
        """The attachment's text as markdown; raises AttachmentError with a plain reason."""
        worker = await self._idle.get()
        try:
            if worker is None or worker.process.returncode is not None:
                worker = await _Worker.start(self.memory_mb)
                self._all.append(worker)
            try:
                async with asyncio.timeout(self.timeout):
                    answer = await worker.ask(filename.replace("\n", " "), data)
            except TimeoutError:
                await self._retire(worker)
                worker = None
                raise AttachmentError(
                    f"parsing took longer than {self.timeout:g} s (stopped)"
                ) from None
            except AttachmentError:
                await self._retire(worker)
                worker = None
                raise
            if worker.files >= MAX_FILES:
                await self._retire(worker)
                worker = None
        finally:
            self._idle.put_nowait(worker)
        if "error" in answer:
            raise AttachmentError(str(answer["error"]))
        return str(answer.get("text", ""))

    async def _retire(self, worker: _Worker) -> None:
        await worker.stop()
        with contextlib.suppress(ValueError):
            self._all.remove(worker)


async def read_attachment(
    data: bytes, filename: str = "", *, timeout: float = 20, memory_mb: int = 1024
) -> str:
    """One attachment in a worker of its own (for a caller without a pool)."""
    async with AttachmentParsers(1, timeout=timeout, memory_mb=memory_mb) as parsers:
        return await parsers.read(data, filename)
