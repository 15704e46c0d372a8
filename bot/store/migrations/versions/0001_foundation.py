"""Foundation: feeds, stories, articles.

Revision ID: 0001_foundation
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None

UtcDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False, unique=True),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("etag", sa.String(500)),
        sa.Column("last_modified", sa.String(100)),
        sa.Column("last_success_at", UtcDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", UtcDateTime),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_poll_at", UtcDateTime),
        # how long the last fetch took: slow feeds start first in the next cycle
        sa.Column("last_fetch_seconds", sa.Float),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("canonical_url", sa.String(2000), nullable=False),
        sa.Column("norm_title", sa.String(500), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("first_seen_at", UtcDateTime, nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=False),
        sa.Column("source_count", sa.Integer, nullable=False, server_default="1"),
        sa.Column("summary", sa.Text),
        sa.Column("summarized_at", UtcDateTime),
        sa.Column("matched_at", UtcDateTime),
    )
    op.create_index("ix_stories_canonical_url", "stories", ["canonical_url"])
    op.create_index("ix_stories_norm_title", "stories", ["norm_title"])
    op.create_index("ix_stories_content_hash", "stories", ["content_hash"])
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("guid", sa.String(1000), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=False),
        sa.Column("fetched_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("contacts", sa.Text),
        sa.Column("story_id", sa.Integer, sa.ForeignKey("stories.id")),
        sa.UniqueConstraint("feed_id", "guid", name="uq_articles_feed_guid"),
    )
    op.create_index("ix_articles_content_hash", "articles", ["content_hash"])
    op.create_index("ix_articles_story_id", "articles", ["story_id"])


def downgrade() -> None:
    op.drop_table("articles")
    op.drop_table("stories")
    op.drop_table("feeds")
