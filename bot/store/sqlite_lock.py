"""One writer per SQLite file: file locks beside the database, none on PostgreSQL.

SQLite serializes writes but the bot's pipeline is not built for two processes sharing one
file (PostgreSQL has claims and advisory locks for that): two ``sokbo run`` on one file
both polled, raced in the search index (an IntegrityError) and left an empty story row.

- :class:`RunLock` is held by ``sokbo run`` for its whole life; a second one on the same
  file is refused at once, naming the holder's pid.
- :class:`PipelineLock` is held around each pipeline pass (stories, digests, search index,
  matching), so ``sokbo poll --once`` beside a running bot waits for the bot's pass to end
  and then runs its own instead of racing it.

The locks are ``flock`` on ``<database>.sokbo-run.lock`` / ``.sokbo-pipeline.lock``: the
kernel drops them when a process dies, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from bot.errors import SokboError


class AlreadyRunning(SokboError):
    """Another ``sokbo run`` holds this SQLite file."""

    def __init__(self, database: Path, pid: str) -> None:
        self.database, self.pid = database, pid
        holder = f"pid {pid}" if pid else "다른 프로세스"
        super().__init__(
            f"이 SQLite 데이터베이스({database})는 이미 다른 sokbo run({holder})이 쓰고 있어요. "
            "SQLite 파일 하나에는 sokbo run 하나만 돌릴 수 있어요. 여러 개를 함께 돌리려면 "
            "[database] url을 PostgreSQL로 바꿔 주세요."
        )


def database_file(url: str) -> Path | None:
    """The SQLite file a database URL names; None for PostgreSQL and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database or ""
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).resolve()


def _open(path: Path) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("a+", encoding="utf-8")


class RunLock:
    """Held by ``sokbo run`` from start to stop (a no-op away from SQLite files)."""

    def __init__(self, url: str) -> None:
        self.database = database_file(url)
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`AlreadyRunning` at once (never waits)."""
        if self.database is None or self._handle is not None:
            return
        handle = _open(self.database.with_name(self.database.name + ".sokbo-run.lock"))
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip()[:20]
            handle.close()
            raise AlreadyRunning(self.database, pid) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


class PipelineLock:
    """One pipeline pass at a time per SQLite file, across processes and within this one."""

    def __init__(self, url: str) -> None:
        self.database = database_file(url)
        self._local = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        async with self._local:
            if self.database is None:
                yield
                return
            handle = _open(self.database.with_name(self.database.name + ".sokbo-pipeline.lock"))
            try:
                await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
                yield
            finally:
                handle.close()  # closing the file releases the lock
