"""The catalog of sources (catalog.toml beside this file): bodies, their feeds, what is known.

Data, not code: the fetcher and parser handle every quirk in general; the catalog only lets
people add a feed by a body's name (``sokbo feeds add 중기부``), lists what is known about each
one (``sokbo feeds catalog``), gives new installs their default feeds, and names services that
ended (정책브리핑 RSS) so an install still following one is told what replaces it.
"""

from __future__ import annotations

import functools
import logging
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

# Every quirk a catalog entry may name, in words (English: `sokbo feeds catalog`, docs).
QUIRKS: Mapping[str, str] = {
    "service_key": "needs a service key (DATA_GO_KR_SERVICE_KEY)",
    "zoneless_dates": "dates without a zone ('2026-08-12 09:41:11.0'), read as Korean time",
    "http_links": "item links in http:// on an https site; forced to https",
    "no_description": "no description: the text is on the linked page",
    "dc_date": "no pubDate, dc:date instead",
    "cdata_link": "<link> in CDATA",
    "channel_item": "the first item can be the channel itself (not a release; skipped)",
    "full_text": "full text in the feed",
    "slow": "slow to answer",
    "flaky": "answered 503 once (retried with backoff)",
    "cookie_gate": "307 to itself setting a cookie: kept for the fetch and the next",
    "browser_agent": "refuses clients that do not send a browser-like User-Agent",
    "attachment_only": "release text only in the HWPX/PDF attachment",
    "dotted_dates": "dates as '2026.09.23' (Korean time)",
    "content_encoded": "body in content:encoded",
    "office_debris": "HWP/office comment debris in the body (dropped)",
    "double_entities": "entities encoded twice ('&amp;middot;'; decoded once)",
    "large": "large document (~700 KB)",
    "slow_first_byte": "seconds before the first byte (waited for within the read timeout)",
    "gmt_dates": "RFC 822 dates in GMT",
    "robots_detail": "robots.txt disallows the detail pages",
    "post_only": "answers GET with 405 (Allow: POST): fetched with POST, remembered per feed",
    "java_dates": "dates as 'Wed Jul 08 15:00:00 KST 2026'",
    "relative_links": "relative item links (resolved against the feed)",
    "session_ids": "a ;jsessionid= in every link that changes per request (ignored for identity)",
    "encoding_switch": "switched from EUC-KR to UTF-8 around 2026-09-08",
    "offset_dates": "ISO dates with +0900",
    "http_elsewhere": "some configurations use http://",
    "one_source": "reported by one source only",
}


@dataclass(frozen=True, slots=True)
class CatalogFeed:
    """One feed of a body: what kind of releases it carries and what is known about it."""

    body: str
    kind: str
    url: str
    quirks: tuple[str, ...] = ()
    default: bool = False
    first_byte_seconds: float | None = None

    @property
    def name(self) -> str:
        """The name a feed added from the catalog gets (``금융위원회 보도자료``)."""
        return f"{self.body} {self.kind}"


@dataclass(frozen=True, slots=True)
class Body:
    """A government body: its names (current first) and its feeds (the first is the main one)."""

    name: str
    short: tuple[str, ...] = ()
    former: tuple[str, ...] = ()
    agency: str = ""
    note: str = ""
    feeds: tuple[CatalogFeed, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.short, *self.former)


@dataclass(frozen=True, slots=True)
class EndedService:
    """A service whose feeds answer no more: an install still following one is told."""

    name: str
    hosts: tuple[str, ...]
    path_prefix: str
    ended_on: date
    notice: str
    replaced_by: str

    def covers(self, url: str) -> bool:
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return False
        host = (parts.hostname or "").lower()
        return host in self.hosts and parts.path.startswith(self.path_prefix)

    def message(self) -> str:
        """What the operator reads, in Korean (log, `feeds list`, /healthz)."""
        return (
            f"{self.name}는 {self.ended_on.isoformat()}에 서비스를 끝냈어요"
            f"(공지: {self.notice}). 이 피드는 더 이상 글을 주지 않아요. "
            f"대신 {self.replaced_by}를 쓰세요(OpenAPI는 sokbo feeds add 정책브리핑)."
        )


@dataclass(frozen=True, slots=True)
class Match:
    """What a name in ``sokbo feeds add NAME`` found: a body and the feed it means (None when
    the body has no feed of its own)."""

    body: Body
    feed: CatalogFeed | None


