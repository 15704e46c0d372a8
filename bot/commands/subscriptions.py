"""/subscribe, /unsubscribe and /list: what a chat follows."""

from __future__ import annotations

from bot.commands.context import CommandStore, Context, registered
from bot.commands.parse import MAX_KEYWORD, MAX_WORDS, means_all, shown, split_words
from bot.commands.rules import describe, is_name, rule_for, rules_text
from bot.errors import CommandError
from bot.matching import normalize_word
from bot.messages import Reply
from bot.store.chats import RuleLimitReached
from bot.types import Rule


def _words(ctx: Context) -> list[str]:
    return split_words(ctx.parsed.raw_args, lambda word: is_name(word, ctx.taxonomy))


def subscribe(ctx: Context, store: CommandStore) -> Reply:
    words = _words(ctx)
    if not words:
        return _topic_choices(ctx, store)
    wanted: dict[Rule, str | None] = {}  # the rules, in order, with the user's spelling
    typed: dict[Rule, str] = {}
    problems: list[str] = []
    for word in words[:MAX_WORDS]:
        try:
            rule = rule_for(word, ctx.taxonomy, store.has_feed)
        except CommandError as e:
            problems.append(e.text(ctx.lang))
            continue
        typed.setdefault(rule, word)
        if rule.kind in ("keyword", "exclude"):
            wanted.setdefault(rule, shown(word.removeprefix("-"), MAX_KEYWORD))
        else:
            wanted.setdefault(rule, None)
    if len(words) > MAX_WORDS:
        problems.append(ctx.say("subscribe.too_many_words", limit=MAX_WORDS))
    if not wanted:
        return Reply("\n".join(problems[:5]) or ctx.say("subscribe.nothing"))
    chat = registered(ctx, store)
    limit = ctx.settings.delivery.max_rules
    try:
        added = store.add_rules(chat.id, wanted, now=ctx.now, limit=limit)
    except RuleLimitReached:
        count = len(store.rules(chat.id))
        return Reply(ctx.say("subscribe.limit", limit=limit, count=count))
    known = store.rule_labels(chat.id)
    lines = []
    follows = [r for r in added if r.kind != "exclude"]
    excludes = [r for r in added if r.kind == "exclude"]
    if follows:
        lines.append(ctx.say("subscribe.added", items=describe(ctx.lang, follows, known, typed)))
    if excludes:
        words_out = ", ".join(known.get(r, r.value) for r in excludes)
        lines.append(ctx.say("subscribe.excluded", items=words_out))
    already = [r for r in wanted if r not in added]
    if already:
        lines.append(ctx.say("subscribe.already", items=describe(ctx.lang, already, known, typed)))
    lines.extend(problems[:5])
    lines.extend(_hints(ctx, store, [r for r in added if r.kind == "keyword"], known))
    if chat.paused:
        lines.append(ctx.say("subscribe.paused_note"))
    announce = None
    if added:
        announce = ctx.say(
            "subscribe.announce",
            user=shown(ctx.user, 30),
            items=describe(ctx.lang, added, known, typed),
        )
    return Reply("\n".join(lines), announce=announce)


HINT_WORDS = 3000  # latest titles whose words a hint may suggest


def _hints(
    ctx: Context, store: CommandStore, keywords: list[Rule], known: dict[Rule, str]
) -> list[str]:
    """A keyword no stored story ever contained gets a hint: the closest word the stories
    do contain ("반도채 → 반도체로 구독할까요?"), or a note that none has it yet."""
    from bot.hints import closest_word

    lines: list[str] = []
    if not keywords:
        return lines
    words = store.recent_words(HINT_WORDS)
    if not words:
        return lines  # nothing stored yet: every keyword would get the same note
    for rule in keywords[:3]:
        try:
            page = store.search(rule.value, now=ctx.now, limit=1, half_life_days=3650)
        except CommandError:
            continue  # a keyword search cannot answer is no reason to refuse the rule
        if page.hits:
            continue
        label = known.get(rule, rule.value)
        if near := closest_word(rule.value, words):
            lines.append(ctx.say("subscribe.hint", word=label, closest=near))
        else:
            lines.append(ctx.say("subscribe.hint_none", word=label))
    return lines


def _topic_choices(ctx: Context, store: CommandStore) -> Reply:
    """/subscribe alone: every topic, marked when followed (a keyboard on Telegram)."""
    existing = store.chat(ctx.chat)
    followed = set()
    if existing is not None:
        followed = {r.value for r in store.rules(existing.id) if r.kind == "topic"}
    names = ctx.taxonomy.names
    return Reply(
        ctx.say("subscribe.ask", topics=", ".join(names)),
        topic_choices=tuple((n, n in followed) for n in names),
    )


def unsubscribe(ctx: Context, store: CommandStore) -> Reply:
    words = _words(ctx)
    if not words:
        return Reply(ctx.say("unsubscribe.ask"))
    chat = store.chat(ctx.chat)
    if chat is None:
        return Reply(ctx.say("unsubscribe.none_yet"))
    if means_all(words[0]):
        n = store.clear_rules(chat.id)
        if not n:
            return Reply(ctx.say("unsubscribe.all_empty"))
        return Reply(
            ctx.say("unsubscribe.all_done", count=n),
            announce=ctx.say("unsubscribe.all_announce", user=shown(ctx.user, 30)),
        )
    current = set(store.rules(chat.id))
    known = store.rule_labels(chat.id)
    removed: list[Rule] = []
    missing: list[str] = []
    for word in words[:MAX_WORDS]:
        hit = next((c for c in _meanings(ctx, store, word) if c in current), None)
        if hit is None:
            missing.append(shown(word))
        elif hit not in removed:
            removed.append(hit)
    store.remove_rules(chat.id, removed)
    lines = []
    described = describe(ctx.lang, removed, known)
    if removed:
        lines.append(ctx.say("unsubscribe.removed", items=described))
    if missing:
        lines.append(ctx.say("unsubscribe.missing", items=", ".join(missing)))
    announce = None
    if removed:
        announce = ctx.say("unsubscribe.announce", user=shown(ctx.user, 30), items=described)
    return Reply("\n".join(lines), announce=announce)


def _meanings(ctx: Context, store: CommandStore, word: str) -> list[Rule]:
    """The rules ``word`` may name: its rule, and the keyword when that is a topic or agency
    (a keyword followed before the word became a name still goes)."""
    try:
        rule = rule_for(word, ctx.taxonomy, store.has_feed)
    except CommandError:
        return []
    if rule.kind == "keyword":
        return [rule]
    return [rule, Rule("keyword", normalize_word(word))]


def list_rules(ctx: Context, store: CommandStore) -> Reply:
    chat = store.chat(ctx.chat)
    rules = store.rules(chat.id) if chat else []
    if chat is None or not rules:
        return Reply(ctx.say("list.empty"))
    limit = ctx.settings.delivery.max_rules
    listing = rules_text(ctx.lang, rules, store.rule_labels(chat.id))
    return Reply(listing + "\n" + ctx.say("list.count", count=len(rules), limit=limit))
