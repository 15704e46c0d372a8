"""``sokbo feeds export`` / ``sokbo feeds import``: the feed list as OPML 2.0 (bot/opml.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

from bot.app import App
from bot.errors import FeedError
from bot.opml import OpmlError, OpmlFeed, export_opml, parse_opml
from bot.store import feeds as feed_store
from bot.store.articles import newest_article_urls


def _site(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else None


def cmd_feeds_export(app: App, args: argparse.Namespace) -> int:
    """Every enabled feed as OPML; htmlUrl is the site of the feed's newest article (sokbo
    keeps no channel link), else the feed's own host."""
    try:
        app.migrate()
        feed_store.sync_sources(app.engine, app.settings.feeds.sources, app.clock.now())
        feeds = feed_store.list_feeds(app.engine, include_disabled=False)
        newest = newest_article_urls(app.engine)
    finally:
        app.engine.dispose()
    entries = [
        OpmlFeed(title=f.name, xml_url=f.url, html_url=_site(newest.get(f.id) or f.url))
        for f in feeds
    ]
    text = export_opml(entries, title="sokbo feeds", now=app.clock.now())
    if args.output is None or str(args.output) == "-":
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"exported {len(entries)} feeds to {args.output}", file=sys.stderr)
    return 0


def cmd_feeds_import(app: App, args: argparse.Namespace) -> int:
    """Add the feeds an OPML file lists; already followed ones are skipped, invalid entries
    named. Exit 1 when the file is unreadable or not OPML (nothing changed) or an entry was
    invalid."""
    path: Path = args.file
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as e:
        print(f"sokbo: cannot read {path}: {e.strerror or e}", file=sys.stderr)
        return 1
    try:
        document = parse_opml(data)
    except OpmlError as e:
        print(f"sokbo: {path} is not an OPML file: {e}; nothing was imported", file=sys.stderr)
        return 1
    added = skipped = 0
    try:
        app.migrate()
        known = {f.url: f for f in feed_store.list_feeds(app.engine)}
        seen: set[str] = set()
        for entry in document.feeds:
            if entry.xml_url in seen:
                print(f"skipped {entry.title}: listed twice in the file ({entry.xml_url})")
                skipped += 1
                continue
            seen.add(entry.xml_url)
            old = known.get(entry.xml_url)
            if old is not None and old.enabled:
                print(f"skipped {entry.title}: already followed as feed {old.id}")
                skipped += 1
                continue
            try:
                feed = feed_store.add_feed(app.engine, entry.xml_url, entry.title, app.clock.now())
            except FeedError as e:  # added meanwhile by another process
                print(f"skipped {entry.title}: {e}")
                skipped += 1
                continue
            again = " (followed again)" if old is not None else ""
            print(f"added feed {feed.id}: {feed.name} ({feed.url}){again}")
            added += 1
    finally:
        app.engine.dispose()
    for where, reason in document.invalid:
        print(f"sokbo: invalid entry '{where}': {reason}", file=sys.stderr)
    print(
        f"imported {added} feeds, skipped {skipped} already followed or repeated, "
        f"{len(document.invalid)} invalid",
        file=sys.stderr,
    )
    return 1 if document.invalid else 0
