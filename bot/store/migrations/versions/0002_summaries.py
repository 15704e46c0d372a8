"""Summaries (issue 3): LLM summary cache, daily token usage, stories awaiting an LLM retry.

Revision ID: 0002_summaries
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_summaries"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

UtcDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "llm_cache",
        sa.Column("content_hash", sa.String(64), primary_key=True),
        sa.Column("prompt_version", sa.String(32), primary_key=True),
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("input_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("output_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "llm_usage",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("tokens", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("calls", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "summary_retries",
        sa.Column("story_id", sa.Integer, primary_key=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("summary_retries")
    op.drop_table("llm_usage")
    op.drop_table("llm_cache")