@dataclass(frozen=True)
class Catalog:
    bodies: tuple[Body, ...]
    ended: tuple[EndedService, ...]

    @functools.cached_property
    def _by_name(self) -> dict[str, Match]:
        found: dict[str, Match] = {}
        for body in self.bodies:
            main = body.feeds[0] if body.feeds else None
            for name in body.names:
                found.setdefault(name_key(name), Match(body, main))
                for feed in body.feeds:
                    found.setdefault(name_key(f"{name} {feed.kind}"), Match(body, feed))
            for feed in body.feeds:
                found.setdefault(name_key(feed.url), Match(body, feed))
        return found

    def find(self, name: str) -> Match | None:
        """The body (and feed) a name means: any of its names, current or former, short or
        full, optionally followed by the feed's kind (``금융위 설명자료``); or a catalog URL."""
        return self._by_name.get(name_key(name))

    def feeds(self) -> Iterable[CatalogFeed]:
        for body in self.bodies:
            yield from body.feeds

    def defaults(self) -> tuple[CatalogFeed, ...]:
        return tuple(feed for feed in self.feeds() if feed.default)

    def entry_for_url(self, url: str) -> CatalogFeed | None:
        match = self._by_name.get(name_key(url))
        return match.feed if match else None

    def ended_service(self, url: str) -> EndedService | None:
        return next((service for service in self.ended if service.covers(url)), None)


_SPACES = re.compile(r"[\s·・ㆍ.]+")


def name_key(name: str) -> str:
    """Names compared without case, width, spaces or middle dots (``중기부``, ``MSS``, ``mss``)."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name).casefold())


class CatalogError(ValueError):
    """catalog.toml does not say what the loader needs (a packaging or editing mistake)."""


def parse_catalog(data: Mapping[str, Any]) -> Catalog:
    """The catalog from its TOML tables; raises CatalogError naming the bad entry."""
    bodies = []
    for raw in data.get("body", []):
        name = _text(raw, "name")
        feeds = []
        for feed in raw.get("feeds", []):
            quirks = tuple(feed.get("quirks", ()))
            unknown = [q for q in quirks if q not in QUIRKS]
            if unknown:
                raise CatalogError(f"{name}: unknown quirks {unknown} (see QUIRKS)")
            url = _text(feed, "url")
            if not url.startswith(("https://", "http://")):
                raise CatalogError(f"{name}: feed URL must be http(s): {url}")
            first_byte = feed.get("first_byte_seconds")
            feeds.append(
                CatalogFeed(
                    body=name,
                    kind=_text(feed, "kind"),
                    url=url,
                    quirks=quirks,
                    default=bool(feed.get("default", False)),
                    first_byte_seconds=float(first_byte) if first_byte is not None else None,
                )
            )
        bodies.append(
            Body(
                name=name,
                short=tuple(raw.get("short", ())),
                former=tuple(raw.get("former", ())),
                agency=str(raw.get("agency", "")),
                note=str(raw.get("note", "")),
                feeds=tuple(feeds),
            )
        )
    ended = []
    for raw in data.get("ended", []):
        when = raw.get("ended_on")
        if not isinstance(when, date):
            raise CatalogError(f"ended service {raw.get('name')!r}: ended_on must be a date")
        ended.append(
            EndedService(
                name=_text(raw, "name"),
                hosts=tuple(h.lower() for h in raw.get("hosts", ())),
                path_prefix=_text(raw, "path_prefix"),
                ended_on=when,
                notice=str(raw.get("notice", "")),
                replaced_by=_text(raw, "replaced_by"),
            )
        )
    return Catalog(tuple(bodies), tuple(ended))


def _text(table: Mapping[str, Any], key: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"catalog entry {dict(table).get('name', table)!r}: {key} is missing")
    return value.strip()


@functools.cache
def catalog() -> Catalog:
    """The packaged catalog, read once per process."""
    text = resources.files("bot.sources").joinpath("catalog.toml").read_text(encoding="utf-8")
    return parse_catalog(tomllib.loads(text))


def ended_notice(url: str) -> str | None:
    """The Korean notice for a feed of a service that ended, else None."""
    service = catalog().ended_service(url)
    return service.message() if service else None


_told: set[str] = set()


def tell_ended_once(
    feeds: Iterable[tuple[int, str, str]], log: logging.Logger, told: set[str] | None = None
) -> None:
    """Log the ended-service notice once (per process, or per ``told``) for each
    (id, name, url) that needs it."""
    told = _told if told is None else told
    for feed_id, name, url in feeds:
        if url in told:
            continue
        if notice := ended_notice(url):
            told.add(url)
            log.warning("피드 %d %s (%s): %s", feed_id, name, url, notice)
