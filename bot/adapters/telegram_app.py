"""The Telegram bot people talk to: python-telegram-bot 22 Application in sokbo's event loop.

Every command goes to the platform-neutral command core; this module only translates: the
chat (and forum topic) into a :class:`ChatRef`, group admin rights (``getChatMember``, cached)
into ``is_admin``, and a :class:`Reply` into an HTML message with an inline keyboard (topic
toggles, search pages; telegram_inbound.py builds them, telegram_buttons.py answers their
presses). A bot removed from a chat pauses that chat and its topics, so it never spams a group
that kicked it. Long polling by default; webhook mode checks Telegram's secret token on every
request (python-telegram-bot's webhook server answers 403 without it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from telegram import (
    Bot,
    BotCommand,
    Chat,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.adapters import CommandHandler, too_many
from bot.adapters.telegram import Pacing, retry_after_seconds
from bot.adapters.telegram_buttons import EXPIRED, Buttons, SearchPager
from bot.adapters.telegram_inbound import (
    AdminCache,
    SearchQueries,
    chat_ref,
    command_text,
    reply_keyboard,
)
from bot.adapters.telegram_request import AiohttpRequest
from bot.clock import SystemClock
from bot.config import Settings
from bot.locales import DEFAULT, t
from bot.messages import Reply
from bot.pacing import CommandLimiter
from bot.render.telegram import reply_messages
from bot.store.chats import migrate_chat, pause_chat_everywhere
from bot.types import ChatRef

__all__ = ["COMMANDS", "EXPIRED", "TelegramBot"]  # EXPIRED: telegram_buttons.py's, read here too

log = logging.getLogger(__name__)
T = TypeVar("T")

# The command menu (setMyCommands), described in the catalog's words (the Korean default:
# the menu is one per bot, not per chat).
MENU = (
    "start",
    "subscribe",
    "unsubscribe",
    "list",
    "mode",
    "time",
    "digest",
    "search",
    "status",
    "pause",
    "resume",
    "help",
)
COMMANDS: tuple[tuple[str, str], ...] = tuple(
    (name, t(DEFAULT, f"cmd.{name}.summary")) for name in MENU
)
TROUBLE = t(DEFAULT, "adapter.trouble")
REPLY_RETRY_MAX = 60.0  # a reply Telegram asks to delay longer than this is dropped (logged)


REMOVED = ("left", "kicked", "banned")


class TelegramBot:
    """The service ``sokbo run`` starts when TELEGRAM_BOT_TOKEN is set."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        core: CommandHandler,
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
        self.now = now or SystemClock().now  # the App passes its clock; tests may leave it
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
        # Replies share the outbox adapter's pacing (App wires it); until then, their own.
        self.pacing = Pacing(self.settings)
        self.limiter = CommandLimiter(
            self.settings.user_commands_per_minute, self.settings.user_command_burst
        )
        self.ready = asyncio.Event()  # set once the HTTP client is initialized
        self.page_size = settings.search.default_limit
        self.preview = LinkPreviewOptions(is_disabled=not self.settings.link_preview)
        self.buttons = Buttons(self)
        app = self.application
        app.add_handler(
            MessageHandler(
                filters.COMMAND & (filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST),
                self.on_command,
            )
        )
        # Text Telegram does not mark as a command: Korean command names (/구독 has no
        # bot_command entity) anywhere, and plain messages in private chats (the core answers
        # with a hint, or searches when the text reads like a search).
        app.add_handler(
            MessageHandler(
                filters.UpdateType.MESSAGE
                & filters.TEXT
                & ~filters.COMMAND
                & (filters.ChatType.PRIVATE | filters.Regex(r"^/\S")),
                self.on_command,
            )
        )
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        app.add_handler(CallbackQueryHandler(self.buttons.on_button))
        app.add_handler(ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self.on_error)

    # --- running ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Serve updates (polling or webhook) until ``stop`` is set; same event loop as the rest."""
        app = self.application
        async with app:
            self.ready.set()
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
                self.ready.clear()
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
        sender = message.from_user.id if message.from_user else chat.id
        verdict, wait = self.limiter.check(str(sender))
        if verdict != "go":
            log.info("telegram user %s over the command limit (%s)", sender, verdict)
            if verdict == "notice":
                await self.answer(chat.id, ref, Reply(too_many(wait)))
            return
        is_group, is_admin, user = await self.who(chat, message)
        try:
            reply = await self.core.handle(ref, user, text, is_admin=is_admin, is_group=is_group)
        except Exception:
            log.exception("command %r failed in chat %s", text[:50], ref)
            reply = Reply(TROUBLE)
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
        """Send a reply: every part of it (a long ``/digest`` takes several, as the scheduled
        digest does), the buttons under the last."""
        texts = reply_messages(reply)
        thread = int(ref.thread_id) if ref.thread_id else None
        for index, text in enumerate(texts):
            markup = self.keyboard(ref.chat_id, reply) if index == len(texts) - 1 else None

            async def send(
                text: str = text, markup: InlineKeyboardMarkup | None = markup
            ) -> object:
                return await self.bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    message_thread_id=thread,
                    link_preview_options=self.preview,
                    reply_markup=markup,
                )

            try:
                await self.paced(chat_id, send)
            except TelegramError as e:
                log.warning("could not answer in chat %s: %s", ref, e)
                return

    async def paced(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        """Send through the pacing every outgoing message shares (replies and alerts): wait
        for this chat's turn and the overall budget. A 429 anyway (another instance on the
        same bot) is waited out once, when it is short."""
        key = str(chat_id)
        for attempt in range(2):
            while (wait := self.pacing.chat_wait(key)) > 0:
                await asyncio.sleep(wait)
            try:
                async with self.pacing.overall_turn():
                    return await call()
            except RetryAfter as e:
                after = retry_after_seconds(e)
                if attempt or after > REPLY_RETRY_MAX:
                    raise
                log.info("telegram 429 for a reply in chat %s: waiting %.0f s", key, after)
                await asyncio.sleep(after)
            finally:
                self.pacing.chat_answered(key)
        raise AssertionError("unreachable")

    def keyboard(self, chat: str, reply: Reply) -> InlineKeyboardMarkup | None:
        """The buttons under a reply (a search page's carry this bot's query ids)."""
        return reply_keyboard(reply, chat, self.queries, self.page_size)

    async def on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        if status not in REMOVED:
            return
        chat_id = str(change.chat.id)
        reason = f"the bot was removed from the chat ({status})"
        await asyncio.to_thread(
            pause_chat_everywhere, self.engine, "telegram", chat_id, reason, now=self.now()
        )
        log.info("telegram chat %s removed the bot: paused", chat_id)

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.migrate_to_chat_id:
            return
        old, new = str(message.chat.id), str(message.migrate_to_chat_id)
        await asyncio.to_thread(migrate_chat, self.engine, "telegram", old, new)
        log.info("telegram group %s became supergroup %s: migrated", old, new)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.warning("telegram update failed: %s", context.error)
