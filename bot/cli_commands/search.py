"""``sokbo search QUERY``: search the archive from the command line (text or JSON lines)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from bot.app import App
from bot.errors import CommandError
from bot.render.text import render_search
from bot.search import index_pending, search


def cmd_search(app: App, args: argparse.Namespace) -> int:
    """Exit status 0 with results (or none), 1 for a query the bot cannot use, 2 for bad
    options; explanations go to stderr."""
    try:
        since = date.fromisoformat(args.since) if args.since else None
    except ValueError:
        print(
            f"sokbo search: --since must be a date as YYYY-MM-DD, not {args.since!r}",
            file=sys.stderr,
        )
        return 2
    if not 1 <= args.limit <= 50:
        print(f"sokbo search: --limit must be between 1 and 50, not {args.limit}", file=sys.stderr)
        return 2
    query = " ".join(args.query) if isinstance(args.query, list) else args.query
    try:
        if not query.strip():
            raise CommandError(key="search.empty")
        app.migrate()
        index_pending(app.engine, now=app.clock.now())
        page = search(
            app.engine,
            query,
            limit=args.limit,
            since=since,
            agency=args.agency,
            now=app.clock.now(),
            half_life_days=app.settings.search.recency_half_life_days,
        )
    except CommandError as e:
        print(e.reply, file=sys.stderr)
        return 1
    finally:
        app.engine.dispose()
    if args.format == "jsonl":
        for hit in page.hits:
            record = {
                "story_id": hit.story_id,
                "headline": hit.headline,
                "agency": hit.agency,
                "published_at": hit.published_at.isoformat(),
                "snippet": "".join(text for text, _ in hit.snippet),
                "matches": [text for text, matched in hit.snippet if matched],
                "url": hit.url,
            }
            print(json.dumps(record, ensure_ascii=False))
    else:
        print(render_search(page))
    return 0
