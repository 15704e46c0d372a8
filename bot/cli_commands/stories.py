"""``sokbo stories explain ID`` and ``sokbo stories split ARTICLE``: grouping made visible and
reversible."""

from __future__ import annotations

import argparse
import sys

from bot.app import App
from bot.clock import KST
from bot.render.common import why_grouped
from bot.store.stories import source_names, split_article, story_members


def cmd_stories_explain(app: App, args: argparse.Namespace) -> int:
    """Print a story's articles (primary marked) and what each shares with the one it joined."""
    app.migrate()
    with app.engine.connect() as conn:
        members = story_members(conn, [args.id])[args.id]
    if not members:
        print(f"sokbo stories explain: no story {args.id}", file=sys.stderr)
        return 1
    names = source_names(members)
    articles = f"{len(members)} article" + ("s" if len(members) > 1 else "")
    sources = f"{len(names)} source" + ("s" if len(names) > 1 else "")
    print(f"story {args.id}: {articles} from {sources} ({', '.join(names)})")
    for m in members:
        mark = "*" if m.primary else " "
        when = m.published_at.astimezone(KST).strftime("%Y-%m-%d %H:%M")
        print(f"{mark} #{m.article_id} {when} {m.feed}: {m.title}")
        print(f"    {m.url}")
        print(f"    {m.reason}: {why_grouped(m.reason, m.via_article_id, m.similarity, m.shared)}")
    print("* = primary: the digest and contacts come from this article")
    return 0


def cmd_stories_split(app: App, args: argparse.Namespace) -> int:
    """Move an article into a story of its own; it never joins the old story again."""
    app.migrate()
    done = split_article(app.engine, args.article, app.clock.now())
    if done is None:
        print(
            f"sokbo stories split: article {args.article} is unknown or alone in its story",
            file=sys.stderr,
        )
        return 1
    print(
        f"article {done.article_id} split from story {done.from_story_id} "
        f"into story {done.new_story_id}"
    )
    return 0
