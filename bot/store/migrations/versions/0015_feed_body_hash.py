"""The last feed answer parsed and stored in full (issue 22): ``feeds.body_hash``.

Many feeds send no ETag or Last-Modified, or ignore a conditional request, and answer 200
with the same bytes every poll. A hash of the answer whose items were all stored (with the
parser's build version, bot.feeds.parse.body_hash) lets the next poll that gets the same
bytes skip parsing them, as a 304 would. Null for every feed at the upgrade: each feed's
next answer is parsed once, as before, and its hash kept from then on.

Revision ID: 0015_feed_body_hash
Revises: 0014_article_source_hash
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_feed_body_hash"
down_revision = "0014_article_source_hash"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("body_hash", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("body_hash")
