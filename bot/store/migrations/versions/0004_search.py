"""Search (issue 7): the search index.

``search_docs`` holds one row per indexed article and per story digest, with what filters
need (story, feed, date, agencies, topics). The tokens live in an engine-specific index:
an FTS5 table ``search_fts`` (rowid = search_docs.id) on SQLite, a ``tsv`` tsvector column
with a GIN index on PostgreSQL. FTS5 keeps a one-character prefix index so the prefix
query of a trailing syllable (``300억`` → ``"300 억" *``) reads one posting list instead of
merging every bigram that starts with it. See docs/search.md.

Revision ID: 0004_search
Revises: 0003_core
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_search"
down_revision = "0003_core"
branch_labels = None
depends_on = None

UtcDateTime = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "search_docs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),  # "article" or "summary"
        sa.Column("ref_id", sa.Integer, nullable=False),  # articles.id or stories.id
        sa.Column("story_id", sa.Integer, nullable=False, index=True),
        sa.Column("feed_id", sa.Integer),
        sa.Column("published_at", UtcDateTime, nullable=False),
        sa.Column("agencies", sa.String(500), nullable=False, server_default=""),
        sa.Column("topics", sa.String(500), nullable=False, server_default=""),
        sa.Column("source_stamp", UtcDateTime, nullable=False),
        sa.Column("indexed_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("kind", "ref_id", name="uq_search_docs_kind_ref"),
        sqlite_autoincrement=True,  # ids are never reused: FTS rows of deleted docs stay inert
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_docs ADD COLUMN tsv tsvector NOT NULL")
        op.execute("CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "title, body, content='', tokenize='unicode61 remove_diacritics 0', prefix='1')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_docs")
