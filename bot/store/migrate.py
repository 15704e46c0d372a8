"""Apply Alembic migrations programmatically (``sokbo db upgrade``; also run by ``sokbo run``)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError as AlembicCommandError
from sqlalchemy.engine import Engine

from bot.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``; safe to call on every start."""
    try:
        command.upgrade(alembic_config(engine), revision)
    except AlembicCommandError as e:
        raise StoreError(
            f"cannot migrate the database: {e} (was it created by a newer version of sokbo?)"
        ) from e
    except sa.exc.OperationalError as e:
        reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot reach the database {url}: {reason}") from e
