"""Slack (issue 6).

Revision ID: 0006_slack
Revises: 0005_telegram
"""

from __future__ import annotations

revision = "0006_slack"
down_revision = "0005_telegram"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled in by the issue that owns this revision


def downgrade() -> None:
    pass
