"""Grouping at scale (issue 20): index keys filed by week, exact keys bounded by time.

- ``grouping_keys`` gains ``week`` (whole weeks since 1970-01-01 UTC of ``published_at``) and
  its index leads with it: ``(week, key, published_at, article_id)``. A candidate look-up
  reads the weeks of the 14-day window only, so the index pages it touches (and an insert
  dirties) are those of recent weeks however long the history; the index also covers the
  look-up (no table row is read). With the key leading, a million articles' random 63-bit keys
  put nearly every probe and insert on a page of its own across the whole index.
- ``grouping_keys (article_id)``: an article grouped again drops its old rows by index, not by
  a scan of every key row (the scan was ~1 s at a million articles, in every batch).
- ``stories (norm_title, first_seen_at)`` and ``(content_hash, first_seen_at)`` replace the
  single-column indexes: a title or body matches only a story first seen within 30 days, and
  a title repeated every month for years is then read for its last 30 days only.

The table is rebuilt (new table, copy with the week computed in SQL, swap): an existing
database keeps every row. On PostgreSQL the week comes from the epoch seconds; on SQLite from
``strftime('%s')`` of the stored text cut to whole seconds (as the code computes it).

Revision ID: 0013_grouping_scale
Revises: 0012_near_duplicates
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

UtcDateTime = sa.DateTime(timezone=True)

revision = "0013_grouping_scale"
down_revision = "0012_near_duplicates"
branch_labels = None
depends_on = None

_WEEK = 7 * 86400


def _week_sql(column: str) -> str:
    """Whole weeks since the epoch, floored (bot.store.stories.key_week in SQL)."""
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(floor(extract(epoch FROM {column}) / {_WEEK}) AS INTEGER)"
    # whole seconds of the stored text ('YYYY-MM-DD HH:MM:SS.ffffff'): SQLite's own parsing
    # keeps milliseconds and rounds, so .9999995 would fall in the next second (and week)
    seconds = f"CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER)"
    return f"(({seconds}) - (({seconds}) < 0) * {_WEEK - 1}) / {_WEEK}"


def upgrade() -> None:
    op.create_table(
        "grouping_keys_new",
        sa.Column("week", sa.Integer, nullable=False),
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=False),
    )
    op.execute(
        "INSERT INTO grouping_keys_new (week, key, article_id, published_at) "
        f"SELECT {_week_sql('published_at')}, key, article_id, published_at FROM grouping_keys"
    )
    op.drop_index("ix_grouping_keys_key_published", table_name="grouping_keys")
    op.drop_table("grouping_keys")
    op.rename_table("grouping_keys_new", "grouping_keys")
    op.create_index(
        "ix_grouping_keys_week_key", "grouping_keys", ["week", "key", "published_at", "article_id"]
    )
    op.create_index("ix_grouping_keys_article", "grouping_keys", ["article_id"])
    op.drop_index("ix_stories_norm_title", table_name="stories")
    op.create_index("ix_stories_norm_title_seen", "stories", ["norm_title", "first_seen_at"])
    op.drop_index("ix_stories_content_hash", table_name="stories")
    op.create_index("ix_stories_content_hash_seen", "stories", ["content_hash", "first_seen_at"])


def downgrade() -> None:
    op.drop_index("ix_stories_content_hash_seen", table_name="stories")
    op.create_index("ix_stories_content_hash", "stories", ["content_hash"])
    op.drop_index("ix_stories_norm_title_seen", table_name="stories")
    op.create_index("ix_stories_norm_title", "stories", ["norm_title"])
    op.drop_index("ix_grouping_keys_article", table_name="grouping_keys")
    op.drop_index("ix_grouping_keys_week_key", table_name="grouping_keys")
    with op.batch_alter_table("grouping_keys") as batch:
        batch.drop_column("week")
    op.create_index("ix_grouping_keys_key_published", "grouping_keys", ["key", "published_at"])
