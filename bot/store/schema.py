"""Tables (SQLAlchemy Core). Migrations in ``migrations/versions`` create them; keep both in step.

Sections: foundation (feeds, articles, stories) · summaries · core (chats, rules,
deliveries, digests) · search. Times are stored as timezone-aware UTC.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

UtcDateTime = sa.DateTime(timezone=True)

# --- foundation -------------------------------------------------------------------------

feeds = sa.Table(
    "feeds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False, unique=True),
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("etag", sa.String(500)),
    sa.Column("last_modified", sa.String(100)),
    sa.Column("last_success_at", UtcDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", UtcDateTime),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_poll_at", UtcDateTime),
    sa.Column("last_fetch_seconds", sa.Float),  # slow feeds start first in the next cycle
    sa.Column("fetch_method", sa.String(8)),  # "POST" once GET was refused with Allow: POST
    sa.Column("cookies", sa.Text),  # JSON: cookies the site set, sent with the next fetch
    sa.Column("item_count", sa.Integer),  # items in the last answer (0: silent)
    sa.Column("newest_item_at", UtcDateTime),  # the newest item date the feed ever gave
    sa.Column("rhythm_seconds", sa.Float),  # median gap between its items' dates
    sa.Column("last_new_at", UtcDateTime),  # when a poll last stored a new item
    # the last answer whose items were all stored, hashed (bot.feeds.parse.body_hash): the
    # same bytes again are not parsed (migration 0015)
    sa.Column("body_hash", sa.String(64)),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

stories = sa.Table(
    "stories",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("canonical_url", sa.String(2000), nullable=False, index=True),
    sa.Column("norm_title", sa.String(500), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("first_seen_at", UtcDateTime, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("source_count", sa.Integer, nullable=False, server_default="1"),
    sa.Column("summary", sa.Text),  # Summary as JSON, null until summarized
    sa.Column("summarized_at", UtcDateTime),
    sa.Column("matched_at", UtcDateTime),  # set once deliveries were created
    sa.Column("summary_claim", sa.String(40)),  # who is summarizing it (one LLM call per story)
    sa.Column("summary_claimed_at", UtcDateTime),
    sa.Column("primary_article_id", sa.Integer),  # whose text speaks for it (0012); NULL: first
    sa.Index("ix_stories_published_at", "published_at"),  # the web archive, newest first
    # migration 0013: a title or body joins only a story first seen within 30 days
    sa.Index("ix_stories_norm_title_seen", "norm_title", "first_seen_at"),
    sa.Index("ix_stories_content_hash_seen", "content_hash", "first_seen_at"),
    # migration 0011: every article of the story was withdrawn by its source; hidden
    sa.Column("withdrawn_at", UtcDateTime),
)

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    sa.Column("guid", sa.String(1000), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime),
    sa.Column("content_hash", sa.String(64), nullable=False, index=True),
    sa.Column("contacts", sa.Text),  # JSON list of Contact, null when unknown
    sa.Column("story_id", sa.Integer, sa.ForeignKey("stories.id"), index=True),
    sa.Column("author", sa.String(200), nullable=False, server_default=""),  # Article.author
    # migration 0011: the source's revision number (OpenAPI ModifyId), when the source
    # withdrew it, and the attachment URLs it lists (JSON list)
    sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
    sa.Column("withdrawn_at", UtcDateTime),
    sa.Column("attachments", sa.Text),
    # migration 0014: what a feed item was built from (Article.source_hash), null when unknown
    sa.Column("source_hash", sa.String(64)),
    sa.UniqueConstraint("feed_id", "guid", name="uq_articles_feed_guid"),
)

# --- core (issue 4): chats, rules, deliveries, digests ------------------------------------
# A chat is one place messages go (platform + chat id + thread id, '' when none). Rules say
# what it follows. Deliveries are the outbox: one row per (chat, story), never two. Digests
# hold one row per (chat, local date), claimed before sending so a day's digest goes out once.
# The scheduler lock is a PostgreSQL advisory lock (bot/store/leadership.py), so it needs no table.

CHAT_KINDS = ("private", "group", "channel")
CHAT_MODES = ("instant", "daily", "both")
RULE_KINDS = ("topic", "keyword", "exclude", "agency", "feed")
DELIVERY_STATES = ("pending", "sending", "sent", "failed", "dead")

chats = sa.Table(
    "chats",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("platform", sa.String(20), nullable=False),
    sa.Column("chat_id", sa.String(100), nullable=False),
    sa.Column("thread_id", sa.String(100), nullable=False, server_default=""),
    sa.Column("kind", sa.String(10), nullable=False, server_default="private"),
    sa.Column("mode", sa.String(10), nullable=False, server_default="instant"),
    sa.Column("daily_time", sa.String(5), nullable=False, server_default="08:00"),
    sa.Column("timezone", sa.String(64), nullable=False, server_default="Asia/Seoul"),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("paused_reason", sa.Text),  # None when paused by /pause; words when the chat is gone
    sa.Column("paused_at", UtcDateTime),
    sa.Column("last_digest_at", UtcDateTime),
    # when mode/time/zone last changed: a digest slot before it is not owed
    sa.Column("schedule_changed_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("language", sa.String(5)),  # 'ko' | 'en' from /lang; NULL: the instance default
    sa.UniqueConstraint("platform", "chat_id", "thread_id", name="uq_chats_address"),
)

rules = sa.Table(
    "rules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("chat_id", sa.Integer, sa.ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # one of RULE_KINDS
    sa.Column("value", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("label", sa.String(200)),  # the word as the user wrote it (value is normalized)
    sa.UniqueConstraint("chat_id", "kind", "value", name="uq_rules_chat_kind_value"),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("chat_id", sa.Integer, sa.ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    # an alert (story_id) or a daily digest (digest_id), migration 0007
    sa.Column("story_id", sa.Integer, sa.ForeignKey("stories.id", ondelete="CASCADE")),
    sa.Column(
        "digest_id",
        sa.Integer,
        sa.ForeignKey("digests.id", name="fk_deliveries_digest", ondelete="CASCADE"),
        unique=True,
    ),
    # or a correction notice (correction_id), migration 0011
    sa.Column(
        "correction_id",
        sa.Integer,
        sa.ForeignKey("corrections.id", name="fk_deliveries_correction", ondelete="CASCADE"),
    ),
    sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("claimed_by", sa.String(100)),
    sa.Column("claimed_at", UtcDateTime),
    sa.Column("sent_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("chat_id", "story_id", name="uq_deliveries_chat_story"),
    sa.Index("uq_deliveries_chat_correction", "chat_id", "correction_id", unique=True),
    sa.Index("ix_deliveries_due", "state", "next_attempt_at"),
    sa.Index("ix_deliveries_story", "story_id"),
)

digests = sa.Table(
    "digests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("chat_id", sa.Integer, sa.ForeignKey("chats.id", ondelete="CASCADE"), nullable=False),
    sa.Column("digest_date", sa.Date, nullable=False),  # the chat's local date
    sa.Column("state", sa.String(10), nullable=False, server_default="sending"),
    sa.Column("story_ids", sa.Text),  # JSON list
    sa.Column("payload", sa.Text),  # the built DailyDigest (bot.store.codec JSON), 0007
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    sa.Column("next_attempt_at", UtcDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("claimed_by", sa.String(100)),
    sa.Column("claimed_at", UtcDateTime),
    sa.Column("sent_at", UtcDateTime),
    sa.UniqueConstraint("chat_id", "digest_date", name="uq_digests_chat_date"),
)

# --- search (issue 7) -------------------------------------------------------------------
# One row per indexed article ("article", ref_id = articles.id) and story digest ("summary",
# ref_id = stories.id). The tokens are in an engine-specific index that migration 0004
# creates outside this metadata: FTS5 table search_fts (rowid = id; columns title, body and
# tags: agency/topic tokens for filters) on SQLite, column
# tsv tsvector + GIN index on PostgreSQL. agencies/topics are "|a|b|" for LIKE filters.

search_docs = sa.Table(
    "search_docs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("ref_id", sa.Integer, nullable=False),
    sa.Column("story_id", sa.Integer, nullable=False, index=True),
    sa.Column("feed_id", sa.Integer),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("agencies", sa.String(500), nullable=False, server_default=""),
    sa.Column("topics", sa.String(500), nullable=False, server_default=""),
    sa.Column("source_stamp", UtcDateTime, nullable=False),
    sa.Column("indexed_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("kind", "ref_id", name="uq_search_docs_kind_ref"),
    sqlite_autoincrement=True,
)

# Articles and digests changed since they were indexed, appended by triggers on articles and
# stories (migration 0004); index_pending deletes the rows it has indexed, by id.
search_queue = sa.Table(
    "search_queue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("ref_id", sa.Integer, nullable=False),
    sqlite_autoincrement=True,
)

# --- summaries (issue 3): LLM cache, daily token usage, stories awaiting an LLM retry -------

llm_cache = sa.Table(
    "llm_cache",
    metadata,
    sa.Column("content_hash", sa.String(64), primary_key=True),
    sa.Column("prompt_version", sa.String(32), primary_key=True),
    sa.Column("model", sa.String(200), primary_key=True),
    sa.Column("summary", sa.Text, nullable=False),  # grounded Summary as JSON
    sa.Column("input_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("output_tokens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

llm_usage = sa.Table(
    "llm_usage",
    metadata,
    sa.Column("day", sa.String(10), primary_key=True),  # KST date, YYYY-MM-DD
    sa.Column("tokens", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("calls", sa.Integer, nullable=False, server_default="0"),
)

summary_retries = sa.Table(
    "summary_retries",
    metadata,
    sa.Column("story_id", sa.Integer, primary_key=True),  # got the extractive digest instead
    sa.Column("reason", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)


# --- revisions and corrections (issue 21 item 4, migration 0011) --------------------------
# An edited article keeps its earlier versions here (the articles row always holds the
# current one). An edit whose new title says 정정/수정 is a correction: the chats already
# alerted to its story get one short notice (a deliveries row with correction_id).

article_revisions = sa.Table(
    "article_revisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "article_id",
        sa.Integer,
        sa.ForeignKey("articles.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("contacts", sa.Text),
    sa.Column("replaced_at", UtcDateTime, nullable=False),
)

corrections = sa.Table(
    "corrections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "story_id", sa.Integer, sa.ForeignKey("stories.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE")),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("notified_at", UtcDateTime),  # deliveries were created for it
    sa.Index("ix_corrections_pending", "notified_at"),
)

# --- near-duplicate grouping (issue 20, migration 0012) --------------------------------------
# Features are computed once per article; grouping_keys indexes them (LSH bands, distinctive
# figures) so candidates are found by key and time, never by reading every article.

article_features = sa.Table(
    "article_features",
    metadata,
    sa.Column("article_id", sa.Integer, primary_key=True),
    sa.Column("features", sa.Text, nullable=False),  # bot.story_features.StoryFeatures JSON
)

# migration 0013: keys are filed by week (of published_at), so a look-up or an insert touches
# the index pages of recent weeks only, however long the history.
grouping_keys = sa.Table(
    "grouping_keys",
    metadata,
    sa.Column("week", sa.Integer, nullable=False),  # bot.store.stories.key_week(published_at)
    sa.Column("key", sa.BigInteger, nullable=False),
    sa.Column("article_id", sa.Integer, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Index("ix_grouping_keys_week_key", "week", "key", "published_at", "article_id"),
    sa.Index("ix_grouping_keys_article", "article_id"),
)

# Why each article is in its story: reason first | url | title | text | near | split.
story_links = sa.Table(
    "story_links",
    metadata,
    sa.Column("article_id", sa.Integer, primary_key=True),
    sa.Column("story_id", sa.Integer, nullable=False, index=True),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("via_article_id", sa.Integer),
    sa.Column("similarity", sa.Float),
    sa.Column("shared", sa.Text),  # JSON: figures, agencies, words in common
    sa.Column("created_at", UtcDateTime, nullable=False),
)

story_splits = sa.Table(
    "story_splits",
    metadata,
    sa.Column("article_id", sa.Integer, primary_key=True),
    sa.Column("story_id", sa.Integer, primary_key=True),  # the story it must not join again
    sa.Column("created_at", UtcDateTime, nullable=False),
)
