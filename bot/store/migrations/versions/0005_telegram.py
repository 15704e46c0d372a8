"""Telegram (issue 5).

Revision ID: 0005_telegram
Revises: 0004_search
"""

from __future__ import annotations

revision = "0005_telegram"
down_revision = "0004_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled in by the issue that owns this revision


def downgrade() -> None:
    pass
