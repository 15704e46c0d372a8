"""The database edge: engines, migrations and queries per concern (SQLAlchemy 2 Core).

SQLite by default (one file, WAL) and PostgreSQL by URL. Calls are synchronous and short;
async callers run them directly (SQLite) or in a thread where they may block.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.errors import ConfigError


def create_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine; for SQLite create the file's folder and turn on WAL and foreign keys."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as e:
        raise ConfigError(f"config key 'database.url' = {url!r}: not a database URL") from e
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = sa.create_engine(parsed, **kwargs)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            f"config key 'database.url' = {url!r}: only sqlite:/// and postgresql:// are supported"
        )
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(parsed, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def to_db(when: datetime) -> datetime:
    """Aware UTC for storage (SQLite keeps no zone, so everything is written in UTC)."""
    if when.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return when.astimezone(UTC)


def from_db(when: datetime | None) -> datetime | None:
    """Aware UTC from either engine (SQLite gives naive values, which are UTC by construction)."""
    return None if when is None else from_db_required(when)


def from_db_required(when: datetime) -> datetime:
    """:func:`from_db` for a NOT NULL column: there is always a value, no "now" to fall back on."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
