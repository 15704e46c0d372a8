"""Search (issue 7): the search index.

``search_docs`` holds one row per indexed article and per story digest, with what filters
need (story, feed, date, agencies, topics). The tokens live in an engine-specific index:
an FTS5 table ``search_fts`` (rowid = search_docs.id) on SQLite, a ``tsv`` tsvector column
with a GIN index on PostgreSQL. FTS5 keeps a one-character prefix index so the prefix
query of a trailing syllable (``300억`` → ``"300 억" *``) reads one posting list instead of
merging every bigram that starts with it. Its ``tags`` column holds one token per agency and
topic of the document, so those filters are part of the MATCH (an intersection of posting
lists) rather than a LIKE over every match.

``search_queue`` lists what changed since it was indexed: triggers on articles and stories
append a row (kind, ref_id) whenever an article is added to a story, edited or deleted, and
whenever a story's digest is written. ``index_pending`` reads and deletes queue rows in the
transaction that writes their index entries, so finding pending work costs what there is to
do, not the size of the archive, and a crash mid-way leaves the rest queued. Rows already in
the database when this migration runs are queued here. See docs/search.md.

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
    op.create_table(
        "search_queue",
        sa.Column("id", sa.Integer, primary_key=True),  # order of changes; deleted by id
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("ref_id", sa.Integer, nullable=False),
        sqlite_autoincrement=True,
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE search_docs ADD COLUMN tsv tsvector NOT NULL")
        op.execute("CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "title, body, tags, content='', tokenize='unicode61 remove_diacritics 0', prefix='1')"
        )
    for statement in _PG_TRIGGERS if postgres else _SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute(
        "INSERT INTO search_queue (kind, ref_id) "
        "SELECT 'article', id FROM articles WHERE story_id IS NOT NULL ORDER BY id"
    )
    op.execute(
        "INSERT INTO search_queue (kind, ref_id) "
        "SELECT 'summary', id FROM stories WHERE summary IS NOT NULL ORDER BY id"
    )


# What makes an index entry stale: an article's text, title, story, dates or feed; a story's
# digest or date. Other updates (matched_at, source_count, ...) queue nothing.
_ARTICLE_COLUMNS = "story_id, title, text, published_at, updated_at, fetched_at, feed_id"
_STORY_COLUMNS = "summary, summarized_at, published_at"


def _sqlite_trigger(name: str, event: str, table: str, when: str, kind: str, ref: str) -> str:
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON {table} WHEN {when} BEGIN "
        f"INSERT INTO search_queue (kind, ref_id) VALUES ('{kind}', {ref}); END"
    )


_SQLITE_TRIGGERS = [
    _sqlite_trigger(
        "search_queue_article_new",
        "INSERT",
        "articles",
        "NEW.story_id IS NOT NULL",
        "article",
        "NEW.id",
    ),
    _sqlite_trigger(
        "search_queue_article_edit",
        f"UPDATE OF {_ARTICLE_COLUMNS}",
        "articles",
        "NEW.story_id IS NOT NULL OR OLD.story_id IS NOT NULL",
        "article",
        "NEW.id",
    ),
    _sqlite_trigger(
        "search_queue_article_gone",
        "DELETE",
        "articles",
        "OLD.story_id IS NOT NULL",
        "article",
        "OLD.id",
    ),
    _sqlite_trigger(
        "search_queue_summary_new",
        "INSERT",
        "stories",
        "NEW.summary IS NOT NULL",
        "summary",
        "NEW.id",
    ),
    _sqlite_trigger(
        "search_queue_summary_edit",
        f"UPDATE OF {_STORY_COLUMNS}",
        "stories",
        "NEW.summary IS NOT NULL OR OLD.summary IS NOT NULL",
        "summary",
        "NEW.id",
    ),
    _sqlite_trigger(
        "search_queue_summary_gone",
        "DELETE",
        "stories",
        "OLD.summary IS NOT NULL",
        "summary",
        "OLD.id",
    ),
]

_PG_FUNCTION = """
CREATE FUNCTION search_queue_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO search_queue (kind, ref_id) VALUES ('{kind}', OLD.id);
        RETURN OLD;
    END IF;
    INSERT INTO search_queue (kind, ref_id) VALUES ('{kind}', NEW.id);
    RETURN NEW;
END $$
"""


def _pg_trigger(name: str, event: str, table: str, when: str, kind: str) -> str:
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW WHEN ({when}) "
        f"EXECUTE FUNCTION search_queue_{kind}()"
    )


_PG_TRIGGERS = [
    _PG_FUNCTION.format(kind="article"),
    _PG_FUNCTION.format(kind="summary"),
    _pg_trigger(
        "search_queue_article_new", "INSERT", "articles", "NEW.story_id IS NOT NULL", "article"
    ),
    _pg_trigger(
        "search_queue_article_edit",
        f"UPDATE OF {_ARTICLE_COLUMNS}",
        "articles",
        "NEW.story_id IS NOT NULL OR OLD.story_id IS NOT NULL",
        "article",
    ),
    _pg_trigger(
        "search_queue_article_gone", "DELETE", "articles", "OLD.story_id IS NOT NULL", "article"
    ),
    _pg_trigger(
        "search_queue_summary_new", "INSERT", "stories", "NEW.summary IS NOT NULL", "summary"
    ),
    _pg_trigger(
        "search_queue_summary_edit",
        f"UPDATE OF {_STORY_COLUMNS}",
        "stories",
        "NEW.summary IS NOT NULL OR OLD.summary IS NOT NULL",
        "summary",
    ),
    _pg_trigger(
        "search_queue_summary_gone", "DELETE", "stories", "OLD.summary IS NOT NULL", "summary"
    ),
]

_TRIGGER_NAMES = [
    f"search_queue_{kind}_{event}"
    for kind in ("article", "summary")
    for event in ("new", "edit", "gone")
]


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in _TRIGGER_NAMES:
        table = "articles" if "article" in name else "stories"
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS search_queue_article()")
        op.execute("DROP FUNCTION IF EXISTS search_queue_summary()")
    else:
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_queue")
    op.drop_table("search_docs")
