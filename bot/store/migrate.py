"""Apply Alembic migrations programmatically (``sokbo db upgrade``; also run by ``sokbo run``).

Every command migrates on start, and almost always there is nothing to do: that case is
decided from the ``alembic_version`` table and the version files' ``revision`` lines, without
importing Alembic (~11 MB and ~150 modules that a long-running ``sokbo run`` would otherwise
hold for its whole life).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default; env.py does not change it


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

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
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return tuple(MigrationContext.configure(conn).get_current_heads())


def _assigned(tree: ast.Module, name: str) -> object:
    """The literal a module assigns to ``name`` at its top level (``...`` when it does not)."""
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return ast.literal_eval(value)
    return ...


@cache
def head_revisions() -> frozenset[str]:
    """The chain's heads, from each version file's ``revision`` and ``down_revision``
    (what Alembic's ScriptDirectory reads, without importing it); empty if a file does not
    say them plainly, which sends :func:`upgrade` to Alembic."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        revision, down = _assigned(tree, "revision"), _assigned(tree, "down_revision")
        if not isinstance(revision, str):
            return frozenset()
        revisions.add(revision)
        if isinstance(down, str):
            downs.add(down)
        elif isinstance(down, tuple | list):
            downs.update(d for d in down if isinstance(d, str))
        elif down is not None:
            return frozenset()
    return frozenset(revisions - downs)


def _stored_revisions(engine: Engine) -> frozenset[str] | None:
    """The revisions in the database's version table; None when there is none or it
    cannot be read (Alembic then creates it, or says why)."""
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(VERSION_TABLE):
                return None
            rows = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))
            return frozenset(str(row[0]) for row in rows)
    except sa.exc.DBAPIError:
        return None


def is_current(engine: Engine) -> bool:
    """True when the database is at every head already: nothing to migrate."""
    heads = head_revisions()
    return bool(heads) and _stored_revisions(engine) == heads


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
    if revision == "head" and is_current(engine):
        return []
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError as AlembicCommandError

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
