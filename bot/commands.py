"""The platform-neutral command core: chat text in, a :class:`Reply` in the chat's language out.

Every adapter (Telegram, Slack, console/CLI) calls :meth:`CommandCore.handle` with the chat,
the user, whether the user is an admin and whether the chat is a group. Bad input of any kind
(unknown commands, missing or huge arguments, control characters, emoji, markup) gets a short
helpful answer; nothing invalid is stored and nothing raises. Every command has an English and
a Korean name (``/subscribe`` = ``/구독``); a message without a slash is answered with a hint,
or in a private chat searched when it reads like a search. The words live in
:mod:`bot.locales` (Korean by default, English with ``/lang en`` or ``[bot] language``).
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib.util
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot import metrics
from bot.agencies import AGENCIES, resolve_agency
from bot.clock import Clock
from bot.config import Settings
from bot.digest import build_digest, next_digest_at, zone
from bot.errors import CommandError
from bot.korean import tokens
from bot.locales import Language, language, parse_language, t, weekday
from bot.matching import Rules, normalize_word
from bot.messages import Reply, SearchHit, SearchPage
from bot.render.text import render_digest
from bot.store import chats as chat_store
from bot.store import feeds as feed_store
from bot.store import from_db
from bot.store.chats import Chat, ChatLimitReached, RuleLimitReached
from bot.store.schema import feeds, stories
from bot.store.stories import digest_candidates
from bot.topics import DEFAULT_TAXONOMY, OTHER, Taxonomy
from bot.types import ChatRef

log = logging.getLogger(__name__)

MAX_INPUT = 1000  # characters of a whole command we read at all
MAX_KEYWORD = 40
MAX_SEARCH = 200
MAX_WORDS = 60  # rules read from one /subscribe
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_KEYWORD = re.compile(r"[0-9a-z가-힣ㄱ-ㅎㅏ-ㅣ·&+#.\-_ ]+")
_TOKEN = re.compile(r'"([^"]*)"|“([^”]*)”|(\S+)')
# Lists people type: 반도체,AI · 반도체、AI · 반도체·AI (the dot only when the whole is no name)
_LIST_SEPARATORS = re.compile(r"[,，、;]+")
_MIDDLE_DOT = re.compile(r"[·•ㆍ]+")

_MODES = {
    "instant": "instant",
    "즉시": "instant",
    "즉시알림": "instant",
    "바로": "instant",
    "바로알림": "instant",
    "실시간": "instant",
    "실시간알림": "instant",
    "알림": "instant",
    "daily": "daily",
    "매일": "daily",
    "매일요약": "daily",
    "하루한번": "daily",
    "요약": "daily",
    "일간": "daily",
    "both": "both",
    "둘다": "both",
    "모두": "both",
    "전부": "both",
    "다": "both",
    "즉시알림+매일요약": "both",
    "즉시+매일": "both",
}
_ALL = ("all", "전체", "모두", "전부", "다")


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command: its English name (also its catalog key), its Korean name, other names."""

    name: str
    korean: str
    aliases: tuple[str, ...] = ()
    changes: bool = False  # changes the chat's settings: admins only in groups


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", "시작"),
    CommandSpec("help", "도움말", ("도움", "사용법")),
    CommandSpec("subscribe", "구독", ("sub",), changes=True),
    CommandSpec("unsubscribe", "해지", ("해제", "구독해지", "구독취소", "unsub"), changes=True),
    CommandSpec("list", "목록", ("구독목록",)),
    CommandSpec("mode", "모드", ("방식",), changes=True),
    CommandSpec("time", "시간", ("시각",), changes=True),
    CommandSpec("pause", "일시정지", ("멈춤", "stop"), changes=True),
    CommandSpec("resume", "재개", (), changes=True),
    CommandSpec("digest", "요약"),
    CommandSpec("search", "검색"),
    CommandSpec("status", "상태"),
    CommandSpec("topics", "주제"),
    CommandSpec("agencies", "기관", ("부처",)),
    CommandSpec("sources", "피드", ("출처", "feeds")),
    CommandSpec("lang", "언어", ("language",), changes=True),
)
# every name a command answers to (lower case) → its spec
COMMAND_NAMES: dict[str, CommandSpec] = {
    name.lower(): spec for spec in COMMANDS for name in (spec.name, spec.korean, *spec.aliases)
}


@dataclass(frozen=True, slots=True)
class Parsed:
    """A command split into its name and argument words; ``slash`` when typed with ``/``."""

    name: str
    args: tuple[str, ...]
    raw_args: str
    slash: bool = True


