"""Core (issue 4): chats, rules, deliveries, digests.

Revision ID: 0003_core
Revises: 0002_summaries
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_core"
down_revision = "0002_summaries"
branch_labels = None
depends_on = None

UtcDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chats",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("chat_id", sa.String(100), nullable=False),
        sa.Column("thread_id", sa.String(100), nullable=False, server_default=""),
        sa.Column("kind", sa.String(10), nullable=False, server_default="private"),
        sa.Column("mode", sa.String(10), nullable=False, server_default="instant"),
        sa.Column("daily_time", sa.String(5), nullable=False, server_default="08:00"),
        sa.Column("timezone", sa.String(64), nullable=False, server_default="Asia/Seoul"),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("paused_reason", sa.Text),
        sa.Column("paused_at", UtcDateTime),
        sa.Column("last_digest_at", UtcDateTime),
        sa.Column("schedule_changed_at", UtcDateTime),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("platform", "chat_id", "thread_id", name="uq_chats_address"),
    )
    op.create_table(
        "rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "chat_id", sa.Integer, sa.ForeignKey("chats.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("chat_id", "kind", "value", name="uq_rules_chat_kind_value"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "chat_id", sa.Integer, sa.ForeignKey("chats.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "story_id",
            sa.Integer,
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("claimed_at", UtcDateTime),
        sa.Column("sent_at", UtcDateTime),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("chat_id", "story_id", name="uq_deliveries_chat_story"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["state", "next_attempt_at"])
    op.create_index("ix_deliveries_story", "deliveries", ["story_id"])
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "chat_id", sa.Integer, sa.ForeignKey("chats.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("digest_date", sa.Date, nullable=False),
        sa.Column("state", sa.String(10), nullable=False, server_default="sending"),
        sa.Column("story_ids", sa.Text),  # JSON list of the story ids the digest carried
        sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
        sa.Column("next_attempt_at", UtcDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("claimed_at", UtcDateTime),
        sa.Column("sent_at", UtcDateTime),
        sa.UniqueConstraint("chat_id", "digest_date", name="uq_digests_chat_date"),
    )


def downgrade() -> None:
    op.drop_table("digests")
    op.drop_table("deliveries")
    op.drop_table("rules")
    op.drop_table("chats")
