"""Who schedules digests: always this instance on SQLite; with several instances on
PostgreSQL, the one holding a session-level advisory lock.

The lock lives on a dedicated connection, so it passes to another instance when the holder
dies (its session ends). bot/schedule.py asks :meth:`Leadership.hold` before every tick.
"""

from __future__ import annotations

import contextlib
import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

LOCK_KEY = 0x736F6B626F  # "sokbo"


class Leadership:
    """Who schedules: always this instance on SQLite; the advisory-lock holder on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    @property
    def needed(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def hold(self) -> bool:
        """True while this instance leads; tries to take the lock when it does not."""
        if not self.needed:
            return True
        if self._conn is not None:
            try:
                self._conn.exec_driver_sql("SELECT 1")
                return True
            except sa.exc.DBAPIError:
                log.warning("lost the scheduler lock connection")
                self.release()
        try:
            conn = self.engine.connect()
        except sa.exc.DBAPIError:
            return False
        got = bool(
            conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar()
        )
        conn.commit()
        if got:
            log.info("this instance now schedules digests (advisory lock %d)", LOCK_KEY)
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        """Give up leadership: close the session that holds the lock, so it is freed at once."""
        if self._conn is not None:
            raw = self._conn.connection.dbapi_connection
            with contextlib.suppress(sa.exc.DBAPIError):  # at once, not when the server
                self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                self._conn.commit()  # notices the closed session
            with contextlib.suppress(sa.exc.DBAPIError):
                self._conn.invalidate()  # never hand this session back to the pool
            with contextlib.suppress(Exception):
                if raw is not None:
                    raw.close()
            self._conn = None
