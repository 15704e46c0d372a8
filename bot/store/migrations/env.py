"""Alembic environment: the engine is handed over by bot.store.migrate, never read from a file."""

from __future__ import annotations

from alembic import context

from bot.store.schema import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
