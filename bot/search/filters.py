"""Pure: search options (dates, agency, topic, feed) → validated filter values, or a reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.agencies import resolve_agency
from bot.clock import KST
from bot.errors import CommandError
from bot.topics import DEFAULT_TAXONOMY

# Dates a search may name: far enough for any archive, near enough that moving them to UTC
# (0001-01-01 KST is before datetime's first instant) and adding a day never overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def search_filters(
    since: date | datetime | None,
    until: date | datetime | None,
    agency: str | None,
    topic: str | None,
    feed_id: int | None,
) -> dict[str, Any]:
    """Filter values for the SQL; raises CommandError (Korean ``reply``) for unusable ones.

    ``since``/``until`` are inclusive; a date means that whole day in KST.
    """
    filters: dict[str, Any] = {}
    for value in (since, until):
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise CommandError(
                key="search.date_range", date=value.isoformat()[:10], first=FIRST_YEAR,
                last=LAST_YEAR,
            )  # fmt: skip
    if since is not None:
        filters["since"] = day_start(since)
    if until is not None:
        filters["until"] = (
            day_start(until) + timedelta(days=1)
            if not isinstance(until, datetime)
            else as_utc(until) + timedelta(microseconds=1)
        )
    if "since" in filters and "until" in filters and filters["since"] >= filters["until"]:
        raise CommandError(key="search.bad_period")
    if agency:
        canonical = resolve_agency(agency)
        if canonical is None:
            raise CommandError(key="search.unknown_agency", agency=agency[:30])
        filters["agency"] = canonical
    if topic:
        name = DEFAULT_TAXONOMY.resolve(topic)
        if name is None:
            raise CommandError(
                key="search.unknown_topic",
                topic=topic[:30],
                topics=", ".join(DEFAULT_TAXONOMY.names),
            )
        filters["topic"] = name
    if feed_id is not None:
        filters["feed_id"] = feed_id
    return filters


def day_start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    return datetime(value.year, value.month, value.day, tzinfo=KST).astimezone(UTC)


def as_utc(value: datetime | str) -> datetime:
    """Aware UTC (raw SQLite rows hold naive ISO text that was stored as UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
