"""Chat language and rule labels (issue 15).

``chats.language`` is the chat's reply language chosen with ``/lang`` (``ko`` or ``en``);
NULL means the instance default (``[bot] language``). ``rules.label`` keeps the word as the
user wrote it (``sLLM``) while ``rules.value`` stays the normalized form matching compares
(``sllm``), so replies echo the user's spelling.

Revision ID: 0005_chat_language
Revises: 0004_search
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_chat_language"
down_revision = "0004_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.add_column(sa.Column("language", sa.String(5), nullable=True))
    with op.batch_alter_table("rules") as batch:
        batch.add_column(sa.Column("label", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rules") as batch:
        batch.drop_column("label")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("language")
