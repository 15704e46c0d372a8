"""/mode, /time, /pause and /resume: how and when a chat hears from the bot."""

from __future__ import annotations

from bot.commands.context import CommandStore, Context, registered
from bot.commands.parse import parse_mode, quoted
from bot.commands.timewords import TimeProblem, at_words, clock_words, parse_time_args, zone_words
from bot.digest import next_digest_at
from bot.messages import Reply


def mode(ctx: Context, store: CommandStore) -> Reply:
    choice = parse_mode(ctx.parsed.args)
    if choice is None:
        return Reply(ctx.say("mode.ask"))
    chat = registered(ctx, store)
    store.set_mode(chat.id, choice, now=ctx.now)
    text = ctx.say("mode.set", name=quoted(ctx.say(f"mode.name.{choice}"), 40))
    if choice != "instant":
        when = clock_words(ctx.lang, chat.daily_time)
        text += " " + ctx.say("mode.daily_at", when=when, zone=zone_words(ctx.lang, chat.timezone))
    return Reply(text)


def time(ctx: Context, store: CommandStore) -> Reply:
    if not ctx.parsed.args or len(ctx.parsed.args) > 6:
        return Reply(ctx.say("time.usage"))
    parsed = parse_time_args(ctx.parsed.args)
    if parsed is TimeProblem.BAD_ZONE:
        return Reply(ctx.say(parsed, zone=quoted(ctx.parsed.args[-1])))
    if isinstance(parsed, TimeProblem):
        return Reply(ctx.say(parsed))
    (hour, minute), named = parsed
    hhmm = f"{hour:02d}:{minute:02d}"
    chat = registered(ctx, store)
    tz = named or chat.timezone
    store.set_daily_time(chat.id, hhmm, tz, now=ctx.now)
    at = at_words(ctx.lang, hhmm, tz)
    if chat.mode == "instant":
        return Reply(ctx.say("time.set_instant", at=at))
    when = next_digest_at(
        now=ctx.now,
        daily_time=hhmm,
        timezone=tz,
        last_digest_at=chat.last_digest_at,
        schedule_changed_at=ctx.now,
    )
    return Reply(ctx.say("time.set", at=at, next=ctx.when(when, tz)))


def pause(ctx: Context, store: CommandStore) -> Reply:
    chat = registered(ctx, store)
    store.set_paused(chat.id, True, now=ctx.now)
    return Reply(ctx.say("pause.done"))


def resume(ctx: Context, store: CommandStore) -> Reply:
    chat = registered(ctx, store)
    store.set_paused(chat.id, False, now=ctx.now)
    return Reply(ctx.say("resume.done"))
