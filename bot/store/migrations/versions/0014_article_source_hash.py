"""What a feed item was built from (issue 22): ``articles.source_hash``.

A hash of the item's title and body as the feed sent them (bot.feeds.parse.source_hash), so a
poll that finds an item exactly as it was stored skips building its Document again (most
items of a feed that changed are the ones it already had). Null for rows stored before this
column and for sources other than feeds; such a row is built as before, and its hash is filled
in the next time its feed sends it unchanged.

Revision ID: 0014_article_source_hash
Revises: 0013_grouping_scale
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_article_source_hash"
down_revision = "0013_grouping_scale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("source_hash", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("source_hash")
