"""What pressing one of the bot's inline buttons does: a topic toggle (``t:<topic>``), a
search page (``s:<offset>:<query>``) or 문의처 전체 (``c:<story id>``).

Anyone who sees a message can press its buttons, and callback data can be crafted, so every
press is checked before it acts: the user's command budget, the admin rule for groups (a
toggle is a ``/subscribe`` through the command core), a topic that still exists, a page
offset in range and a stored query issued in this chat. The answer is a short toast; the
change itself is an edited keyboard, an edited search page or the contacts as a reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from sqlalchemy.engine import Engine
from telegram import Chat, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.adapters import CommandHandler, too_many
from bot.adapters.telegram_inbound import (
    CALLBACK_MAX,
    AdminCache,
    SearchQueries,
    chat_ref,
    topic_keyboard,
)
from bot.errors import CommandError
from bot.locales import DEFAULT, t
from bot.messages import Reply, SearchPage
from bot.pacing import CommandLimiter
from bot.render.telegram import all_contacts_blocks, pack, reply_messages
from bot.store.stories import load_alerts
from bot.types import ChatRef

log = logging.getLogger(__name__)

TROUBLE = t(DEFAULT, "adapter.trouble")
CONTACTS_GONE = t(DEFAULT, "adapter.contacts_gone")
EXPIRED = t(DEFAULT, "adapter.search_expired")
UNKNOWN_BUTTON = t(DEFAULT, "adapter.button_unknown")
BUTTON_GONE = t(DEFAULT, "adapter.button_gone")
MAX_PAGE_OFFSET = 1000  # deepest search page a button may ask for (results beyond: refine)
_OFFSET = re.compile(r"[0-9]{1,4}")

SearchPager = Callable[[str, int], SearchPage]
T = TypeVar("T")


class Listener(Protocol):
    """What a button press uses of the Telegram listener (:class:`TelegramBot`): the command
    core and the store, its caches and limits, and its paced sending."""

    core: CommandHandler
    engine: Engine
    admins: AdminCache
    queries: SearchQueries
    limiter: CommandLimiter
    search: SearchPager | None
    preview: LinkPreviewOptions

    def keyboard(self, chat: str, reply: Reply) -> InlineKeyboardMarkup | None: ...

    async def paced(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T: ...


class Buttons:
    """Answers the presses of the bot's inline buttons (one per :class:`TelegramBot`)."""

    def __init__(self, listener: Listener) -> None:
        self.listener = listener

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        message = query.message
        chat = update.effective_chat
        if chat is None or not isinstance(message, Message):
            await query.answer(BUTTON_GONE)
            return
        ref = chat_ref(chat, message)
        verdict, wait = self.listener.limiter.check(str(query.from_user.id))
        if verdict != "go":
            with contextlib.suppress(TelegramError):
                await query.answer(too_many(wait) if verdict == "notice" else None)
            return
        kind, _, rest = query.data[:CALLBACK_MAX].partition(":")
        try:
            if kind == "t":
                toast = await self.toggle_topic(ref, chat, query.from_user.id, message, rest)
            elif kind == "s":
                toast = await self.turn_page(ref, message, rest)
            elif kind == "c":
                toast = await self.show_contacts(message, rest)
            else:
                toast = UNKNOWN_BUTTON
        except CommandError as e:
            toast = e.reply
        except Exception:  # never the exception's text: it may hold SQL or a stack detail
            log.exception("button %r failed in chat %s", query.data[:80], ref)
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
            else (await self.listener.admins.is_admin(chat.id, user_id))
        )
        user = str(user_id)
        current = await self.listener.core.handle(
            ref, user, "/subscribe", is_admin=is_admin, is_group=is_group
        )
        if not current.topic_choices:  # refused (not an admin): say why, change nothing
            return current.text
        followed = dict(current.topic_choices).get(topic)
        if followed is None:
            return t(current.language, "adapter.topic_gone")
        verb = "/unsubscribe" if followed else "/subscribe"
        result = await self.listener.core.handle(
            ref, user, f"{verb} {topic}", is_admin=is_admin, is_group=is_group
        )
        fresh = await self.listener.core.handle(
            ref, user, "/subscribe", is_admin=is_admin, is_group=is_group
        )
        if fresh.topic_choices and fresh.topic_choices != current.topic_choices:
            with contextlib.suppress(TelegramError):  # "message is not modified" is fine
                await message.edit_reply_markup(reply_markup=topic_keyboard(fresh.topic_choices))
        return result.text

    async def show_contacts(self, message: Message, rest: str) -> str:
        """The 문의처 전체 button: the story's whole contact list, as a reply to the alert."""
        if not re.fullmatch(r"[0-9]{1,12}", rest):
            return CONTACTS_GONE
        story_id = int(rest)
        alerts = await asyncio.to_thread(load_alerts, self.listener.engine, [story_id])
        alert = alerts.get(story_id)
        if alert is None or not alert.summary.contacts:
            return CONTACTS_GONE
        for text in pack(all_contacts_blocks(alert.summary.headline, alert.summary.contacts)):

            async def send(text: str = text) -> object:
                return await message.reply_text(
                    text, parse_mode=ParseMode.HTML, link_preview_options=self.listener.preview
                )

            with contextlib.suppress(TelegramError):
                await self.listener.paced(message.chat_id, send)
        return ""

    async def turn_page(self, ref: ChatRef, message: Message, rest: str) -> str:
        """A search page button: the offset is a small number and a stored query id must
        have been issued in this chat; anything else is refused politely."""
        offset_text, _, stored = rest.partition(":")
        if not _OFFSET.fullmatch(offset_text) or int(offset_text) > MAX_PAGE_OFFSET:
            return EXPIRED
        query = self.listener.queries.query(ref.chat_id, stored)
        if query is None or self.listener.search is None:
            return EXPIRED
        page = await asyncio.to_thread(self.listener.search, query, int(offset_text))
        reply = Reply(text="", search=page)

        async def edit() -> object:
            return await message.edit_text(
                reply_messages(reply)[0],
                parse_mode=ParseMode.HTML,
                link_preview_options=self.listener.preview,
                reply_markup=self.listener.keyboard(ref.chat_id, reply),
            )

        with contextlib.suppress(TelegramError):
            await self.listener.paced(message.chat_id, edit)
        return ""