def parse_command(text: str) -> Parsed:
    """The command in ``text``; CommandError (with a catalog key) when it cannot be read."""
    if len(text) > MAX_INPUT:
        raise CommandError(key="input.too_long", limit=MAX_INPUT)
    cleaned = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    if not cleaned:
        raise CommandError(key="input.empty")
    slash = cleaned.startswith("/")
    head, _, rest = cleaned.partition(" ")
    name = head.removeprefix("/").split("@", 1)[0].lower()  # Telegram: /subscribe@sokbo_bot
    args = tuple(next(g for g in m.groups() if g is not None) for m in _TOKEN.finditer(rest))
    return Parsed(
        name=name,
        args=tuple(a for a in (x.strip() for x in args) if a),
        raw_args=rest,
        slash=slash,
    )


def split_words(raw_args: str, is_name: Callable[[str], bool]) -> list[str]:
    """Rule words as typed: spaces, commas and ``、`` separate; a middle dot separates too,
    unless the whole word is a name the bot knows (``창업·벤처``); ``"…"`` keeps a phrase."""
    words: list[str] = []
    for match in _TOKEN.finditer(raw_args):
        in_quotes = match.group(3) is None
        token = next(g for g in match.groups() if g is not None).strip()
        if in_quotes:
            words.append(" ".join(token.split()))
            continue
        for piece in _LIST_SEPARATORS.split(token):
            if not piece or is_name(piece):
                words.append(piece)
            else:
                words.extend(_MIDDLE_DOT.split(piece))
    return [w for w in (w.strip() for w in words) if w and w != "-"]


def shown(value: str, limit: int = 20) -> str:
    """User input echoed back: short, one line."""
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def quoted(value: str, limit: int = 20) -> str:
    return f"'{shown(value, limit)}'"


# --- time of day, as people write it ---------------------------------------------------

_CLOCK = re.compile(
    r"(?P<before>오전|오후|아침|낮|저녁|밤|새벽|am|pm)?"
    r"(?P<hour>\d{1,2})"
    r"(?::(?P<minute>\d{2})|(?P<packed>\d{2})|시(?:(?P<min_ko>\d{1,2})분|(?P<half>반))?)?"
    r"(?P<after>am|pm|a\.m\.|p\.m\.)?"
)
_NAMED_TIMES = {"정오": (12, 0), "noon": (12, 0), "자정": (0, 0), "midnight": (0, 0)}
_ZONE_ALIASES = {
    "kst": "Asia/Seoul",
    "서울": "Asia/Seoul",
    "한국": "Asia/Seoul",
    "한국시간": "Asia/Seoul",
    "seoul": "Asia/Seoul",
    "korea": "Asia/Seoul",
    "utc": "UTC",
    "gmt": "UTC",
    "jst": "Asia/Tokyo",
    "도쿄": "Asia/Tokyo",
    "일본": "Asia/Tokyo",
    "일본시간": "Asia/Tokyo",
    "tokyo": "Asia/Tokyo",
}
_PM_WORDS = ("오후", "저녁", "밤", "pm", "p.m.")


def parse_clock(text: str) -> tuple[int, int] | None:
    """``오전 7시``, ``7시 30분``, ``오후 6시 반``, ``07시``, ``7:30``, ``0730``, ``7pm``,
    ``정오`` → (hour, minute) on a 24-hour clock; None when it is not a time of day."""
    compact = "".join(text.lower().split())
    if compact in _NAMED_TIMES:
        return _NAMED_TIMES[compact]
    m = _CLOCK.fullmatch(compact)
    if m is None or (m.group("before") and m.group("after")):
        return None
    hour = int(m.group("hour"))
    minute_text = m.group("minute") or m.group("packed") or m.group("min_ko")
    minute = 30 if m.group("half") else int(minute_text or 0)
    if minute > 59:
        return None
    marker = m.group("before") or m.group("after")
    if marker is None:
        if "시" not in compact and ":" not in compact and m.group("packed") is None:
            return None  # a bare number is no time
        return (hour, minute) if hour <= 23 else None
    if not 1 <= hour <= 12:
        return None
    if marker == "낮":  # 낮 12시 is noon, 낮 2시 is 14:00
        return (hour + 12 if hour < 7 else hour, minute)
    if marker in _PM_WORDS:
        if marker == "밤" and hour == 12:
            return (0, minute)
        return (hour % 12 + 12, minute)
    return (hour % 12, minute)  # 오전 12시 is midnight


