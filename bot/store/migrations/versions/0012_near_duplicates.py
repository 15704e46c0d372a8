"""Near-duplicate grouping (issue 20): features per article, index keys, links, splits.

- ``article_features``: each article's grouping features (JSON), computed once.
- ``grouping_keys``: (key, article) rows, the LSH bands and distinctive figures under which
  candidates are found by index, newest first within the time window.
- ``story_links``: why each article is in its story (first, same URL/title/text, near
  duplicate of which article, with what it shares), for ``sokbo stories explain``.
- ``story_splits``: an article split out of a story never joins it again.
- ``stories.primary_article_id``: the article whose text speaks for the story (the official
  release over a rewrite); NULL on older rows means the first article, as before.

Revision ID: 0012_near_duplicates
Revises: 0010_feed_sources
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

UtcDateTime = sa.DateTime(timezone=True)

revision = "0012_near_duplicates"
down_revision = "0010_feed_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("primary_article_id", sa.Integer))
    op.create_table(
        "article_features",
        sa.Column("article_id", sa.Integer, primary_key=True),
        sa.Column("features", sa.Text, nullable=False),
    )
    op.create_table(
        "grouping_keys",
        sa.Column("key", sa.BigInteger, nullable=False),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_grouping_keys_key_published", "grouping_keys", ["key", "published_at"])
    op.create_table(
        "story_links",
        sa.Column("article_id", sa.Integer, primary_key=True),
        sa.Column("story_id", sa.Integer, nullable=False, index=True),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("via_article_id", sa.Integer),
        sa.Column("similarity", sa.Float),
        sa.Column("shared", sa.Text),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "story_splits",
        sa.Column("article_id", sa.Integer, primary_key=True),
        sa.Column("story_id", sa.Integer, primary_key=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("story_splits")
    op.drop_table("story_links")
    op.drop_index("ix_grouping_keys_key_published", table_name="grouping_keys")
    op.drop_table("grouping_keys")
    op.drop_table("article_features")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("primary_article_id")
