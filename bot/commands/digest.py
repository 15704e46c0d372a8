"""/digest: the chat's digest now, the same :class:`DailyDigest` the scheduled one sends."""

from __future__ import annotations

from datetime import timedelta

from bot.commands.context import CommandStore, Context
from bot.digest import build_digest
from bot.matching import Rules
from bot.messages import Reply
from bot.render.text import render_digest


def digest(ctx: Context, store: CommandStore) -> Reply:
    """Stories since the last digest (a day when there was none) that match the chat's rules;
    ``text`` is the digest as plain text, ``digest`` the value chat platforms render."""
    chat = store.chat(ctx.chat)
    rules = store.rules(chat.id) if chat else []
    if chat is None or not rules:
        return Reply(ctx.say("digest.no_rules"))
    since = chat.last_digest_at or ctx.now - timedelta(days=1)
    candidates = store.digest_candidates(since, ctx.now)
    found = build_digest(
        candidates,
        Rules.from_pairs(r.pair for r in rules),
        since=since,
        now=ctx.now,
        timezone=chat.timezone,
        max_items=ctx.settings.digest.max_items,
    )
    if found is None:
        when = ctx.when(since, chat.timezone)
        if not candidates:
            return Reply(ctx.say("digest.nothing_arrived", since=when))
        return Reply(ctx.say("digest.nothing_matched", since=when, count=len(candidates)))
    return Reply(render_digest(found, ctx.lang), digest=found)
