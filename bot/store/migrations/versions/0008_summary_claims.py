"""A story's summary is claimed before the LLM is called (issue 12).

``summary_claim`` (a random token) and ``summary_claimed_at`` are set by one conditional
UPDATE; the poll or instance whose UPDATE changed the row calls the LLM, the others skip the
story. A claim older than the lease (a crashed process) may be taken over.

Revision ID: 0008_summary_claims
Revises: 0007_digest_deliveries
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

UtcDateTime = sa.DateTime(timezone=True)

revision = "0008_summary_claims"
down_revision = "0007_digest_deliveries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("summary_claim", sa.String(40)))
        batch.add_column(sa.Column("summary_claimed_at", UtcDateTime))


def downgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("summary_claimed_at")
        batch.drop_column("summary_claim")
