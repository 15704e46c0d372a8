"""The Telegram bot people talk to: python-telegram-bot 22 Application in sokbo's event loop.

Every command goes to the platform-neutral command core; this module only translates: the
chat (and forum topic) into a :class:`ChatRef`, group admin rights (``getChatMember``, cached)
into ``is_admin``, and a :class:`Reply` into an HTML message with an inline keyboard (topic
toggles, search pages). A bot removed from a chat pauses that chat, so it never spams a group
that kicked it. Long polling by default; webhook mode checks Telegram's secret token on every
request (python-telegram-bot's webhook server answers 403 without it).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from telegram import (
    Bot,
    BotCommand,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.adapters.telegram_request import AiohttpRequest
from bot.config import Settings
from bot.messages import Reply, SearchPage
from bot.render.telegram import render_reply
from bot.store.chats import migrate_chat, pause_chat
from bot.store.schema import chats
from bot.types import ChatRef

log = logging.getLogger(__name__)

# Korean descriptions shown in Telegram's command menu (setMyCommands).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "봇 소개와 시작하기"),
    ("subscribe", "주제·키워드·기관 구독 (인자 없이 보내면 주제 선택 버튼)"),
    ("unsubscribe", "구독 해제 (all: 모두 해제)"),
    ("list", "구독 중인 항목 보기"),
    ("mode", "알림 방식: instant(즉시) / daily(하루 한 번) / both"),
    ("time", "일일 요약 받을 시각 (예: /time 07:30)"),
    ("digest", "오늘의 요약 지금 받기"),
    ("search", "지난 보도자료 검색 (예: /search 반도체)"),
    ("status", "구독 상태와 다음 요약 시각"),
    ("pause", "알림 잠시 멈추기"),
    ("resume", "알림 다시 받기"),
    ("help", "명령어 도움말"),
)

START_TEXT = (
    "속보봇은 정부 부처의 정책 보도자료를 모아 핵심만 한국어로 요약해 드립니다.\n"
    "/subscribe 반도체 처럼 주제·키워드·기관을 구독하면 새 소식을 바로 알려 드려요"
    " (/subscribe 만 보내면 주제 버튼이 나옵니다).\n"
    "/time 07:30 으로 하루 한 번 요약 시각을 정하고, /search 로 지난 소식을 찾아보세요."
)
TROUBLE = "잠시 문제가 생겼습니다. 잠시 후 다시 시도해 주세요."
REMOVED = ("left", "kicked", "banned")
CALLBACK_MAX = 64  # bytes of callback_data Telegram accepts


class CommandCore(Protocol):
    async def handle(
        self, chat: ChatRef, user: str, text: str, *, is_admin: bool, is_group: bool
    ) -> Reply: ...


SearchPager = Callable[[str, int], SearchPage]


class AdminCache:
    """Who administers which group, asked with getChatMember and kept ``ttl`` seconds."""

    def __init__(self, bot: Bot, ttl: float, now: Callable[[], float] = time.monotonic):
        self.bot = bot
        self.ttl = ttl
        self.now = now
        self._known: dict[tuple[int, int], tuple[bool, float]] = {}
        self._asking: dict[tuple[int, int], asyncio.Future[bool]] = {}

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        key = (chat_id, user_id)
        hit = self._known.get(key)
        if hit is not None and hit[1] > self.now():
            return hit[0]
        pending = self._asking.get(key)
        if pending is None:  # one getChatMember per (chat, user), however many commands wait
            pending = self._asking[key] = asyncio.ensure_future(self._ask(chat_id, user_id))
            pending.add_done_callback(lambda _: self._asking.pop(key, None))
        return await asyncio.shield(pending)

    async def _ask(self, chat_id: int, user_id: int) -> bool:
        try:
            member = await self.bot.get_chat_member(chat_id, user_id)
        except TelegramError as e:  # cannot tell: refuse changes, don't cache the failure
            log.warning("getChatMember(%s, %s) failed: %s", chat_id, user_id, e)
            return False
        admin = member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
        if len(self._known) > 50_000:
            self._known.clear()
        self._known[(chat_id, user_id)] = (admin, self.now() + self.ttl)
        return admin


class SearchQueries:
    """Short ids for search queries too long to travel inside callback_data (64 bytes)."""

    def __init__(self, size: int = 5000) -> None:
        self._ids = itertools.count(1)
        self._queries: OrderedDict[str, str] = OrderedDict()
        self.size = size

    def data(self, query: str, offset: int) -> str:
        direct = f"s:{offset}:{query}"
        if len(direct.encode()) <= CALLBACK_MAX:
            return direct
        key = f"#{next(self._ids)}"
        self._queries[key] = query
        while len(self._queries) > self.size:
            self._queries.popitem(last=False)
        return f"s:{offset}:{key}"

    def query(self, stored: str) -> str | None:
        return self._queries.get(stored) if stored.startswith("#") else stored


def chat_ref(chat: Chat, message: Message | None) -> ChatRef:
    """Forum topics are their own subscription: the topic id travels as the thread id."""
    thread = ""
    if message is not None and message.is_topic_message and message.message_thread_id:
        thread = str(message.message_thread_id)
    return ChatRef("telegram", str(chat.id), thread)


def command_text(text: str, username: str) -> str | None:
    """``/cmd@ThisBot args`` → ``/cmd args``; None when addressed to another bot."""
    head, _, rest = text.strip().partition(" ")
    name, _, target = head.partition("@")
    if target and target.lower() != username.lower():
        return None
    return f"{name.lower()} {rest.strip()}".strip()


def topic_keyboard(choices: tuple[tuple[str, bool], ...]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(("✅ " if followed else "⬜ ") + topic, callback_data=f"t:{topic}")
        for topic, followed in choices
        if len(f"t:{topic}".encode()) <= CALLBACK_MAX
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


class TelegramBot:
    """The service ``sokbo run`` starts when TELEGRAM_BOT_TOKEN is set."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        core: CommandCore,
        *,
        search: SearchPager | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        token = settings.secrets.telegram_bot_token
        if not token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.settings = settings.telegram
        self.secret = settings.secrets.telegram_webhook_secret
        self.engine = engine
        self.core = core
        self.search = search
        self.now = now
        builder = Application.builder().token(token).base_url(self.settings.base_url)
        # every call on aiohttp (bot/adapters/telegram_request.py): sends (replies and the
        # outbox's fan-out) share a pool; the long poll has its own connection and read timeout
        long_poll = AiohttpRequest(
            connection_pool_size=1, read_timeout=self.settings.poll_timeout + 10
        )
        builder = builder.request(AiohttpRequest(connection_pool_size=64))
        builder = builder.get_updates_request(long_poll).concurrent_updates(True)
        self.application = builder.build()
        self.bot: Bot = self.application.bot
        self.admins = AdminCache(self.bot, self.settings.admin_cache_seconds)
        self.queries = SearchQueries()
        self.page_size = settings.search.default_limit
        self.preview = LinkPreviewOptions(is_disabled=not self.settings.link_preview)
        app = self.application
        app.add_handler(
            MessageHandler(
                filters.COMMAND & (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST),
                self.on_command,
            )
        )
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self.on_error)

    # --- running ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Serve updates (polling or webhook) until ``stop`` is set; same event loop as the rest."""
        app = self.application
        async with app:
            await self.publish_commands()
            await app.start()
            updater = app.updater
            assert updater is not None
            allowed = ["message", "channel_post", "callback_query", "my_chat_member"]
            if self.settings.mode == "webhook":
                url = self.settings.webhook_url
                if not url or not self.secret:
                    raise ValueError(
                        "webhook mode needs telegram.webhook_url and TELEGRAM_WEBHOOK_SECRET"
                    )
                await updater.start_webhook(
                    listen=self.settings.webhook_listen,
                    port=self.settings.webhook_port,
                    url_path=urlsplit(url).path.lstrip("/"),
                    webhook_url=url,
                    secret_token=self.secret,
                    allowed_updates=allowed,
                )
            else:
                await updater.start_polling(
                    poll_interval=0.0,
                    timeout=int(self.settings.poll_timeout),
                    allowed_updates=allowed,
                )
            log.info("telegram bot running (%s)", self.settings.mode)
            try:
                await stop.wait()
            finally:
                with contextlib.suppress(Exception):
                    await updater.stop()
                await app.stop()

    async def publish_commands(self) -> None:
        try:
            await self.bot.set_my_commands([BotCommand(c, d) for c, d in COMMANDS])
        except TelegramError as e:  # the menu is a convenience; the bot works without it
            log.warning("setMyCommands failed: %s", e)

    # --- handlers --------------------------------------------------------------------------

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or not message.text:
            return
        text = command_text(message.text, self.bot.username)
        if text is None:
            return
        ref = chat_ref(chat, message)
        is_group, is_admin, user = await self.who(chat, message)
        try:
            reply = await self.core.handle(ref, user, text, is_admin=is_admin, is_group=is_group)
        except Exception:
            log.exception("command %r failed in chat %s", text[:50], ref)
            reply = Reply(TROUBLE)
        if text.split()[0] == "/start":
            reply = Reply(START_TEXT)
        await self.answer(chat.id, ref, reply)

    async def who(self, chat: Chat, message: Message) -> tuple[bool, bool, str]:
        """(is_group, is_admin, user id) for a command's sender."""
        sender = message.from_user
        if chat.type == ChatType.PRIVATE:
            return False, True, str(sender.id if sender else chat.id)
        if chat.type == ChatType.CHANNEL or (
            message.sender_chat and message.sender_chat.id == chat.id
        ):
            # Channel posts and anonymous group admins speak as the chat: only admins can.
            return True, True, str(chat.id)
        if sender is None:
            return True, False, ""
        return True, await self.admins.is_admin(chat.id, sender.id), str(sender.id)

    async def answer(self, chat_id: int, ref: ChatRef, reply: Reply) -> None:
        try:
            await self.bot.send_message(
                chat_id,
                render_reply(reply),
                parse_mode=ParseMode.HTML,
                message_thread_id=int(ref.thread_id) if ref.thread_id else None,
                link_preview_options=self.preview,
                reply_markup=self.keyboard(reply),
            )
        except TelegramError as e:
            log.warning("could not answer in chat %s: %s", ref, e)

    def keyboard(self, reply: Reply) -> InlineKeyboardMarkup | None:
        if reply.topic_choices:
            return topic_keyboard(reply.topic_choices)
        page = reply.search
        if page is None or (page.offset == 0 and not page.has_more):
            return None
        row = []
        if page.offset > 0:
            back = max(0, page.offset - max(self.page_size, len(page.hits)))
            row.append(
                InlineKeyboardButton("◀ 이전", callback_data=self.queries.data(page.query, back))
            )
        if page.has_more:
            ahead = page.offset + len(page.hits)
            row.append(
                InlineKeyboardButton("다음 ▶", callback_data=self.queries.data(page.query, ahead))
            )
        return InlineKeyboardMarkup([row])

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        message = query.message
        chat = update.effective_chat
        if chat is None or not isinstance(message, Message):
            await query.answer("이 버튼은 더 이상 쓸 수 없습니다.")
            return
        ref = chat_ref(chat, message)
        kind, _, rest = query.data.partition(":")
        try:
            if kind == "t":
                toast = await self.toggle_topic(ref, chat, query.from_user.id, message, rest)
            elif kind == "s":
                toast = await self.turn_page(message, rest)
            else:
                toast = "알 수 없는 버튼입니다."
        except Exception:
            log.exception("button %r failed in chat %s", query.data, ref)
            toast = TROUBLE
        with contextlib.suppress(TelegramError):
            await query.answer(toast[:200] if toast else None)

    async def toggle_topic(
        self, ref: ChatRef, chat: Chat, user_id: int, message: Message, topic: str
    ) -> str:
        is_group = chat.type != ChatType.PRIVATE
        is_admin = (
            True
            if chat.type in (ChatType.PRIVATE, ChatType.CHANNEL)
            else (await self.admins.is_admin(chat.id, user_id))
        )
        user = str(user_id)
        current = await self.core.handle(
            ref, user, "/subscribe", is_admin=is_admin, is_group=is_group
        )
        if not current.topic_choices:  # refused (not an admin): say why, change nothing
            return current.text
        followed = dict(current.topic_choices).get(topic)
        if followed is None:
            return "더 이상 없는 주제입니다."
        verb = "/unsubscribe" if followed else "/subscribe"
        result = await self.core.handle(
            ref, user, f"{verb} {topic}", is_admin=is_admin, is_group=is_group
        )
        fresh = await self.core.handle(
            ref, user, "/subscribe", is_admin=is_admin, is_group=is_group
        )
        if fresh.topic_choices and fresh.topic_choices != current.topic_choices:
            with contextlib.suppress(TelegramError):  # "message is not modified" is fine
                await message.edit_reply_markup(reply_markup=topic_keyboard(fresh.topic_choices))
        return result.text

    async def turn_page(self, message: Message, rest: str) -> str:
        offset_text, _, stored = rest.partition(":")
        query = self.queries.query(stored)
        if query is None or not offset_text.isdigit() or self.search is None:
            return "검색이 만료되었습니다. /search 로 다시 검색해 주세요."
        try:
            page = await asyncio.to_thread(self.search, query, int(offset_text))
        except Exception as e:  # CommandError carries a Korean explanation
            reply = getattr(e, "reply", None) or str(e)
            return str(reply)
        reply = Reply(text="", search=page)
        with contextlib.suppress(TelegramError):
            await message.edit_text(
                render_reply(reply),
                parse_mode=ParseMode.HTML,
                link_preview_options=self.preview,
                reply_markup=self.keyboard(reply),
            )
        return ""

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        if status not in REMOVED:
            return
        chat_id = str(change.chat.id)
        reason = f"the bot was removed from the chat ({status})"
        await asyncio.to_thread(self.pause_everywhere, chat_id, reason)
        log.info("telegram chat %s removed the bot: paused", chat_id)

    def pause_everywhere(self, chat_id: str, reason: str) -> None:
        """Pause the chat and every forum topic of it."""
        with self.engine.connect() as conn:
            threads = conn.execute(
                sa.select(chats.c.thread_id).where(
                    chats.c.platform == "telegram", chats.c.chat_id == chat_id
                )
            ).scalars()
            refs = [ChatRef("telegram", chat_id, thread or "") for thread in threads]
        for ref in refs:
            pause_chat(self.engine, ref, reason, now=self.now() if self.now else None)

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.migrate_to_chat_id:
            return
        old, new = str(message.chat.id), str(message.migrate_to_chat_id)
        await asyncio.to_thread(migrate_chat, self.engine, "telegram", old, new)
        log.info("telegram group %s became supergroup %s: migrated", old, new)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.warning("telegram update failed: %s", context.error)