def parse_zone(word: str) -> str | None:
    """A time zone as people name it (``KST``, ``도쿄``, ``asia/tokyo``) → IANA name, or None."""
    key = "".join(word.split())
    if key.lower() in _ZONE_ALIASES:
        return _ZONE_ALIASES[key.lower()]
    if key in _zones():
        return key
    by_lower = {z.lower(): z for z in _zones()}
    return by_lower.get(key.lower())


def parse_time_args(args: tuple[str, ...]) -> tuple[tuple[int, int], str | None] | str:
    """(clock, zone or None) from /time's words — the zone, if any, is the last one or two
    words (``KST``, ``Asia/Tokyo``, ``한국 시간``); a catalog key naming the problem otherwise."""
    words = [w.strip("()") for w in args]
    clock = parse_clock(" ".join(words))
    if clock is not None:
        return clock, None
    for size in (1, 2):
        if len(words) <= size:
            break
        clock = parse_clock(" ".join(words[:-size]))
        if clock is None:
            continue
        named = parse_zone("".join(words[-size:]))
        if named is not None:
            return clock, named
        if size == 1 and parse_zone("".join(words[-2:])) is None:
            return "time.bad_zone"
    return "time.usage"


def clock_words(lang: str, hhmm: str) -> str:
    """``07:30`` → ``오전 7시 30분`` (``7:30 AM``); 00:00 자정, 12:00 정오."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    if minute == 0 and hour in (0, 12):
        return t(lang, "clock.midnight" if hour == 0 else "clock.noon")
    meridiem = t(lang, "clock.am" if hour < 12 else "clock.pm")
    shown_hour = (hour % 12 or 12) if lang == "en" else (hour if hour <= 12 else hour - 12)
    key = "clock.hour_minute" if minute else "clock.hour"
    return t(lang, key, meridiem=meridiem, hour=shown_hour, minute=minute)


def zone_words(lang: str, name: str) -> str:
    try:
        return t(lang, f"zone.{name}")
    except KeyError:
        return name


def date_words(lang: str, when: datetime, now: datetime, timezone: str) -> str:
    """``4월 12일(일) 오전 7시 30분``; the year is added when it is not this year."""
    tz = zone(timezone)
    local = when.astimezone(tz)
    key = "date.day" if local.year == now.astimezone(tz).year else "date.day_year"
    day = t(
        lang,
        key,
        year=local.year,
        month=local.month,
        month_name=local.strftime("%b"),
        day=local.day,
        weekday=weekday(lang, local.weekday()),
    )
    return f"{day} {clock_words(lang, f'{local:%H:%M}')}"


# --- telling a search from a chat -------------------------------------------------------

# Tags (mecab-ko-dic) of words that make a message a sentence to someone rather than a
# search: verbs, adjectives, endings, interjections; and anything the analyser cannot read.
_CHAT_TAGS = ("V", "E", "IC", "XSV", "XSA", "UNKNOWN")


def looks_like_search(text: str) -> bool:
    """True for short noun phrases (``반도체 지원사업``, ``AI 예산``); False for greetings,
    questions and requests (``안녕하세요``, ``뭐해``, ``반도체 뉴스 알려줘``)."""
    if "?" in text or len(text) > 60 or len(text.split()) > 6:
        return False
    found = tokens(text)
    if not found:
        return False
    for token in found:
        for tag in token.tag.split("+"):
            if tag.startswith(_CHAT_TAGS):
                return False
    return any(tok.tag.startswith(("NN", "SL", "SN", "NR")) for tok in found)


Handler = Callable[["CommandCore", "Context"], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Context:
    chat: ChatRef
    user: str
    parsed: Parsed
    is_admin: bool
    is_group: bool
    now: datetime
    lang: Language = "ko"

    def say(self, key: str, /, **values: Any) -> str:
        return t(self.lang, key, **values)


class CommandCore:
    """Subscriptions, settings, digests on demand, search and status for one chat at a time."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        clock: Clock,
        *,
        taxonomy: Taxonomy | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.taxonomy = taxonomy or DEFAULT_TAXONOMY
        self.handlers: dict[str, Handler] = {
            name: getattr(CommandCore, spec.name) for name, spec in COMMAND_NAMES.items()
        }

    async def handle(
        self, chat: ChatRef, user: str, text: str, *, is_admin: bool, is_group: bool
    ) -> Reply:
        """Run one command; never raises for user input."""
        metrics.count_command(chat.platform)
        reply = await self._handle(chat, user, text, is_admin=is_admin, is_group=is_group)
        # the language after the command: /lang en answers (and labels its reply) in English
        return dataclasses.replace(reply, language=self._language(chat))

    async def _handle(
        self, chat: ChatRef, user: str, text: str, *, is_admin: bool, is_group: bool
    ) -> Reply:
        lang = self._language(chat)
        try:
            parsed = parse_command(text)
        except CommandError as e:
            return Reply(e.text(lang))
        spec = COMMAND_NAMES.get(parsed.name)
        ctx = Context(chat, user, parsed, is_admin, is_group, self.clock.now(), lang)
        if spec is None:
            if not parsed.slash:
                return await self._plain(ctx, " ".join(text.split()))
            return Reply(self._unknown(ctx, parsed.name))
        if spec.changes and is_group and not is_admin:
            return Reply(ctx.say("admins_only"))
        try:
            return await self.handlers[parsed.name](self, ctx)
        except CommandError as e:
            return Reply(e.text(lang))
        except ChatLimitReached:
            return Reply(ctx.say("chat_limit", limit=self.settings.delivery.max_chats))
        except Exception:
            log.exception("command %r failed for %s", parsed.name, chat)
            return Reply(ctx.say("failure"))

    def _unknown(self, ctx: Context, name: str) -> str:
        guess = difflib.get_close_matches(name, list(COMMAND_NAMES), n=1, cutoff=0.6)
        if guess:
            return ctx.say("unknown_command.guess", name=shown(name, 15), guess=guess[0])
        return ctx.say("unknown_command", name=shown(name, 15))

    async def _plain(self, ctx: Context, text: str) -> Reply:
        """A message without a command: a search in a private chat when it reads like one,
        otherwise a short hint. Never a made-up command name."""
        if not ctx.is_group and len(text) <= MAX_SEARCH and looks_like_search(text):
            try:
                page = self._search(ctx, text)
            except CommandError:
                return Reply(ctx.say("plain.hint"))
            lead = ctx.say("plain.searched", query=quoted(text, 40))
            if not page.hits:
                return Reply(f"{lead}\n{ctx.say('search.none', query=shown(text))}", search=page)
            found = ctx.say("search.found", query=shown(text), count=len(page.hits))
            return Reply(f"{lead} {found}", search=page)
        return Reply(ctx.say("plain.hint_group" if ctx.is_group else "plain.hint"))

    # --- helpers -----------------------------------------------------------------------

    def _language(self, ref: ChatRef) -> Language:
        default = language(self.settings.bot.language)
        try:
            chat = chat_store.get_chat(self.engine, ref)
        except sa.exc.SQLAlchemyError:
            log.exception("could not read the language of %s", ref)
            return default
        return language(chat.language if chat else None, default)

    def _chat(self, ctx: Context) -> Chat:
        """The chat's row, registered on first use (with the configured defaults)."""
        return chat_store.ensure_chat(
            self.engine,
            ctx.chat,
            kind="group" if ctx.is_group else "private",
            now=ctx.now,
            max_chats=self.settings.delivery.max_chats,
            daily_time=self.settings.digest.default_time,
            timezone=self.settings.digest.default_timezone,
        )

    def _existing(self, ctx: Context) -> Chat | None:
        return chat_store.get_chat(self.engine, ctx.chat)

    def _is_name(self, word: str) -> bool:
        return self.taxonomy.resolve(word) is not None or resolve_agency(word) is not None

    def rule_for(self, word: str, lang: str = "ko") -> tuple[str, str] | str:
        """What ``word`` means as a rule: (kind, value), or the reason it cannot be one."""
        try:
            if word.startswith("-") and len(word) > 1:
                return ("exclude", self._keyword(word[1:]))
            return self._include(word)
        except CommandError as e:
            return e.text(lang)

    def _include(self, word: str) -> tuple[str, str]:
        lowered = word.lower()
        if lowered.startswith(("feed:", "피드:")):
            number = lowered.split(":", 1)[1]
            if not number.isdigit() or len(number) > 9:
                raise CommandError(key="rule.feed_format")
            with self.engine.connect() as conn:
                found = conn.execute(
                    sa.select(feeds.c.id).where(feeds.c.id == int(number))
                ).scalar()
            if found is None:
                raise CommandError(key="rule.feed_missing", number=number)
            return ("feed", str(int(number)))
        topic = self.taxonomy.resolve(word)
        if topic is not None:
            return ("topic", topic)
        agency = resolve_agency(word)
        if agency is not None:
            return ("agency", agency)
        return ("keyword", self._keyword(word))

    def _keyword(self, word: str) -> str:
        """The stored form of a keyword; CommandError when it cannot be one."""
        value = normalize_word(word)
        if not value:
            raise CommandError(key="rule.keyword_empty")
        if len(value) > MAX_KEYWORD:
            raise CommandError(key="rule.keyword_long", limit=MAX_KEYWORD, word=shown(word))
        if not _KEYWORD.fullmatch(value):
            raise CommandError(key="rule.keyword_chars", word=shown(word))
        return value

    def _describe(
        self,
        ctx: Context,
        rules: Iterable[tuple[str, str]],
        labels: dict[tuple[str, str], str],
        typed: dict[tuple[str, str], str] | None = None,
    ) -> str:
        """Rules as the user wrote them, joined: ``반도체, sLLM, 인공지능(AI), 3번 피드``.

        ``typed`` holds the words of this command: a topic or agency named by another name
        shows both (``과학기술정보통신부(과기정통부)``)."""
        parts = []
        for kind, value in rules:
            label = labels.get((kind, value), value)
            if kind == "exclude":
                parts.append(f"-{label}")
            elif kind == "feed":
                parts.append(ctx.say("rule.feed_name", number=value))
            elif kind in ("topic", "agency"):
                word = (typed or {}).get((kind, value), value)
                same = normalize_word(word).replace("·", "") == normalize_word(value).replace(
                    "·", ""
                )
                parts.append(value if same else f"{shown(word)}({value})")
            else:
                parts.append(label)
        return ", ".join(parts)

    def _rules_text(self, ctx: Context, chat: Chat) -> str:
        pairs = chat_store.rule_pairs(self.engine, chat.id)
        labels = chat_store.rule_labels(self.engine, chat.id)
        groups: dict[str, list[tuple[str, str]]] = {}
        for pair in pairs:
            groups.setdefault(pair[0], []).append(pair)
        lines = [ctx.say("list.title")]
        for kind in ("topic", "agency", "keyword", "exclude", "feed"):
            if kind in groups:
                values = [labels.get(p, p[1]) for p in groups[kind]]
                if kind == "feed":
                    values = [ctx.say("rule.feed_name", number=v) for v in values]
                lines.append(f"· {ctx.say(f'list.kind.{kind}')}: " + ", ".join(values))
        return "\n".join(lines)

    def _when(self, ctx: Context, when: datetime, timezone: str) -> str:
        return date_words(ctx.lang, when, ctx.now, timezone)

    def _search(self, ctx: Context, query: str, limit: int | None = None) -> SearchPage:
        return search_stories(
            self.engine,
            query,
            now=ctx.now,
            limit=limit or self.settings.search.default_limit,
            half_life_days=self.settings.search.recency_half_life_days,
        )

    # --- commands ----------------------------------------------------------------------

    async def start(self, ctx: Context) -> Reply:
        self._chat(ctx)
        return Reply(ctx.say("start", help=self._help_text(ctx)))

    def _help_text(self, ctx: Context) -> str:
        lines = [ctx.say("help.title")]
        for spec in COMMANDS:
            names = f"/{spec.name} · /{spec.korean}"
            lines.append(f"{names} — {ctx.say(f'cmd.{spec.name}.summary')}")
        lines.append("")
        lines.append(ctx.say("help.footer"))
        return "\n".join(lines)

    async def help(self, ctx: Context) -> Reply:
        if ctx.parsed.args:
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
        return Reply(self._help_text(ctx))

    async def subscribe(self, ctx: Context) -> Reply:
        words = split_words(ctx.parsed.raw_args, self._is_name)
        if not words:
            existing = self._existing(ctx)
            followed = set()
            if existing is not None:
                followed = {
                    v for k, v in chat_store.rule_pairs(self.engine, existing.id) if k == "topic"
                }
            names = self.taxonomy.names
            return Reply(
                ctx.say("subscribe.ask", topics=", ".join(names)),
                topic_choices=tuple((n, n in followed) for n in names),
            )
        wanted: list[tuple[str, str]] = []
        labels: dict[tuple[str, str], str] = {}
        typed: dict[tuple[str, str], str] = {}
        problems: list[str] = []
        for word in words[:MAX_WORDS]:
            rule = self.rule_for(word, ctx.lang)
            if isinstance(rule, str):
                problems.append(rule)
                continue
            wanted.append(rule)
            typed.setdefault(rule, word)
            if rule[0] in ("keyword", "exclude"):
                labels.setdefault(rule, shown(word.removeprefix("-"), MAX_KEYWORD))
        if len(words) > MAX_WORDS:
            problems.append(ctx.say("subscribe.too_many_words", limit=MAX_WORDS))
        if not wanted:
            return Reply("\n".join(problems[:5]) or ctx.say("subscribe.nothing"))
        chat = self._chat(ctx)
        limit = self.settings.delivery.max_rules
        try:
            added = chat_store.add_rules(
                self.engine, chat.id, wanted, now=ctx.now, limit=limit, labels=labels
            )
        except RuleLimitReached:
            count = len(chat_store.rule_pairs(self.engine, chat.id))
            return Reply(ctx.say("subscribe.limit", limit=limit, count=count))
        known = chat_store.rule_labels(self.engine, chat.id)
        lines = []
        follows = [r for r in added if r[0] != "exclude"]
        excludes = [r for r in added if r[0] == "exclude"]
        if follows:
            described = self._describe(ctx, follows, known, typed)
            lines.append(ctx.say("subscribe.added", items=described))
        if excludes:
            words_out = ", ".join(known.get(r, r[1]) for r in excludes)
            lines.append(ctx.say("subscribe.excluded", items=words_out))
        already = [r for r in dict.fromkeys(wanted) if r not in added]
        if already:
            described = self._describe(ctx, already, known, typed)
            lines.append(ctx.say("subscribe.already", items=described))
        lines.extend(problems[:5])
        if chat.paused:
            lines.append(ctx.say("subscribe.paused_note"))
        announce = None
        if added:
            announce = ctx.say(
                "subscribe.announce",
                user=shown(ctx.user, 30),
                items=self._describe(ctx, added, known, typed),
            )
        return Reply("\n".join(lines), announce=announce)

    async def unsubscribe(self, ctx: Context) -> Reply:
        words = split_words(ctx.parsed.raw_args, self._is_name)
        if not words:
            return Reply(ctx.say("unsubscribe.ask"))
        chat = self._existing(ctx)
        if chat is None:
            return Reply(ctx.say("unsubscribe.none_yet"))
        if words[0].lower() in _ALL:
            n = chat_store.clear_rules(self.engine, chat.id)
            return Reply(
                ctx.say("unsubscribe.all_done", count=n) if n else ctx.say("unsubscribe.all_empty"),
                announce=ctx.say("unsubscribe.all_announce", user=shown(ctx.user, 30))
                if n
                else None,
            )
        current = set(chat_store.rule_pairs(self.engine, chat.id))
        known = chat_store.rule_labels(self.engine, chat.id)
        removed: list[tuple[str, str]] = []
        missing: list[str] = []
        for word in words[:MAX_WORDS]:
            rule = self.rule_for(word, ctx.lang)
            candidates = [rule] if not isinstance(rule, str) else []
            if not isinstance(rule, str) and rule[0] != "keyword":
                candidates.append(("keyword", normalize_word(word)))
            hit = next((c for c in candidates if c in current), None)
            if hit is None:
                missing.append(shown(word))
            elif hit not in removed:
                removed.append(hit)
        chat_store.remove_rules(self.engine, chat.id, removed)
        lines = []
        described = self._describe(ctx, removed, known)
        if removed:
            lines.append(ctx.say("unsubscribe.removed", items=described))
        if missing:
            lines.append(ctx.say("unsubscribe.missing", items=", ".join(missing)))
        announce = None
        if removed:
            announce = ctx.say("unsubscribe.announce", user=shown(ctx.user, 30), items=described)
        return Reply("\n".join(lines), announce=announce)

    async def list(self, ctx: Context) -> Reply:
        chat = self._existing(ctx)
        count = len(chat_store.rule_pairs(self.engine, chat.id)) if chat else 0
        if chat is None or not count:
            return Reply(ctx.say("list.empty"))
        limit = self.settings.delivery.max_rules
        return Reply(
            self._rules_text(ctx, chat) + "\n" + ctx.say("list.count", count=count, limit=limit)
        )

    async def mode(self, ctx: Context) -> Reply:
        typed = "".join(ctx.parsed.args).lower()
        choice = _MODES.get(typed) if typed else None
        if choice is None:
            return Reply(ctx.say("mode.ask"))
        chat = self._chat(ctx)
        chat_store.update_chat(self.engine, chat.id, mode=choice, schedule_changed_at=ctx.now)
        text = ctx.say("mode.set", name=quoted(ctx.say(f"mode.name.{choice}"), 40))
        if choice != "instant":
            when = clock_words(ctx.lang, chat.daily_time)
            text += " " + ctx.say(
                "mode.daily_at", when=when, zone=zone_words(ctx.lang, chat.timezone)
            )
        return Reply(text)

    async def time(self, ctx: Context) -> Reply:
        if not ctx.parsed.args or len(ctx.parsed.args) > 6:
            return Reply(ctx.say("time.usage"))
        parsed = parse_time_args(ctx.parsed.args)
        if isinstance(parsed, str):
            if parsed == "time.bad_zone":
                return Reply(ctx.say(parsed, zone=quoted(ctx.parsed.args[-1])))
            return Reply(ctx.say(parsed))
        (hour, minute), named = parsed
        hhmm = f"{hour:02d}:{minute:02d}"
        chat = self._chat(ctx)
        tz = named or chat.timezone
        chat_store.update_chat(
            self.engine, chat.id, daily_time=hhmm, timezone=tz, schedule_changed_at=ctx.now
        )
        at = ctx.say("time.at", when=clock_words(ctx.lang, hhmm), zone=zone_words(ctx.lang, tz))
        if chat.mode == "instant":
            return Reply(ctx.say("time.set_instant", at=at))
        when = next_digest_at(
            now=ctx.now,
            daily_time=hhmm,
            timezone=tz,
            last_digest_at=chat.last_digest_at,
            schedule_changed_at=ctx.now,
        )
        return Reply(ctx.say("time.set", at=at, next=self._when(ctx, when, tz)))

    async def pause(self, ctx: Context) -> Reply:
        chat = self._chat(ctx)
        chat_store.set_paused(self.engine, chat.id, True, now=ctx.now)
        return Reply(ctx.say("pause.done"))

    async def resume(self, ctx: Context) -> Reply:
        chat = self._chat(ctx)
        chat_store.set_paused(self.engine, chat.id, False, now=ctx.now)
        return Reply(ctx.say("resume.done"))

    async def digest(self, ctx: Context) -> Reply:
        chat = self._existing(ctx)
        pairs = chat_store.rule_pairs(self.engine, chat.id) if chat else []
        if chat is None or not pairs:
            return Reply(ctx.say("digest.no_rules"))
        since = chat.last_digest_at or ctx.now - timedelta(days=1)
        candidates = digest_candidates(self.engine, since, ctx.now)
        digest = build_digest(
            candidates,
            Rules.from_pairs(pairs),
            since=since,
            now=ctx.now,
            timezone=chat.timezone,
            max_items=self.settings.digest.max_items,
        )
        if digest is None:
            when = self._when(ctx, since, chat.timezone)
            if not candidates:
                return Reply(ctx.say("digest.nothing_arrived", since=when))
            return Reply(ctx.say("digest.nothing_matched", since=when, count=len(candidates)))
        return Reply(render_digest(digest, ctx.lang))

    async def search(self, ctx: Context) -> Reply:
        query = " ".join(ctx.parsed.raw_args.split())
        if not query:
            return Reply(ctx.say("search.ask"))
        if len(query) > MAX_SEARCH:
            return Reply(ctx.say("search.too_long", limit=MAX_SEARCH))
        page = self._search(ctx, query)
        if not page.hits:
            return Reply(ctx.say("search.none", query=shown(query)), search=page)
        return Reply(ctx.say("search.found", query=shown(query), count=len(page.hits)), search=page)

    async def status(self, ctx: Context) -> Reply:
        chat = self._existing(ctx)
        lines: list[str] = []
        if chat is None:
            lines.append(ctx.say("status.unregistered"))
        else:
            has_rules = bool(chat_store.rule_pairs(self.engine, chat.id))
            lines.append(self._rules_text(ctx, chat) if has_rules else ctx.say("status.no_rules"))
            lines.append(ctx.say("status.mode", mode=ctx.say(f"mode.name.{chat.mode}")))
            if chat.paused:
                if chat.paused_reason:
                    reason = shown(chat.paused_reason, 60)
                    lines.append(ctx.say("status.paused_gone", reason=reason))
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
                next_at = self._when(ctx, when, chat.timezone)
                lines.append(ctx.say("status.next_digest", when=next_at))
            else:
                at = ctx.say(
                    "time.at",
                    when=clock_words(ctx.lang, chat.daily_time),
                    zone=zone_words(ctx.lang, chat.timezone),
                )
                lines.append(ctx.say("status.daily_off", at=at))
            lines.append(ctx.say("status.language", name=ctx.say(f"lang.name.{ctx.lang}")))
        lines.append(self._feed_health(ctx))
        return Reply("\n".join(lines))

    def _feed_health(self, ctx: Context) -> str:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    feeds.c.id, feeds.c.name, feeds.c.consecutive_failures, feeds.c.last_error
                )
                .where(feeds.c.enabled.is_(sa.true()))
                .order_by(feeds.c.id)
            ).all()
        if not rows:
            return ctx.say("feeds.none")
        failing = [r for r in rows if r.consecutive_failures]
        ok = len(rows) - len(failing)
        head = (
            ctx.say("feeds.head_failing", total=len(rows), ok=ok, failing=len(failing))
            if failing
            else ctx.say("feeds.head", total=len(rows), ok=ok)
        )
        detail = [
            f"  #{r.id} {shown(r.name, 30)} — "
            + (
                ctx.say("feeds.ok")
                if not r.consecutive_failures
                else ctx.say("feeds.failing", count=r.consecutive_failures)
            )
            for r in rows[:10]
        ]
        if len(rows) > 10:
            detail.append("  " + ctx.say("feeds.more", count=len(rows) - 10))
        return "\n".join([head, *detail])

    async def topics(self, ctx: Context) -> Reply:
        aliases: dict[str, list[str]] = {}
        for alias, name in self.taxonomy.aliases.items():
            aliases.setdefault(name, []).append(alias)
        lines = [ctx.say("topics.title", count=len(self.taxonomy.names))]
        for name in self.taxonomy.names:
            if name == OTHER:
                continue
            own = {name.lower().replace(" ", ""), name.lower().replace(" ", "").replace("·", "")}
            others = [a for a in aliases.get(name, []) if a not in own]
            lines.append(f"· {name}" + (f" ({', '.join(others[:6])})" if others else ""))
        lines.append(ctx.say("topics.footer"))
        return Reply("\n".join(lines))

    async def agencies(self, ctx: Context) -> Reply:
        lines = [ctx.say("agencies.title", count=len(AGENCIES))]
        for name, others in AGENCIES.items():
            rest = [o for o in others if o != name]
            lines.append(f"· {name}" + (f" ({', '.join(rest)})" if rest else ""))
        lines.append(ctx.say("agencies.footer"))
        return Reply("\n".join(lines))

    async def sources(self, ctx: Context) -> Reply:
        found = feed_store.list_feeds(self.engine, include_disabled=False)
        if not found:
            return Reply(ctx.say("sources.none"))
        lines = [ctx.say("sources.title", count=len(found))]
        for feed in found[:30]:
            if feed.consecutive_failures:
                state = ctx.say(
                    "sources.failing",
                    count=feed.consecutive_failures,
                    error=shown(feed.last_error or "", 60),
                )
            elif feed.last_success_at is not None:
                last = self._when(ctx, feed.last_success_at, self.settings.digest.default_timezone)
                state = ctx.say("sources.ok", when=last)
            else:
                state = ctx.say("sources.never")
            lines.append(f"#{feed.id} {shown(feed.name, 40)} — {state}")
        if len(found) > 30:
            lines.append(ctx.say("feeds.more", count=len(found) - 30))
        lines.append(ctx.say("sources.footer"))
        return Reply("\n".join(lines))

    async def lang(self, ctx: Context) -> Reply:
        if not ctx.parsed.args:
            return Reply(ctx.say("lang.ask", name=ctx.say(f"lang.name.{ctx.lang}")))
        chosen = parse_language(ctx.parsed.args[0])
        if chosen is None:
            return Reply(ctx.say("lang.unknown", value=quoted(ctx.parsed.args[0])))
        chat = self._chat(ctx)
        chat_store.update_chat(self.engine, chat.id, language=chosen)
        return Reply(t(chosen, "lang.set"))


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def search_stories(
    engine: Engine, query: str, *, now: datetime, limit: int, half_life_days: float = 30.0
) -> SearchPage:
    """``bot.search.search`` when that module is installed; else a substring search of titles."""
    if importlib.util.find_spec("bot.search") is not None:
        from bot import search as full_search

        return full_search.search(
            engine, query, limit=limit, now=now, half_life_days=half_life_days
        )
    words = query.split()
    condition = sa.and_(*(stories.c.title.contains(w, autoescape=True) for w in words))
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(stories.c.id, stories.c.title, stories.c.url, stories.c.published_at)
            .where(condition)
            .order_by(stories.c.published_at.desc())
            .limit(limit + 1)
        ).all()
    hits = tuple(
        SearchHit(
            story_id=r.id,
            headline=r.title[:60],
            agency=None,
            published_at=from_db(r.published_at) or now,
            snippet=((r.title[:120], False),),
            url=r.url,
        )
        for r in rows[:limit]
    )
    return SearchPage(query=query, hits=hits, offset=0, has_more=len(rows) > limit)
