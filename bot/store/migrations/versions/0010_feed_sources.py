"""What a feed needs remembered between polls, and what tells when it went silent (issue 18).

``fetch_method`` (POST once a feed answered GET with 405 and ``Allow: POST``), ``cookies``
(JSON: what the feed's site set during the last fetch, sent with the next), ``item_count``
(items in the last answer), ``newest_item_at`` (newest item date ever given),
``rhythm_seconds`` (median gap between its items) and ``last_new_at`` (when a poll last stored
a new item). Existing feeds get ``newest_item_at`` and ``last_new_at`` from their stored
articles, so a feed that went silent before the upgrade is named at once.

Revision ID: 0010_feed_sources
Revises: 0008_summary_claims
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

UtcDateTime = sa.DateTime(timezone=True)

revision = "0010_feed_sources"
down_revision = "0011_revisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("fetch_method", sa.String(8)))
        batch.add_column(sa.Column("cookies", sa.Text))
        batch.add_column(sa.Column("item_count", sa.Integer))
        batch.add_column(sa.Column("newest_item_at", UtcDateTime))
        batch.add_column(sa.Column("rhythm_seconds", sa.Float))
        batch.add_column(sa.Column("last_new_at", UtcDateTime))
    feeds = sa.table(
        "feeds",
        sa.column("id", sa.Integer),
        sa.column("newest_item_at", UtcDateTime),
        sa.column("last_new_at", UtcDateTime),
    )
    articles = sa.table(
        "articles",
        sa.column("feed_id", sa.Integer),
        sa.column("published_at", UtcDateTime),
        sa.column("fetched_at", UtcDateTime),
    )
    mine = articles.c.feed_id == feeds.c.id
    op.execute(
        feeds.update().values(
            newest_item_at=sa.select(sa.func.max(articles.c.published_at))
            .where(mine)
            .scalar_subquery(),
            last_new_at=sa.select(sa.func.max(articles.c.fetched_at)).where(mine).scalar_subquery(),
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        for column in (
            "last_new_at",
            "rhythm_seconds",
            "newest_item_at",
            "item_count",
            "cookies",
            "fetch_method",
        ):
            batch.drop_column(column)
