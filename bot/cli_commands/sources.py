"""``sokbo feeds add NAME|URL`` and ``sokbo feeds catalog``: following a source by a body's name
or a site's address, and what is known about each source."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

from bot.app import App
from bot.cli_commands.ingest import _closing
from bot.config import FeedSource
from bot.errors import ConfigError, FeedError
from bot.feeds.fetch import Fetcher
from bot.sources.catalog import QUIRKS, Body, CatalogFeed, Match, catalog
from bot.sources.discover import Discovered, DiscoveryError, discover
from bot.store import feeds as feed_store
from bot.types import Feed

# Addresses added as they are, never fetched first: the OpenAPI source kind answers only
# with a service key, and is no page to look for a feed in.
_NOT_DISCOVERED = re.compile(r"/1371000/pressReleaseService/pressReleaseList/?$")
_HOST_LIKE = re.compile(r"^[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?(?:[/?#].*)?$")


@_closing
def cmd_feeds_add(app: App, args: argparse.Namespace) -> int:
    target = args.url.strip()
    if "://" not in target and not _HOST_LIKE.match(target):
        return _add_by_name(app, target, args.name)
    if "://" not in target:
        target = "https://" + target
    try:
        FeedSource(name="-", url=target)
    except ValueError as e:
        raise ConfigError(
            f"cannot add {args.url!r}: URL must start with http://, https:// or file://"
        ) from e
    if notice := _ended(target):
        print(f"sokbo: {notice}", file=sys.stderr)
        return 1
    known = catalog().entry_for_url(target)
    name = args.name or (known.name if known else None)
    if known is None and not target.startswith("file://") and not _NOT_DISCOVERED.search(target):
        try:
            found = asyncio.run(_discover(app, target))
        except DiscoveryError as e:
            print(f"sokbo: {e}", file=sys.stderr)
            return 1
        except FeedError as e:  # unreachable now: followed as given, polled on the next cycle
            print(f"sokbo: could not read {target} now ({e}); adding it as given", file=sys.stderr)
        else:
            if found.via != "feed":
                how = "announced by the page" if found.via == "link" else "at a usual path"
                print(f"found the feed {found.url} ({how})")
            target = found.url
            name = name or found.title
    return _add(app, target, name or urlsplit(target).netloc or target)


async def _discover(app: App, url: str) -> Discovered:
    async with Fetcher(app.settings.feeds) as fetcher:
        return await discover(fetcher, url, app.clock.now())


def _ended(url: str) -> str | None:
    service = catalog().ended_service(url)
    return service.message() if service else None


def _add_by_name(app: App, name: str, given_name: str | None) -> int:
    match = catalog().find(name)
    if match is None:
        print(
            f"sokbo: 카탈로그에 없는 이름이에요: {name}. sokbo feeds catalog 로 이름을 "
            "보거나, 피드나 사이트 주소(https://…)로 더해 주세요.",
            file=sys.stderr,
        )
        return 1
    if match.feed is None:
        print(f"sokbo: {_no_feed(match)}", file=sys.stderr)
        return 1
    return _add(app, match.feed.url, given_name or match.feed.name, match)


def _no_feed(match: Match) -> str:
    note = f" ({match.body.note})" if match.body.note else ""
    return (
        f"{match.body.name}는 보도자료 피드가 없어요{note}. 이 기관의 보도자료는 정책브리핑 "
        "OpenAPI로 받을 수 있어요: sokbo feeds add 정책브리핑 (DATA_GO_KR_SERVICE_KEY 필요)"
    )


def _add(app: App, url: str, name: str, match: Match | None = None) -> int:
    app.migrate()
    try:
        source = FeedSource(name=name[:100], url=url)
        feed = feed_store.add_feed(app.engine, source.url, source.name, app.clock.now())
    except FeedError as e:
        print(f"sokbo: {e}", file=sys.stderr)
        return 1
    print(f"added feed {feed.id}: {feed.name} ({feed.url}); it is polled on the next cycle")
    entry = match.feed if match else catalog().entry_for_url(url)
    for quirk in entry.quirks if entry else ():
        print(f"    known: {QUIRKS[quirk]}")
    return 0


@_closing
def cmd_feeds_catalog(app: App, args: argparse.Namespace) -> int:
    """Every body of the catalog: its names, feeds, what is known; which ones are followed."""
    app.migrate()
    followed = {f.url: f for f in feed_store.list_feeds(app.engine, include_disabled=False)}
    for body in catalog().bodies:
        print(_body_line(body))
        if body.note:
            print(f"    note: {body.note}")
        if not body.feeds:
            print("    no press-release feed of its own: its releases come through the OpenAPI")
        for feed in body.feeds:
            print("    " + _feed_line(feed, followed))
            for quirk in feed.quirks:
                print(f"        - {QUIRKS[quirk]}")
    print()
    for service in catalog().ended:
        print(f"ended: {service.name} ({', '.join(service.hosts)}{service.path_prefix}…)")
        print(f"    {service.message()}")
    print("add one with: sokbo feeds add NAME (e.g. sokbo feeds add 중기부)")
    return 0


def _body_line(body: Body) -> str:
    names = ", ".join(body.short)
    if body.former:
        names += ("; " if names else "") + "formerly " + ", ".join(body.former)
    return f"{body.name}" + (f" ({names})" if names else "")


def _feed_line(feed: CatalogFeed, followed: Mapping[str, Feed]) -> str:
    marks = []
    if feed.default:
        marks.append("default")
    if feed.url in followed:
        marks.append(f"followed as #{followed[feed.url].id}")
    tail = f"  [{', '.join(marks)}]" if marks else ""
    return f"{feed.kind}  {feed.url}{tail}"
