"""Summaries (issue 3): LLM summary cache and token usage.

Revision ID: 0002_summaries
Revises: 0001_foundation
"""

from __future__ import annotations

revision = "0002_summaries"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled in by the issue that owns this revision


def downgrade() -> None:
    pass
