"""Apply Alembic migrations programmatically (``sokbo db upgrade``; also run by ``sokbo run``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError as AlembicCommandError
from sqlalchemy.engine import Engine

from bot.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


@dataclass(frozen=True, slots=True)
class Migration:
    """One applied migration: its revision id and the first line of its docstring."""

    revision: str
    title: str


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """The revisions the database is at (empty for a new database)."""
    with engine.connect() as conn:
        return tuple(MigrationContext.configure(conn).get_current_heads())


def _between(script: ScriptDirectory, before: tuple[str, ...], after: tuple[str, ...]) -> list[str]:
    """Revisions reachable from ``after`` going down, stopping at ``before``: oldest first."""
    found: list[str] = []
    todo = list(after)
    while todo:
        rev_id = todo.pop()
        if rev_id in before or rev_id in found:
            continue
        found.append(rev_id)
        rev = script.get_revision(rev_id)
        if rev is None:
            continue
        down = rev.down_revision
        todo.extend([down] if isinstance(down, str) else list(down or ()))
    order = {rev.revision: i for i, rev in enumerate(reversed(list(script.walk_revisions())))}
    return sorted(found, key=lambda r: order.get(r, 0))


def upgrade(engine: Engine, revision: str = "head") -> list[Migration]:
    """Bring the schema up to ``revision``; safe to call on every start. Returns what was
    applied, oldest first (``sokbo db upgrade`` says so)."""
    config = alembic_config(engine)
    try:
        before = current_revisions(engine)
        command.upgrade(config, revision)
        after = current_revisions(engine)
    except AlembicCommandError as e:
        raise StoreError(
            f"cannot migrate the database: {e} (was it created by a newer version of sokbo?)"
        ) from e
    except sa.exc.OperationalError as e:
        reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot reach the database {url}: {reason}") from e
    if before == after:
        return []
    script = ScriptDirectory.from_config(config)
    applied = []
    for rev_id in _between(script, before, after):
        rev = script.get_revision(rev_id)
        title = (rev.doc or "").strip().splitlines()[0] if rev is not None and rev.doc else ""
        applied.append(Migration(rev_id, title))
    return applied
