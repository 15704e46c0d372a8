"""Silent feeds, purely: a feed's rhythm from its own item dates, and whether it has gone quiet.

A parser returns an empty list for an emptied feed as readily as for a quiet day, so "the
fetch worked" is not "the feed is fine" (one collector noticed korea.kr's ended RSS after 36
days). A feed is named silent when its last answer held no items, or when nothing new came for
far longer than its own rhythm: the usual gap between its items, read from their dates.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Literal

# Gaps between the newest this many items make a feed's rhythm.
RHYTHM_ITEMS = 30
# Quiet for this many usual gaps (and at least QUIET_FLOOR) is silent: a ministry that
# publishes every few hours still has weekends and five-day holidays.
QUIET_GAPS = 8
QUIET_FLOOR = timedelta(days=4)
# Without a rhythm (undated items, a single item), quiet this long is silent.
QUIET_UNKNOWN = timedelta(days=14)


def rhythm(dates: Iterable[datetime]) -> float | None:
    """The median gap in seconds between a document's newest dated items (None under two)."""
    ordered = sorted(set(dates), reverse=True)[:RHYTHM_ITEMS]
    if len(ordered) < 2:
        return None
    gaps = [(a - b).total_seconds() for a, b in itertools.pairwise(ordered)]
    return float(median(gaps))


def quiet_limit(rhythm_seconds: float | None) -> timedelta:
    """How long a feed with this rhythm may bring nothing new before it is named silent."""
    if rhythm_seconds is None or rhythm_seconds <= 0:
        return QUIET_UNKNOWN
    return max(QUIET_FLOOR, timedelta(seconds=QUIET_GAPS * rhythm_seconds))


SilenceKind = Literal["emptied", "empty", "quiet"]


@dataclass(frozen=True, slots=True)
class Silence:
    """Why a feed that answers is not fine: ``emptied`` (had items, now none), ``empty``
    (never had any), ``quiet`` (nothing new for ``quiet_for``, against ``usual``)."""

    kind: SilenceKind
    quiet_for: timedelta | None = None
    usual: timedelta | None = None

    def in_words(self) -> str:
        """English, for `feeds list` and /healthz."""
        if self.kind == "emptied":
            return "silent: the feed had items and now returns none"
        if self.kind == "empty":
            return "silent: the feed returns 0 items"
        usual = f", usually every {span(self.usual)}" if self.usual else ""
        return f"silent: nothing new for {span(self.quiet_for)}{usual}"


def silence(
    *,
    item_count: int | None,
    had_items: bool,
    newest_item_at: datetime | None,
    last_new_at: datetime | None,
    rhythm_seconds: float | None,
    now: datetime,
) -> Silence | None:
    """The silence of a feed whose last fetch worked, or None when it is fine or unknown.

    ``newest_item_at`` is the newest item date the feed ever gave (its own word, so a feed
    still serving last summer's list is quiet from its first poll); ``last_new_at`` when a
    poll last stored a new item, for feeds whose items carry no dates.
    """
    if item_count == 0:
        return Silence("emptied" if had_items else "empty")
    since = newest_item_at if newest_item_at is not None else last_new_at
    if since is None:
        return None
    quiet_for = now - since
    if quiet_for > quiet_limit(rhythm_seconds):
        usual = timedelta(seconds=rhythm_seconds) if rhythm_seconds else None
        return Silence("quiet", quiet_for, usual)
    return None


def span(value: timedelta | None) -> str:
    """A duration in the largest sensible unit: ``3 days``, ``5 hours``, ``20 minutes``."""
    if value is None:
        return "an unknown time"
    seconds = value.total_seconds()
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "under a minute"
