"""Who issued an article (issue 19): ``articles.author``.

The feed item's ``<author>``/``dc:creator``/``itunes:author`` (a ministry's name on
government feeds) or the OpenAPI's MinisterCode; '' for rows stored before this column and
items that name nobody. The digest's agencies trust it first.

Revision ID: 0009_article_author
Revises: 0008_summary_claims
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_article_author"
down_revision = "0008_summary_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("author", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("author")
