"""Daily digests are outbox rows: one delivery path for alerts and digests (issue 13).

A delivery is either an alert (``story_id``) or a daily digest (``digest_id``); the digest
row keeps the unique (chat, local date) claim and, once built, the digest itself
(``payload``, JSON) so what the tick decided is what gets sent, after any retry or restart.

Revision ID: 0007_digest_deliveries
Revises: 0006_stories_published_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_digest_deliveries"
down_revision = "0006_stories_published_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("digests") as batch:
        batch.add_column(sa.Column("payload", sa.Text))
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("story_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(
            sa.Column(
                "digest_id",
                sa.Integer,
                sa.ForeignKey("digests.id", name="fk_deliveries_digest", ondelete="CASCADE"),
            )
        )
        batch.create_unique_constraint("uq_deliveries_digest", ["digest_id"])


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE digest_id IS NOT NULL")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("uq_deliveries_digest", type_="unique")
        batch.drop_constraint("fk_deliveries_digest", type_="foreignkey")
        batch.drop_column("digest_id")
        batch.alter_column("story_id", existing_type=sa.Integer, nullable=False)
    with op.batch_alter_table("digests") as batch:
        batch.drop_column("payload")
