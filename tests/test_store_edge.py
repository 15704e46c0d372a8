"""One face for the store: every SQL statement lives in bot/store/, and bot/store/ does not
reach up into the modules that use it.

A scan of the source (no import): outside bot/store/ a module may hold an Engine or a
Connection, open a transaction and catch ``sqlalchemy.exc`` errors, but it builds no statement
(``select``, ``text``, ``func``, … or a table's columns) and executes none.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
STORE = BOT / "store"

# What a module outside the store may take from SQLAlchemy: types to hold and errors to catch.
ALLOWED_SA = frozenset({"exc", "engine", "Engine", "Connection", "Row", "RowMapping"})
EXECUTES = frozenset({"execute", "exec_driver_sql", "executemany", "executescript"})
# Packages bot/store/ must not import: they sit above it (they call the store).
ABOVE_STORE = (
    "bot.adapters",
    "bot.app",
    "bot.cli",
    "bot.cli_commands",
    "bot.commands",
    "bot.outbox",
    "bot.pipeline",
    "bot.render",
    "bot.schedule",
    "bot.search",
    "bot.web",
)


def _modules(root: Path) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        yield str(path.relative_to(BOT.parent)), ast.parse(path.read_text(), str(path))


def _sa_names(tree: ast.Module) -> set[str]:
    """The local names bound to the sqlalchemy package (``import sqlalchemy as sa``)."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == "sqlalchemy"
    }


def sql_outside_store(path: str, tree: ast.Module) -> list[str]:
    """Where ``tree`` builds or executes SQL, as ``path:line what``."""
    found: list[tuple[int, str]] = []
    sa_names = _sa_names(tree)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
            if module == "bot.store.schema":
                found.append((line, "imports the tables (bot.store.schema)"))
            elif module == "sqlalchemy" or module.startswith("sqlalchemy."):
                names = {a.name for a in node.names}
                if not (module in ("sqlalchemy.engine", "sqlalchemy.exc") or names <= ALLOWED_SA):
                    found.append((line, f"imports {sorted(names)} from {module}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "bot.store.schema" or alias.name.startswith("sqlalchemy."):
                    found.append((line, f"imports {alias.name}"))
        elif isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in sa_names:
                if node.attr not in ALLOWED_SA:
                    found.append((line, f"uses sqlalchemy.{node.attr}"))
            elif node.attr in EXECUTES:
                found.append((line, f"calls .{node.attr}()"))
    return [f"{path}:{line} {what}" for line, what in sorted(found)]


def test_no_sql_outside_the_store() -> None:
    found = [
        line
        for path, tree in _modules(BOT)
        if not path.startswith("bot/store/")
        for line in sql_outside_store(path, tree)
    ]
    assert found == [], "SQL outside bot/store/:\n" + "\n".join(found)


def test_the_scan_sees_what_it_forbids() -> None:
    """The scan itself: each kind of statement is found, holding an engine is not."""
    source = (
        "import sqlalchemy as sa\n"
        "from sqlalchemy.engine import Engine\n"
        "from sqlalchemy import select\n"
        "from bot.store.schema import stories\n"
        "def f(engine: Engine) -> None:\n"
        "    try:\n"
        "        with engine.begin() as conn:\n"
        "            conn.execute(sa.text('SELECT 1'))\n"
        "            conn.exec_driver_sql('SELECT 1')\n"
        "            sa.func.count()\n"
        "    except sa.exc.SQLAlchemyError:\n"
        "        pass\n"
    )
    found = sql_outside_store("x.py", ast.parse(source))
    assert [line.split(" ", 1)[0] for line in found] == [
        "x.py:3",
        "x.py:4",
        "x.py:8",
        "x.py:8",
        "x.py:9",
        "x.py:10",
    ], found


def test_the_store_does_not_import_what_uses_it() -> None:
    found = []
    for path, tree in _modules(STORE):
        for node in ast.walk(tree):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            found += [
                f"{path}:{node.lineno} imports {name}"
                for name in names
                if any(name == up or name.startswith(up + ".") for up in ABOVE_STORE)
            ]
    assert found == [], "bot/store/ imports from above it:\n" + "\n".join(found)
