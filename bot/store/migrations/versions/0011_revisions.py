"""Revisions, withdrawals and corrections (issue 18 part 4, issue 21 item 4).

- ``articles.revision`` (the source's revision number, the OpenAPI's ModifyId; 0 for feeds),
  ``articles.withdrawn_at`` (the source withdrew it) and ``articles.attachments`` (JSON list
  of the attachment URLs the source gives).
- ``stories.withdrawn_at``: every article of the story was withdrawn; hidden everywhere.
- ``article_revisions``: the earlier versions of an edited article (the row holds the current).
- ``corrections``: an edit whose new title says 정정/수정; ``deliveries.correction_id`` is the
  short notice to each chat that was alerted to the story.

Only additions: an existing database upgrades with nothing lost.

Revision ID: 0011_revisions
Revises: 0009_article_author
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

UtcDateTime = sa.DateTime(timezone=True)

revision = "0011_revisions"
down_revision = "0009_article_author"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("withdrawn_at", UtcDateTime))
        batch.add_column(sa.Column("attachments", sa.Text))
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("withdrawn_at", UtcDateTime))
    op.create_table(
        "article_revisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "article_id",
            sa.Integer,
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("contacts", sa.Text),
        sa.Column("replaced_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_article_revisions_article_id", "article_revisions", ["article_id"])
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "story_id",
            sa.Integer,
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE")),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("notified_at", UtcDateTime),
    )
    op.create_index("ix_corrections_pending", "corrections", ["notified_at"])
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column(
                "correction_id",
                sa.Integer,
                sa.ForeignKey(
                    "corrections.id", name="fk_deliveries_correction", ondelete="CASCADE"
                ),
            )
        )
    op.create_index(
        "uq_deliveries_chat_correction", "deliveries", ["chat_id", "correction_id"], unique=True
    )


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE correction_id IS NOT NULL")
    op.drop_index("uq_deliveries_chat_correction", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("fk_deliveries_correction", type_="foreignkey")
        batch.drop_column("correction_id")
    op.drop_index("ix_corrections_pending", table_name="corrections")
    op.drop_table("corrections")
    op.drop_index("ix_article_revisions_article_id", table_name="article_revisions")
    op.drop_table("article_revisions")
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("withdrawn_at")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("attachments")
        batch.drop_column("withdrawn_at")
        batch.drop_column("revision")
