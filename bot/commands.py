"""The platform-neutral command core: chat text in, a Korean :class:`Reply` out.

Every adapter (Telegram, Slack, console/CLI) calls :meth:`CommandCore.handle` with the chat,
the user, whether the user is an admin and whether the chat is a group. Bad input of any kind
(unknown commands, missing or huge arguments, control characters, emoji, markup) gets a short
helpful Korean answer; nothing invalid is stored and nothing raises.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot import metrics
from bot.agencies import resolve_agency
from bot.clock import KST, Clock
from bot.config import Settings
from bot.digest import build_digest, next_digest_at
from bot.errors import CommandError
from bot.matching import Rules, normalize_word
from bot.messages import Reply, SearchHit, SearchPage
from bot.render.text import render_digest
from bot.store import chats as chat_store
from bot.store import from_db
from bot.store.chats import Chat, ChatLimitReached, RuleLimitReached
from bot.store.schema import feeds, stories
from bot.store.stories import digest_candidates
from bot.topics import DEFAULT_TAXONOMY, Taxonomy
from bot.types import ChatRef

log = logging.getLogger(__name__)

MAX_INPUT = 1000  # characters of a whole command we read at all
MAX_KEYWORD = 40
MAX_SEARCH = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_KEYWORD = re.compile(r"[0-9a-z가-힣ㄱ-ㅎㅏ-ㅣ·&+#.\-_ ]+")
_TOKEN = re.compile(r'"([^"]*)"|“([^”]*)”|(\S+)')
_TIME = re.compile(r"(\d{1,2}):?(\d{2})")
_ZONE_ALIASES = {"kst": "Asia/Seoul", "서울": "Asia/Seoul", "한국": "Asia/Seoul", "utc": "UTC"}
_MODES = {
    "instant": "instant",
    "즉시": "instant",
    "실시간": "instant",
    "daily": "daily",
    "매일": "daily",
    "요약": "daily",
    "both": "both",
    "둘다": "both",
    "모두": "both",
}
MODE_NAMES = {"instant": "즉시 알림", "daily": "매일 요약", "both": "즉시 알림 + 매일 요약"}
KIND_NAMES = {
    "topic": "주제",
    "keyword": "키워드",
    "exclude": "제외",
    "agency": "기관",
    "feed": "피드",
}
CHANGING = frozenset({"subscribe", "unsubscribe", "mode", "time", "pause", "resume"})

HELP = """속보 봇 사용법
/subscribe 반도체 AI 과기정통부 — 주제·키워드·기관 구독 (여러 개는 띄어쓰기로)
/subscribe -부동산 — 이 단어가 든 소식은 빼기
/subscribe feed:3 — 특정 피드 구독
/unsubscribe 반도체 · /unsubscribe all — 구독 해제
/list — 구독 목록
/mode instant|daily|both — 즉시 알림, 매일 요약, 둘 다
/time 08:00 [Asia/Seoul] — 매일 요약 받을 시각
/pause · /resume — 알림 잠시 멈춤 · 다시 받기
/digest — 오늘의 요약 지금 보기
/search 검색어 — 지난 소식 찾기
/status — 이 대화방의 설정과 피드 상태"""


@dataclass(frozen=True, slots=True)
class Parsed:
    """A command split into its name and argument words."""

    name: str
    args: tuple[str, ...]
    raw_args: str


def parse_command(text: str) -> Parsed | str:
    """The command in ``text``, or a Korean complaint about the input."""
    if len(text) > MAX_INPUT:
        return f"입력이 너무 깁니다. {MAX_INPUT}자 이내로 보내 주세요."
    cleaned = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    if not cleaned:
        return "명령을 입력해 주세요. 사용법은 /help 를 보내 주세요."
    if not cleaned.startswith("/"):
        cleaned = "/" + cleaned  # Slack: "/sokbo subscribe 반도체" arrives as "subscribe 반도체"
    head, _, rest = cleaned.partition(" ")
    name = head[1:].split("@", 1)[0].lower()  # Telegram: /subscribe@sokbo_bot
    args = tuple(next(g for g in m.groups() if g is not None) for m in _TOKEN.finditer(rest))
    return Parsed(name=name, args=tuple(a for a in (x.strip() for x in args) if a), raw_args=rest)


def shown(value: str, limit: int = 20) -> str:
    """User input echoed back: short, one line."""
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


Handler = Callable[["CommandCore", "Context"], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Context:
    chat: ChatRef
    user: str
    parsed: Parsed
    is_admin: bool
    is_group: bool
    now: datetime


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
            "start": CommandCore.start,
            "help": CommandCore.help,
            "subscribe": CommandCore.subscribe,
            "unsubscribe": CommandCore.unsubscribe,
            "list": CommandCore.list,
            "mode": CommandCore.mode,
            "time": CommandCore.time,
            "pause": CommandCore.pause,
            "resume": CommandCore.resume,
            "digest": CommandCore.digest,
            "search": CommandCore.search,
            "status": CommandCore.status,
        }
        aliases = {"구독": "subscribe", "해제": "unsubscribe", "목록": "list", "검색": "search"}
        aliases |= {"도움말": "help", "상태": "status", "요약": "digest", "sub": "subscribe"}
        aliases |= {"unsub": "unsubscribe", "stop": "pause"}
        for alias, name in aliases.items():
            self.handlers[alias] = self.handlers[name]

    async def handle(
        self, chat: ChatRef, user: str, text: str, *, is_admin: bool, is_group: bool
    ) -> Reply:
        """Run one command; never raises for user input."""
        metrics.count_command(chat.platform)
        parsed = parse_command(text)
        if isinstance(parsed, str):
            return Reply(parsed)
        handler = self.handlers.get(parsed.name)
        if handler is None:
            return Reply(
                f"'/{shown(parsed.name, 15)}' 은(는) 모르는 명령이에요. "
                "사용법은 /help 를 보내 주세요."
            )
        if parsed.name in CHANGING and is_group and not is_admin:
            return Reply("죄송해요, 이 대화방의 구독과 설정은 관리자만 바꿀 수 있어요.")
        ctx = Context(chat, user, parsed, is_admin, is_group, self.clock.now())
        try:
            return await handler(self, ctx)
        except CommandError as e:
            return Reply(e.reply)
        except ChatLimitReached:
            return Reply(
                f"죄송해요, 이 봇은 지금 대화방 {self.settings.delivery.max_chats:,}곳까지만 "
                "받을 수 있어 더 등록할 수 없어요."
            )
        except Exception:
            log.exception("command %r failed for %s", parsed.name, chat)
            return Reply("죄송해요, 처리하다 문제가 생겼어요. 잠시 뒤에 다시 해 주세요.")

    # --- helpers -----------------------------------------------------------------------

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

    def rule_for(self, word: str) -> tuple[str, str] | str:
        """What ``word`` means as a rule: (kind, value), or a Korean reason it cannot be one."""
        try:
            if word.startswith("-") and len(word) > 1:
                return ("exclude", self._keyword(word[1:]))
            return self._include(word)
        except CommandError as e:
            return e.reply

    def _include(self, word: str) -> tuple[str, str]:
        lowered = word.lower()
        if lowered.startswith(("feed:", "피드:")):
            number = lowered.split(":", 1)[1]
            if not number.isdigit() or len(number) > 9:
                raise CommandError(
                    "피드는 feed:번호 로 적어 주세요 (번호는 /status 에서 볼 수 있어요)."
                )
            with self.engine.connect() as conn:
                found = conn.execute(
                    sa.select(feeds.c.id).where(feeds.c.id == int(number))
                ).scalar()
            if found is None:
                raise CommandError(
                    f"{number}번 피드는 없어요. /status 에서 피드 번호를 확인해 주세요."
                )
            return ("feed", str(int(number)))
        topic = self.taxonomy.resolve(word)
        if topic is not None:
            return ("topic", topic)
        agency = resolve_agency(word)
        if agency is not None:
            return ("agency", agency)
        return ("keyword", self._keyword(word))

    def _keyword(self, word: str) -> str:
        """The stored form of a keyword; CommandError (Korean) when it cannot be one."""
        value = normalize_word(word)
        if not value:
            raise CommandError("키워드가 비어 있어요.")
        if len(value) > MAX_KEYWORD:
            raise CommandError(f"키워드는 {MAX_KEYWORD}자 이내로 적어 주세요 ('{shown(value)}').")
        if not _KEYWORD.fullmatch(value):
            raise CommandError(
                f"키워드 '{shown(value)}' 에 쓸 수 없는 문자가 있어요. "
                "한글, 영문, 숫자와 · & + # . - _ 만 쓸 수 있어요."
            )
        return value

    # --- commands ----------------------------------------------------------------------

    async def start(self, ctx: Context) -> Reply:
        self._chat(ctx)
        return Reply(
            "안녕하세요, 속보 봇입니다. 정부 정책 보도자료를 골라 짧게 요약해 알려 드려요.\n"
            "예) /subscribe 반도체 과기정통부\n\n" + HELP
        )

    async def help(self, ctx: Context) -> Reply:
        topics = ", ".join(n for n in self.taxonomy.names)
        return Reply(f"{HELP}\n\n주제: {topics}")

    async def subscribe(self, ctx: Context) -> Reply:
        if not ctx.parsed.args:
            existing = self._existing(ctx)
            followed = set()
            if existing is not None:
                followed = {
                    v for k, v in chat_store.rule_pairs(self.engine, existing.id) if k == "topic"
                }
            names = self.taxonomy.names
            return Reply(
                "무엇을 구독할까요? 주제를 고르거나 '/subscribe 반도체 과기정통부'처럼 "
                "주제·키워드·기관을 적어 주세요.\n주제: " + ", ".join(names),
                topic_choices=tuple((n, n in followed) for n in names),
            )
        wanted: list[tuple[str, str]] = []
        problems: list[str] = []
        for word in ctx.parsed.args[:60]:
            rule = self.rule_for(word)
            if isinstance(rule, str):
                problems.append(rule)
            else:
                wanted.append(rule)
        if len(ctx.parsed.args) > 60:
            problems.append("한 번에 60개까지만 처리했어요.")
        if not wanted:
            return Reply("\n".join(problems[:5]) or "구독할 것을 적어 주세요.")
        chat = self._chat(ctx)
        limit = self.settings.delivery.max_rules
        try:
            added = chat_store.add_rules(self.engine, chat.id, wanted, now=ctx.now, limit=limit)
        except RuleLimitReached:
            return Reply(
                f"구독은 대화방마다 {limit}개까지예요. "
                "/unsubscribe 로 몇 개를 지운 뒤 다시 해 주세요."
            )
        lines = []
        if added:
            lines.append("구독했어요: " + ", ".join(_describe(k, v) for k, v in added))
        already = [r for r in dict.fromkeys(wanted) if r not in added]
        if already:
            lines.append("이미 구독 중: " + ", ".join(_describe(k, v) for k, v in already))
        lines.extend(problems[:5])
        if chat.paused:
            lines.append("알림이 멈춰 있어요. /resume 으로 다시 받을 수 있어요.")
        announce = None
        if added:
            announce = f"{shown(ctx.user, 30)}님이 구독을 추가했어요: " + ", ".join(
                _describe(k, v) for k, v in added
            )
        return Reply("\n".join(lines), announce=announce)

    async def unsubscribe(self, ctx: Context) -> Reply:
        if not ctx.parsed.args:
            return Reply("무엇을 해제할까요? 예) /unsubscribe 반도체 · 전부는 /unsubscribe all")
        chat = self._existing(ctx)
        if chat is None:
            return Reply("아직 구독한 것이 없어요.")
        if ctx.parsed.args[0].lower() in ("all", "전체", "모두", "전부"):
            n = chat_store.clear_rules(self.engine, chat.id)
            return Reply(
                f"구독 {n}개를 모두 해제했어요." if n else "해제할 구독이 없어요.",
                announce=f"{shown(ctx.user, 30)}님이 구독을 모두 해제했어요." if n else None,
            )
        current = set(chat_store.rule_pairs(self.engine, chat.id))
        removed: list[tuple[str, str]] = []
        missing: list[str] = []
        for word in ctx.parsed.args[:60]:
            rule = self.rule_for(word)
            candidates = [rule] if not isinstance(rule, str) else []
            if not isinstance(rule, str) and rule[0] != "keyword":
                candidates.append(("keyword", normalize_word(word)))
            hit = next((c for c in candidates if c in current), None)
            if hit is None:
                missing.append(shown(word))
            else:
                removed.append(hit)
        chat_store.remove_rules(self.engine, chat.id, removed)
        lines = []
        if removed:
            lines.append("해제했어요: " + ", ".join(_describe(k, v) for k, v in removed))
        if missing:
            lines.append("구독 중이 아니에요: " + ", ".join(missing))
        announce = None
        if removed:
            announce = f"{shown(ctx.user, 30)}님이 구독을 해제했어요: " + ", ".join(
                _describe(k, v) for k, v in removed
            )
        return Reply("\n".join(lines), announce=announce)

    async def list(self, ctx: Context) -> Reply:
        chat = self._existing(ctx)
        pairs = chat_store.rule_pairs(self.engine, chat.id) if chat else []
        if not pairs:
            return Reply("구독한 것이 없어요. 예) /subscribe 반도체 과기정통부")
        return Reply(_rules_text(pairs) + f"\n({len(pairs)}/{self.settings.delivery.max_rules})")

    async def mode(self, ctx: Context) -> Reply:
        choice = _MODES.get(ctx.parsed.args[0].lower()) if ctx.parsed.args else None
        if choice is None:
            return Reply(
                "받는 방식을 골라 주세요: /mode instant (즉시 알림), /mode daily (매일 요약), "
                "/mode both (둘 다)"
            )
        chat = self._chat(ctx)
        chat_store.update_chat(self.engine, chat.id, mode=choice, schedule_changed_at=ctx.now)
        extra = ""
        if choice != "instant":
            extra = f" 매일 {chat.daily_time} ({chat.timezone})에 요약을 보내 드려요."
        return Reply(f"받는 방식을 '{MODE_NAMES[choice]}'(으)로 바꿨어요.{extra}")

    async def time(self, ctx: Context) -> Reply:
        usage = (
            "시각은 /time 08:00 처럼 24시간제로 적어 주세요. "
            "시간대도 바꾸려면 /time 08:00 Asia/Seoul"
        )
        if not ctx.parsed.args or len(ctx.parsed.args) > 2:
            return Reply(usage)
        m = _TIME.fullmatch(ctx.parsed.args[0])
        if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            return Reply(usage)
        hhmm = f"{int(m.group(1)):02d}:{m.group(2)}"
        chat = self._chat(ctx)
        tz = chat.timezone
        if len(ctx.parsed.args) == 2:
            named = ctx.parsed.args[1]
            named = _ZONE_ALIASES.get(named.lower(), named)
            if named not in _zones():
                return Reply(
                    f"'{shown(named)}' 은(는) 모르는 시간대예요. Asia/Seoul, UTC, "
                    "America/New_York 처럼 적어 주세요."
                )
            tz = named
        chat_store.update_chat(
            self.engine, chat.id, daily_time=hhmm, timezone=tz, schedule_changed_at=ctx.now
        )
        when = next_digest_at(
            now=ctx.now,
            daily_time=hhmm,
            timezone=tz,
            last_digest_at=chat.last_digest_at,
            schedule_changed_at=ctx.now,
        )
        if chat.mode == "instant":
            note = "지금은 즉시 알림만 받고 있어요. 요약도 받으려면 /mode both"
        else:
            note = f"다음 요약: {_when(when, tz)}"
        return Reply(f"매일 요약 시각을 {hhmm} ({tz})로 정했어요. {note}")

    async def pause(self, ctx: Context) -> Reply:
        chat = self._chat(ctx)
        chat_store.set_paused(self.engine, chat.id, True, now=ctx.now)
        return Reply("알림을 멈췄어요. /resume 으로 다시 받을 수 있어요.")

    async def resume(self, ctx: Context) -> Reply:
        chat = self._chat(ctx)
        chat_store.set_paused(self.engine, chat.id, False, now=ctx.now)
        return Reply("알림을 다시 보내 드려요.")

    async def digest(self, ctx: Context) -> Reply:
        chat = self._existing(ctx)
        pairs = chat_store.rule_pairs(self.engine, chat.id) if chat else []
        if chat is None or not pairs:
            return Reply("구독한 것이 없어 요약할 소식이 없어요. 예) /subscribe 반도체")
        since = chat.last_digest_at or ctx.now - timedelta(days=1)
        digest = build_digest(
            digest_candidates(self.engine, since, ctx.now),
            Rules.from_pairs(pairs),
            since=since,
            now=ctx.now,
            timezone=chat.timezone,
            max_items=self.settings.digest.max_items,
        )
        if digest is None:
            return Reply(f"{_when(since, chat.timezone)} 이후 구독하신 주제의 새 소식이 없어요.")
        return Reply(render_digest(digest))

    async def search(self, ctx: Context) -> Reply:
        query = " ".join(ctx.parsed.raw_args.split())
        if not query:
            return Reply("찾을 말을 적어 주세요. 예) /search 반도체 지원사업")
        if len(query) > MAX_SEARCH:
            return Reply(f"검색어는 {MAX_SEARCH}자 이내로 적어 주세요.")
        page = search_stories(
            self.engine,
            query,
            now=ctx.now,
            limit=self.settings.search.default_limit,
            half_life_days=self.settings.search.recency_half_life_days,
        )
        if not page.hits:
            return Reply(f"'{shown(query)}' 에 맞는 소식을 찾지 못했어요.", search=page)
        return Reply(f"'{shown(query)}' 검색 결과 {len(page.hits)}건이에요.", search=page)

    async def status(self, ctx: Context) -> Reply:
        chat = self._existing(ctx)
        lines: list[str] = []
        if chat is None:
            lines.append("아직 등록되지 않은 대화방이에요. /subscribe 로 시작해 보세요.")
        else:
            pairs = chat_store.rule_pairs(self.engine, chat.id)
            lines.append(_rules_text(pairs) if pairs else "구독: 없음")
            lines.append(f"받는 방식: {MODE_NAMES.get(chat.mode, chat.mode)}")
            if chat.paused:
                why = (
                    "봇이 이 대화방에 메시지를 보낼 수 없어 멈췄어요 "
                    f"({shown(chat.paused_reason, 60)})."
                    if chat.paused_reason
                    else "/pause 로 멈췄어요."
                )
                lines.append(f"상태: 멈춤 — {why} /resume 으로 다시 받을 수 있어요.")
            elif chat.mode != "instant":
                when = next_digest_at(
                    now=ctx.now,
                    daily_time=chat.daily_time,
                    timezone=chat.timezone,
                    last_digest_at=chat.last_digest_at,
                    schedule_changed_at=chat.schedule_changed_at,
                )
                lines.append(f"다음 요약: {_when(when, chat.timezone)}")
            else:
                lines.append(
                    f"매일 요약 시각: {chat.daily_time} ({chat.timezone}, /mode both 로 켜기)"
                )
        lines.append(self._feed_health())
        return Reply("\n".join(lines))

    def _feed_health(self) -> str:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    feeds.c.id, feeds.c.name, feeds.c.consecutive_failures, feeds.c.last_error
                )
                .where(feeds.c.enabled.is_(sa.true()))
                .order_by(feeds.c.id)
            ).all()
        if not rows:
            return "피드: 아직 없어요."
        failing = [r for r in rows if r.consecutive_failures]
        head = f"피드 {len(rows)}개 중 {len(rows) - len(failing)}개 정상"
        if failing:
            head += f", {len(failing)}개 오류"
        detail = [
            f"  #{r.id} {shown(r.name, 30)} — "
            + ("정상" if not r.consecutive_failures else f"오류 {r.consecutive_failures}회")
            for r in rows[:10]
        ]
        if len(rows) > 10:
            detail.append(f"  외 {len(rows) - 10}개")
        return "\n".join([head, *detail])


def _describe(kind: str, value: str) -> str:
    if kind == "exclude":
        return f"-{value}"
    if kind == "feed":
        return f"feed:{value}"
    return value


def _rules_text(pairs: list[tuple[str, str]]) -> str:
    groups: dict[str, list[str]] = {}
    for kind, value in pairs:
        groups.setdefault(kind, []).append(value)
    lines = ["구독 목록"]
    for kind in ("topic", "agency", "keyword", "exclude", "feed"):
        if kind in groups:
            values = groups[kind] if kind != "feed" else [f"#{v}" for v in groups[kind]]
            lines.append(f"· {KIND_NAMES[kind]}: " + ", ".join(values))
    return "\n".join(lines)


def _when(when: datetime, timezone: str) -> str:
    from bot.digest import zone

    local = when.astimezone(zone(timezone))
    label = "KST" if zone(timezone) == KST else timezone
    return f"{local:%Y-%m-%d %H:%M} {label}"


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
