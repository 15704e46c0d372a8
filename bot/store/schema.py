"""Tables (SQLAlchemy Core). Migrations in ``migrations/versions`` create them; keep both in step.

Sections: foundation (feeds, articles, stories) · summaries · core (chats, rules,
deliveries, digests) · search. Times are stored as timezone-aware UTC.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

UtcDateTime = sa.DateTime(timezone=True)

# --- foundation -------------------------------------------------------------------------

feeds = sa.Table(
    "feeds",
    metadata,
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
    sa.Column("created_at", UtcDateTime, nullable=False),
)

stories = sa.Table(
    "stories",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("canonical_url", sa.String(2000), nullable=False, index=True),
    sa.Column("norm_title", sa.String(500), nullable=False, index=True),
    sa.Column("content_hash", sa.String(64), nullable=False, index=True),
    sa.Column("first_seen_at", UtcDateTime, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("source_count", sa.Integer, nullable=False, server_default="1"),
    sa.Column("summary", sa.Text),  # Summary as JSON, null until summarized
    sa.Column("summarized_at", UtcDateTime),
    sa.Column("matched_at", UtcDateTime),  # set once deliveries were created
)

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    sa.Column("guid", sa.String(1000), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime),
    sa.Column("content_hash", sa.String(64), nullable=False, index=True),
    sa.Column("contacts", sa.Text),  # JSON list of Contact, null when unknown
    sa.Column("story_id", sa.Integer, sa.ForeignKey("stories.id"), index=True),
    sa.UniqueConstraint("feed_id", "guid", name="uq_articles_feed_guid"),
)
