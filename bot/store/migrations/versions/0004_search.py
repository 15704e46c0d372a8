"""Search (issue 7): the search index.

Revision ID: 0004_search
Revises: 0003_core
"""

from __future__ import annotations

revision = "0004_search"
down_revision = "0003_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled in by the issue that owns this revision


def downgrade() -> None:
    pass
