"""Core (issue 4): chats, rules, deliveries, digests.

Revision ID: 0003_core
Revises: 0002_summaries
"""

from __future__ import annotations

revision = "0003_core"
down_revision = "0002_summaries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled in by the issue that owns this revision


def downgrade() -> None:
    pass
