"""/search, and a plain message (no slash) that reads like one in a private chat."""

from __future__ import annotations

from bot.commands.context import CommandStore, Context
from bot.commands.parse import MAX_SEARCH, looks_like_search, quoted, shown
from bot.errors import CommandError
from bot.messages import Reply, SearchPage


def search(ctx: Context, store: CommandStore) -> Reply:
    query = " ".join(ctx.parsed.raw_args.split())
    if not query:
        return Reply(ctx.say("search.ask"))
    if len(query) > MAX_SEARCH:
        return Reply(ctx.say("search.too_long", limit=MAX_SEARCH))
    page = _page(ctx, store, query)
    if not page.hits:
        return Reply(ctx.say("search.none", query=shown(query)), search=page)
    return Reply(ctx.say("search.found", query=shown(query), count=len(page.hits)), search=page)


def plain(ctx: Context, store: CommandStore, text: str) -> Reply:
    """A message without a command: a search in a private chat when it reads like one,
    otherwise a short hint. Never a made-up command name."""
    if not ctx.is_group and len(text) <= MAX_SEARCH and looks_like_search(text):
        try:
            page = _page(ctx, store, text)
        except CommandError:
            return Reply(ctx.say("plain.hint"))
        lead = ctx.say("plain.searched", query=quoted(text, 40))
        if not page.hits:
            return Reply(f"{lead}\n{ctx.say('search.none', query=shown(text))}", search=page)
        found = ctx.say("search.found", query=shown(text), count=len(page.hits))
        return Reply(f"{lead} {found}", search=page)
    return Reply(ctx.say("plain.hint_group" if ctx.is_group else "plain.hint"))


def _page(ctx: Context, store: CommandStore, query: str) -> SearchPage:
    return store.search(
        query,
        now=ctx.now,
        limit=ctx.settings.search.default_limit,
        half_life_days=ctx.settings.search.recency_half_life_days,
    )
