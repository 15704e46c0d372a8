"""Chat platforms. An adapter renders a :mod:`bot.messages` value for its platform and sends it.

Adapters never retry forever: they answer a :class:`~bot.types.SendResult` and the outbox
decides (retry later, pause the chat, migrate the chat id).
"""

from __future__ import annotations

from typing import Protocol

from bot.messages import Message
from bot.types import ChatRef, SendResult


class Adapter(Protocol):
    platform: str  # "console", "telegram", "slack"

    async def send(self, chat: ChatRef, message: Message) -> SendResult:
        """Deliver one message to one chat and say what happened."""
        ...
