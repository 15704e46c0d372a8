"""/start, /help, /topics, /agencies, /sources, /status and /lang: what the bot knows and how
this chat is set up."""

from __future__ import annotations

from datetime import timedelta

from bot.agencies import AGENCIES
from bot.commands.context import CommandStore, Context, registered
from bot.commands.names import COMMAND_NAMES, COMMANDS
from bot.commands.parse import quoted, shown
from bot.commands.rules import rules_text
from bot.commands.timewords import at_words
from bot.digest import next_digest_at
from bot.feeds.silence import Silence
from bot.locales import parse_language, t
from bot.messages import Reply
from bot.sources.health import feed_health
from bot.store.chats import Chat
from bot.topics import OTHER


def start(ctx: Context, store: CommandStore) -> Reply:
    registered(ctx, store)
    return Reply(ctx.say("start", help=_help_text(ctx)))


def _help_text(ctx: Context) -> str:
    lines = [ctx.say("help.title")]
    for spec in COMMANDS:
        names = f"/{spec.name} · /{spec.korean}"
        lines.append(f"{names} — {ctx.say(f'cmd.{spec.name}.summary')}")
    lines.append("")
    lines.append(ctx.say("help.footer"))
    return "\n".join(lines)


def help(ctx: Context, store: CommandStore) -> Reply:
    if not ctx.parsed.args:
        return Reply(_help_text(ctx))
    wanted = ctx.parsed.args[0].removeprefix("/").lower()
    spec = COMMAND_NAMES.get(wanted)
    if spec is None:
        return Reply(ctx.say("help.unknown", name=shown(wanted, 15)))
    names = " · ".join(f"/{n}" for n in (spec.name, spec.korean, *spec.aliases))
    return Reply(
        "\n".join(
            [
                ctx.say(f"cmd.{spec.name}.summary"),
                ctx.say("help.names", names=names),
                "",
                ctx.say(f"cmd.{spec.name}.detail"),
            ]
        )
    )


def topics(ctx: Context, store: CommandStore) -> Reply:
    taxonomy = ctx.taxonomy
    aliases: dict[str, list[str]] = {}
    for alias, name in taxonomy.aliases.items():
        aliases.setdefault(name, []).append(alias)
    lines = [ctx.say("topics.title", count=len(taxonomy.names))]
    for name in taxonomy.names:
        if name == OTHER:
            continue
        own = {name.lower().replace(" ", ""), name.lower().replace(" ", "").replace("·", "")}
        others = [a for a in aliases.get(name, []) if a not in own]
        lines.append(f"· {name}" + (f" ({', '.join(others[:6])})" if others else ""))
    lines.append(ctx.say("topics.footer"))
    return Reply("\n".join(lines))


def agencies(ctx: Context, store: CommandStore) -> Reply:
    lines = [ctx.say("agencies.title", count=len(AGENCIES))]
    for name, others in AGENCIES.items():
        rest = [o for o in others if o != name]
        lines.append(f"· {name}" + (f" ({', '.join(rest)})" if rest else ""))
    lines.append(ctx.say("agencies.footer"))
    return Reply("\n".join(lines))


def sources(ctx: Context, store: CommandStore) -> Reply:
    found = store.feeds()
    if not found:
        return Reply(ctx.say("sources.none"))
    lines = [ctx.say("sources.title", count=len(found))]
    for feed in found[:30]:
        health = feed_health(feed, ctx.now)
        if health.state == "failing":
            state = ctx.say(
                "sources.failing",
                count=feed.consecutive_failures,
                error=shown(feed.last_error or "", 60),
            )
        elif health.silence is not None:
            state = _silence_words(ctx, health.silence)
        elif feed.last_success_at is not None:
            last = ctx.when(feed.last_success_at, ctx.settings.digest.default_timezone)
            state = ctx.say("sources.ok", when=last)
        else:
            state = ctx.say("sources.never")
        if health.ended is not None:
            state += " — " + ctx.say(
                "sources.ended",
                service=health.ended.name,
                date=health.ended.ended_on.isoformat(),
                instead=health.ended.replaced_by,
            )
        lines.append(f"#{feed.id} {shown(feed.name, 40)} — {state}")
    if len(found) > 30:
        lines.append(ctx.say("feeds.more", count=len(found) - 30))
    lines.append(ctx.say("sources.footer"))
    return Reply("\n".join(lines))


