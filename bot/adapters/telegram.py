"""Telegram delivery: render to HTML, pace, send with python-telegram-bot, map the answer.

The adapter never retries by itself: Telegram's errors become :class:`SendResult` outcomes and
the outbox decides. Pacing follows Telegram's limits (about 30 messages/s overall, 1/s per
chat, 20/min per group), counted on arrival as Telegram counts them: the overall budget is
waited for, a busy chat or group answers ``deferred`` so the outbox serves other chats
meanwhile.

A message longer than 4,096 characters goes out in parts; the parts already delivered are
remembered (:mod:`bot.adapters.parts`) so a retry or a deferral resumes after them instead of
repeating them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import warnings
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import aiohttp
import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.adapters.parts import PartsProgress, Progress, fingerprint
from bot.adapters.telegram_request import PoolTimeout
from bot.config import TelegramSettings
from bot.locales import t
from bot.messages import Alert, Message
from bot.pacing import AnsweredWindow, KeyedWindows
from bot.render.telegram import has_more_contacts, render_message
from bot.types import ChatRef, SendResult

log = logging.getLogger(__name__)

# Opt in to python-telegram-bot 22's timedelta time periods (the documented switch); without
# it every 429 raises a deprecation warning inside the library.
os.environ.setdefault("PTB_TIMEDELTA", "true")

# Bad Request descriptions that mean "this chat (or topic) cannot receive messages any more".
GONE_BAD_REQUESTS = (
    "chat not found",
    "message thread not found",
    "topic_deleted",
    "topic_closed",
    "need administrator rights",
    "not enough rights",
    "have no rights to send",
    "chat_write_forbidden",
    "bot is not a member",
    "peer_id_invalid",
    "user is deactivated",
)
BACKOFF_MAX = 300.0
READY_WAIT = 30.0  # seconds a send waits for the Telegram service to start
RENDER_CACHE = 64  # recently sent message objects whose rendering is kept
# Seconds added to every limit's window: servers stamp arrivals in whole milliseconds. Network
# jitter needs no margin: the windows count from answers (see Pacing).
WINDOW_MARGIN = 0.005


def is_group(chat_id: str) -> bool:
    """Groups, supergroups and channels have negative ids in the Bot API."""
    return chat_id.startswith("-")


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns about int vs timedelta; accept both
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def was_not_sent(error: NetworkError) -> bool:
    """True when the request certainly never reached Telegram (safe to repeat)."""
    cause = error.__cause__
    return isinstance(
        cause,
        (
            httpx.ConnectError,
            httpx.ConnectTimeout,
            httpx.PoolTimeout,
            aiohttp.ClientConnectorError,  # refused, unreachable (AiohttpRequest)
            aiohttp.ConnectionTimeoutError,  # no connection in time
            PoolTimeout,  # every pooled connection stayed busy
        ),
    )


def window_of(count: float, period: float) -> tuple[int, float]:
    """``count`` messages per ``period`` s as a whole number of messages per window."""
    return (int(count), period) if count >= 1 else (1, period / count)


class Pacing:
    """Telegram's limits, counted where Telegram counts them: when a message arrives.

    Overall ``rate_global`` per second, ``rate_per_chat`` per second per chat and
    ``rate_group_per_minute`` per minute per group, each an :class:`AnsweredWindow`: a send
    holds its place from release until one window after its answer, and Telegram stamped it
    before answering, so however late the event loop or the network delivers it, no window
    at Telegram's end holds one message too many. Sends are also spaced ``1 / rate_global``
    apart (slots; a late wake-up does not cost one) so the budget is used evenly instead of in
    bursts that would slow every answer and so hold each place longer.
    """

    def __init__(
        self,
        settings: TelegramSettings,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ):
        self.enabled = settings.pacing
        self.now = now
        self.sleep = sleep
        self.interval = 1.0 / settings.rate_global
        self.next_slot = 0.0
        self.overall = AnsweredWindow(*window_of(settings.rate_global, 1.0), WINDOW_MARGIN)
        self.per_chat = KeyedWindows(*window_of(settings.rate_per_chat, 1.0), now, WINDOW_MARGIN)
        per_group = window_of(settings.rate_group_per_minute, 60.0)
        self.per_group = KeyedWindows(*per_group, now, WINDOW_MARGIN)

    def chat_wait(self, chat_id: str) -> float:
        """0 and the chat's place taken (give it back with :meth:`chat_answered`), or the
        seconds this chat must wait (nothing taken then)."""
        if not self.enabled:
            return 0.0
        group = is_group(chat_id)
        wait = self.per_chat.wait(chat_id)
        if group:
            wait = max(wait, self.per_group.wait(chat_id))
        if wait > 0:
            return wait
        self.per_chat.release(chat_id)
        if group:
            self.per_group.release(chat_id)
        return 0.0

    def chat_answered(self, chat_id: str) -> None:
        """The send :meth:`chat_wait` allowed got its answer (or failed, or never went)."""
        if not self.enabled:
            return
        self.per_chat.answered(chat_id)
        if is_group(chat_id):
            self.per_group.answered(chat_id)

    @contextlib.asynccontextmanager
    async def overall_turn(self) -> AsyncIterator[None]:
        """Wait for a place in the overall budget (every chat shares it); send inside the
        block, which holds the place until the answer is back."""
        if not self.enabled:
            yield
            return
        slot = max(self.now(), self.next_slot)
        self.next_slot = slot + self.interval
        while True:
            now = self.now()
            wait = self.overall.wait(now)
            if wait is None:  # rate_global sends unanswered: look again a slot later
                wait = self.interval
            wait = max(wait, slot - now)
            if wait <= 0:
                break
            await self.sleep(wait)
        self.overall.release()  # no await since the check: the caller sends right away
        try:
            yield
        finally:
            self.overall.answered(self.now())


class TelegramAdapter:
    """The outbox's Telegram adapter (platform ``telegram``)."""

    platform = "telegram"

    def __init__(
        self,
        bot: Bot,
        settings: TelegramSettings,
        *,
        now: Callable[[], float] = time.monotonic,
        ready: asyncio.Event | None = None,
        pacing: Pacing | None = None,
    ) -> None:
        self.bot = bot
        self.settings = settings
        self.pacing = pacing or Pacing(settings, now)
        self.ready = ready  # set by the Telegram service once its HTTP client is initialized
        self.link_preview = LinkPreviewOptions(is_disabled=not settings.link_preview)
        self._failures: dict[str, int] = {}  # chat → consecutive network failures
        self._progress = PartsProgress()  # parts of long messages already delivered
        self._renders: OrderedDict[int, tuple[Message, list[str], str]] = OrderedDict()

    async def send(self, chat: ChatRef, message: Message) -> SendResult:
        if self.ready is not None and not self.ready.is_set():
            # The outbox starts with the bot: the first delivery waits for the client instead
            # of failing (and being retried later) because it is not initialized yet.
            try:
                await asyncio.wait_for(self.ready.wait(), READY_WAIT)
            except TimeoutError:
                return SendResult.retry(READY_WAIT, "Telegram client not started yet")
        parts, digest = self._render(message)
        key = f"{chat.chat_id}/{chat.thread_id}/{digest}"
        progress = self._progress.get(key) or Progress()
        for index in range(progress.sent, len(parts)):
            wait = self.pacing.chat_wait(chat.chat_id)
            if wait > 0:
                return SendResult.deferred(wait)
            try:
                markup = _contacts_button(message) if index == len(parts) - 1 else None
                async with self.pacing.overall_turn():
                    result = await self._send_part(chat, parts[index], markup)
            finally:
                self.pacing.chat_answered(chat.chat_id)
            if result.outcome != "sent":
                return result
            progress.sent = index + 1
            self._progress.remember(key, progress)
        self._progress.done(key)
        self._failures.pop(chat.chat_id, None)
        return SendResult.sent()

    async def _send_part(
        self, chat: ChatRef, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> SendResult:
        try:
            await self.bot.send_message(
                chat_id=int(chat.chat_id) if _is_int(chat.chat_id) else chat.chat_id,
                text=text,
                parse_mode=ParseMode.HTML,
                message_thread_id=int(chat.thread_id) if chat.thread_id else None,
                link_preview_options=self.link_preview,
                reply_markup=markup,
            )
        except RetryAfter as e:
            after = retry_after_seconds(e)
            log.info("telegram 429 for chat %s: waiting %.0f s", chat.chat_id, after)
            return SendResult.retry(after, f"Telegram flood control: retry after {after:.0f} s")
        except ChatMigrated as e:
            return SendResult.migrated(str(e.new_chat_id))
        except Forbidden as e:
            return SendResult.gone(f"Telegram refused: {e.message}")
        except BadRequest as e:
            text_lower = e.message.lower()
            if any(marker in text_lower for marker in GONE_BAD_REQUESTS):
                return SendResult.gone(f"Telegram: {e.message}")
            log.warning("telegram rejected a message for chat %s: %s", chat.chat_id, e.message)
            return SendResult.retry(BACKOFF_MAX, f"Telegram rejected the message: {e.message}")
        except (TimedOut, NetworkError) as e:
            return self._network_retry(chat, e)
        except TelegramError as e:  # InvalidToken, Conflict, EndPointNotFound, ...
            return SendResult.retry(BACKOFF_MAX, f"Telegram error: {e.message}")
        return SendResult.sent()

    def _network_retry(self, chat: ChatRef, error: NetworkError) -> SendResult:
        failures = self._failures.get(chat.chat_id, 0) + 1
        self._failures[chat.chat_id] = failures
        after = min(BACKOFF_MAX, 2.0 ** min(failures, 16))
        sure = "not sent" if was_not_sent(error) else "may or may not have arrived"
        log.warning("telegram network error for chat %s (%s): %s", chat.chat_id, sure, error)
        return SendResult.retry(after, f"network error ({sure}): {error.message}")

    def _render(self, message: Message) -> tuple[list[str], str]:
        """Render once per message object: a fan-out sends one Alert object to every chat.

        Keyed by identity (the outbox keeps one Alert per story), checked with ``is`` so a
        reused id can never return another message's text.
        """
        cached = self._renders.get(id(message))
        if cached is not None and cached[0] is message:
            return cached[1], cached[2]
        parts = render_message(message)
        digest = fingerprint(parts)
        self._renders[id(message)] = (message, parts, digest)
        while len(self._renders) > RENDER_CACHE:
            self._renders.popitem(last=False)
        return parts, digest


def _is_int(value: str) -> bool:
    return value.lstrip("-").isdigit()


def _contacts_button(message: Message) -> InlineKeyboardMarkup | None:
    """The 문의처 전체 button under an alert that shows fewer people than it has; the
    callback (``c:<story id>``) is answered by bot/adapters/telegram_buttons.py."""
    if not isinstance(message, Alert) or not has_more_contacts(message):
        return None
    label = t("ko", "render.all_contacts")
    button = InlineKeyboardButton(label, callback_data=f"c:{message.story_id}")
    return InlineKeyboardMarkup([[button]])
