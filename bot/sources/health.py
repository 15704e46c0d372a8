"""A feed's state in words, purely: removed, failing, not polled yet, silent, ok — and the
notice for a feed of a service that ended. `sokbo feeds list`, /sources and /healthz all read
it, so the three never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.feeds.silence import Silence, silence
from bot.sources.catalog import EndedService, catalog
from bot.types import Feed

State = Literal["removed", "failing", "never", "silent", "ok"]


@dataclass(frozen=True, slots=True)
class FeedHealth:
    state: State
    silence: Silence | None = None
    ended: EndedService | None = None

    def in_words(self, feed: Feed) -> str:
        """English, for `feeds list` and /healthz."""
        if self.state == "removed":
            return "removed (archive kept)"
        if self.state == "failing":
            return f"failing ({feed.consecutive_failures} consecutive failures)"
        if self.state == "never":
            return "not polled yet"
        if self.silence is not None:
            return self.silence.in_words()
        return "ok"

    @property
    def notice(self) -> str | None:
        """The ended service's notice, in Korean."""
        return self.ended.message() if self.ended else None


def feed_health(feed: Feed, now: datetime) -> FeedHealth:
    ended = catalog().ended_service(feed.url)
    if not feed.enabled:
        return FeedHealth("removed", ended=ended)
    if feed.consecutive_failures:
        return FeedHealth("failing", ended=ended)
    if feed.last_success_at is None:
        return FeedHealth("never", ended=ended)
    quiet = feed_silence(feed, now)
    return FeedHealth("silent" if quiet else "ok", quiet, ended)


def feed_silence(feed: Feed, now: datetime) -> Silence | None:
    return silence(
        item_count=feed.item_count,
        had_items=feed.newest_item_at is not None or feed.last_new_at is not None,
        newest_item_at=feed.newest_item_at,
        last_new_at=feed.last_new_at,
        rhythm_seconds=feed.rhythm_seconds,
        now=now,
    )
