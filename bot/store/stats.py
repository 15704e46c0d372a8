"""What the database knows about the bot's work, counted for ``/metrics`` at scrape time (a
few indexed counts, read-only), so the figures are right across instances sharing PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.store import from_db
from bot.store.schema import articles, deliveries, feeds, stories

FEED_STATES = ("ok", "failing", "never_polled", "removed")


@dataclass(frozen=True, slots=True)
class StoreCounts:
    feeds: dict[str, int]  # by state, every one of FEED_STATES
    articles: int
    stories: int
    summarized: int
    outbox_depth: int  # deliveries not yet sent or given up
    oldest_pending: datetime | None  # when the oldest of them was created


def store_counts(engine: Engine) -> StoreCounts:
    """Feeds by state, articles and stories stored, and the outbox's depth and oldest row."""
    with engine.connect() as conn:
        feed_rows = conn.execute(
            sa.select(feeds.c.enabled, feeds.c.consecutive_failures, feeds.c.last_success_at)
        ).all()
        article_count = conn.scalar(sa.select(sa.func.count()).select_from(articles))
        story_count = conn.scalar(sa.select(sa.func.count()).select_from(stories))
        summarized = conn.scalar(
            sa.select(sa.func.count()).select_from(stories).where(stories.c.summary.is_not(None))
        )
        pending = conn.execute(
            sa.select(sa.func.count(), sa.func.min(deliveries.c.created_at)).where(
                deliveries.c.state.in_(("pending", "sending", "failed"))
            )
        ).one()
    states = dict.fromkeys(FEED_STATES, 0)
    for enabled, failures, last_success in feed_rows:
        if not enabled:
            states["removed"] += 1
        elif failures:
            states["failing"] += 1
        elif last_success is None:
            states["never_polled"] += 1
        else:
            states["ok"] += 1
    return StoreCounts(
        feeds=states,
        articles=article_count or 0,
        stories=story_count or 0,
        summarized=summarized or 0,
        outbox_depth=pending[0] or 0,
        oldest_pending=from_db(pending[1]),
    )
