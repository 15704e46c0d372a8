"""What the Telegram listener reads from an update, and the small state it keeps per chat.

The chat (and forum topic) as a :class:`ChatRef`, a command's text without ``@ThisBot``, group
admin rights (``getChatMember``, cached), short ids for search queries too long for a button,
and the keyboards under a reply (topic toggles, search pages), whose presses
bot/adapters/telegram_buttons.py answers. No sending here: bot/adapters/telegram_app.py does that.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable

from telegram import Bot, Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.locales import t
from bot.messages import Reply
from bot.types import ChatRef

log = logging.getLogger(__name__)

CALLBACK_MAX = 64  # bytes of callback_data Telegram accepts
_STORED_KEY = re.compile(r"#[0-9]{1,12}")


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
    """Short ids for search queries too long to travel inside callback_data (64 bytes).

    An id belongs to the chat it was issued in: a button crafted with another chat's id finds
    nothing (it used to show that chat's query).
    """

    def __init__(self, size: int = 5000) -> None:
        self._ids = itertools.count(1)
        self._queries: OrderedDict[tuple[str, str], str] = OrderedDict()
        self.size = size

    def data(self, chat: str, query: str, offset: int) -> str:
        direct = f"s:{offset}:{query}"
        if len(direct.encode()) <= CALLBACK_MAX and not query.startswith("#"):
            return direct
        key = f"#{next(self._ids)}"
        self._queries[(chat, key)] = query
        while len(self._queries) > self.size:
            self._queries.popitem(last=False)
        return f"s:{offset}:{key}"

    def query(self, chat: str, stored: str) -> str | None:
        if not stored.startswith("#"):
            return stored or None
        if not _STORED_KEY.fullmatch(stored):
            return None
        return self._queries.get((chat, stored))


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


def reply_keyboard(
    reply: Reply, chat: str, queries: SearchQueries, page_size: int
) -> InlineKeyboardMarkup | None:
    """The buttons under a reply: its topic toggles, or a search page's previous / next."""
    if reply.topic_choices:
        return topic_keyboard(reply.topic_choices)
    page = reply.search
    if page is None or (page.offset == 0 and not page.has_more):
        return None
    row = []
    lang = reply.language
    if page.offset > 0:
        back = max(0, page.offset - max(page_size, len(page.hits)))
        data = queries.data(chat, page.query, back)
        row.append(InlineKeyboardButton(t(lang, "adapter.previous"), callback_data=data))
    if page.has_more:
        ahead = page.offset + len(page.hits)
        data = queries.data(chat, page.query, ahead)
        row.append(InlineKeyboardButton(t(lang, "adapter.next"), callback_data=data))
    return InlineKeyboardMarkup([row])