def _silence_words(ctx: Context, quiet: Silence) -> str:
    """A silent feed in the chat's language: emptied, empty, or quiet for how long."""
    if quiet.kind != "quiet":
        return ctx.say(f"sources.{quiet.kind}")
    days = max(1, round((quiet.quiet_for or timedelta()).total_seconds() / 86400))
    if quiet.usual is None:
        return ctx.say("sources.quiet", days=days)
    hours = max(1, round(quiet.usual.total_seconds() / 3600))
    return ctx.say("sources.quiet_usual", days=days, hours=hours)


def status(ctx: Context, store: CommandStore) -> Reply:
    chat = store.chat(ctx.chat)
    lines = [_chat_status(ctx, store, chat)] if chat else [ctx.say("status.unregistered")]
    lines.append(_feed_health(ctx, store))
    return Reply("\n".join(lines))


def _chat_status(ctx: Context, store: CommandStore, chat: Chat) -> str:
    rules = store.rules(chat.id)
    listing = rules_text(ctx.lang, rules, store.rule_labels(chat.id)) if rules else None
    lines = [listing or ctx.say("status.no_rules")]
    lines.append(ctx.say("status.mode", mode=ctx.say(f"mode.name.{chat.mode}")))
    if chat.paused:
        if chat.paused_reason:
            lines.append(ctx.say("status.paused_gone", reason=shown(chat.paused_reason, 60)))
        else:
            lines.append(ctx.say("status.paused_user"))
    elif chat.mode != "instant":
        when = next_digest_at(
            now=ctx.now,
            daily_time=chat.daily_time,
            timezone=chat.timezone,
            last_digest_at=chat.last_digest_at,
            schedule_changed_at=chat.schedule_changed_at,
        )
        lines.append(ctx.say("status.next_digest", when=ctx.when(when, chat.timezone)))
    else:
        at = at_words(ctx.lang, chat.daily_time, chat.timezone)
        lines.append(ctx.say("status.daily_off", at=at))
    lines.append(ctx.say("status.language", name=ctx.say(f"lang.name.{ctx.lang}")))
    return "\n".join(lines)


def _feed_health(ctx: Context, store: CommandStore) -> str:
    found = store.feeds()
    if not found:
        return ctx.say("feeds.none")
    failing = [f for f in found if f.consecutive_failures]
    ok = len(found) - len(failing)
    head = (
        ctx.say("feeds.head_failing", total=len(found), ok=ok, failing=len(failing))
        if failing
        else ctx.say("feeds.head", total=len(found), ok=ok)
    )
    detail = [
        f"  #{f.id} {shown(f.name, 30)} — "
        + (
            ctx.say("feeds.failing", count=f.consecutive_failures)
            if f.consecutive_failures
            else ctx.say("feeds.ok")
        )
        for f in found[:10]
    ]
    if len(found) > 10:
        detail.append("  " + ctx.say("feeds.more", count=len(found) - 10))
    return "\n".join([head, *detail])


def lang(ctx: Context, store: CommandStore) -> Reply:
    if not ctx.parsed.args:
        return Reply(ctx.say("lang.ask", name=ctx.say(f"lang.name.{ctx.lang}")))
    chosen = parse_language(ctx.parsed.args[0])
    if chosen is None:
        return Reply(ctx.say("lang.unknown", value=quoted(ctx.parsed.args[0])))
    chat = registered(ctx, store)
    store.set_language(chat.id, chosen)
    return Reply(t(chosen, "lang.set"))
