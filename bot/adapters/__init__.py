"""Chat platforms. An adapter renders a :mod:`bot.messages` value for its platform and sends it.

Two directions, two small protocols:

- outbound, :class:`Adapter`: the outbox hands it a message for a chat; it answers a
  :class:`~bot.types.SendResult` and the outbox decides (retry later, pause the chat, migrate
  the chat id). Adapters never retry forever.
- inbound, :class:`CommandHandler`: what a chat listener (``telegram_app.py``,
  ``slack_app.py``, ``sokbo chat``) hands a command's text to; :class:`bot.commands.CommandCore`
  is the real one.

A new platform is an adapter module (and a listener, if people talk to it), a renderer in
:mod:`bot.render`, and one registration line in :mod:`bot.app`.
"""

from __future__ import annotations

import math
from typing import Protocol

from bot.locales import DEFAULT, t
from bot.messages import Message, Reply
from bot.types import ChatRef, SendResult


class Adapter(Protocol):
    platform: str  # "console", "telegram", "slack"

    async def send(self, chat: ChatRef, message: Message) -> SendResult:
        """Deliver one message to one chat and say what happened."""
        ...


class CommandHandler(Protocol):
    async def handle(
        self, chat: ChatRef, user: str, text: str, *, is_admin: bool, is_group: bool
    ) -> Reply:
        """Answer one command (or plain message) a user sent in ``chat``."""
        ...


def too_many(wait: float) -> str:
    """The one notice a user over the per-user command limit gets (Korean: the listener does
    not know the chat's language before the core runs)."""
    return t(DEFAULT, "adapter.too_many", seconds=max(1, math.ceil(wait)))
