"""An index on stories.published_at (issue 14).

The web archive lists stories newest first (``/``, ``/topics/…``, ``/agencies/…``, the Atom
feed); without the index each page sorts the whole stories table (200,000 rows: a full scan
per request instead of reading twenty index entries).

Revision ID: 0006_stories_published_index
Revises: 0005_chat_language
"""

from __future__ import annotations

from alembic import op

revision = "0006_stories_published_index"
down_revision = "0005_chat_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_stories_published_at", "stories", ["published_at"])


def downgrade() -> None:
    op.drop_index("ix_stories_published_at", table_name="stories")
