"""Database errors in words: what is stored as a feed's last error or shown to a person.

SQLAlchemy's messages carry the statement and its parameters (``[SQL: INSERT …]
[parameters: …]``): that is for logs, never for ``sokbo feeds list``, ``/status`` or a chat.
"""

from __future__ import annotations

import sqlalchemy as sa

MAX_WORDS = 200


def in_words(error: BaseException) -> str:
    """One line saying what the database (or the code around it) refused, without SQL."""
    if isinstance(error, sa.exc.OperationalError):
        return f"database unavailable: {_first_line(error.orig or error)}"
    if isinstance(error, sa.exc.IntegrityError):
        return f"database refused a duplicate or missing reference: {_first_line(error.orig)}"
    if isinstance(error, sa.exc.DBAPIError):
        return f"database refused the data: {_first_line(error.orig or error)}"
    if isinstance(error, sa.exc.StatementError):  # raised before the database saw it
        return f"database refused the data: {_first_line(error.orig or error)}"
    if isinstance(error, sa.exc.SQLAlchemyError):
        return f"database error: {_first_line(error)}"
    return f"{type(error).__name__}: {_first_line(error)}"


def _first_line(error: object) -> str:
    text = str(error)
    text = text.split("[SQL:", 1)[0].split("(Background on this error", 1)[0]
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    line = lines[0] if lines else type(error).__name__
    line = line.removeprefix("(").strip()
    if line.startswith(("psycopg.", "sqlite3.")) and ")" in line:  # "(psycopg.errors.X) msg"
        line = line.split(")", 1)[1].strip() or line
    return line[:MAX_WORDS]
