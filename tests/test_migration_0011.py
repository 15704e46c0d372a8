"""Migration 0011 (revisions, withdrawals, corrections) on a database that already holds
data: everything stored before is still there, the new columns read as "no revision, not
withdrawn", and the search triggers on articles still fire (SQLite must not have rebuilt the
table). Both engines."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.store import create_engine
from bot.store.migrate import upgrade
from tests.conftest import _pg_admin, _pg_url

NOW = datetime(2026, 4, 13, 7, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    name = f"sokbo_m_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(_pg_url(name))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_an_existing_database_upgrades_with_nothing_lost(empty: Engine) -> None:
    upgrade(empty, "0008_summary_claims")
    with empty.begin() as conn:
        run = conn.execute
        run(
            sa.text("INSERT INTO feeds (id, name, url, created_at) VALUES (1, 'f', 'u', :t)"),
            {"t": NOW},
        )
        run(
            sa.text(
                "INSERT INTO stories (id, title, url, canonical_url, norm_title, content_hash,"
                " first_seen_at, published_at, summary) VALUES (1, '제목', 'u1', 'u1', 'n', 'h',"
                " :t, :t, '{}')"
            ),
            {"t": NOW},
        )
        run(
            sa.text(
                "INSERT INTO articles (id, feed_id, guid, url, title, text, published_at,"
                " fetched_at, content_hash, contacts, story_id) VALUES (1, 1, 'g', 'u1', '제목',"
                " '본문 044-202-4745', :t, :t, 'h', '[]', 1)"
            ),
            {"t": NOW},
        )
        run(
            sa.text(
                "INSERT INTO chats (id, platform, chat_id, created_at)"
                " VALUES (1, 'telegram', '5', :t)"
            ),
            {"t": NOW},
        )
        run(
            sa.text(
                "INSERT INTO deliveries (chat_id, story_id, state, next_attempt_at, created_at)"
                " VALUES (1, 1, 'sent', :t, :t)"
            ),
            {"t": NOW},
        )
    applied = [m.revision for m in upgrade(empty)]
    assert "0011_revisions" in applied
    with empty.begin() as conn:
        row = conn.execute(
            sa.text("SELECT text, revision, withdrawn_at, attachments, story_id FROM articles")
        ).one()
        assert tuple(row) == ("본문 044-202-4745", 0, None, None, 1)
        assert conn.execute(sa.text("SELECT withdrawn_at, summary FROM stories")).one() == (
            None,
            "{}",
        )
        assert conn.execute(
            sa.text("SELECT story_id, state, correction_id FROM deliveries")
        ).one() == (1, "sent", None)
        before = conn.scalar(sa.text("SELECT count(*) FROM search_queue"))
        conn.execute(sa.text("UPDATE articles SET text = '새 본문' WHERE id = 1"))
        assert conn.scalar(sa.text("SELECT count(*) FROM search_queue")) == before + 1
