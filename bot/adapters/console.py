"""The console adapter: prints messages as Korean plain text (the default, needs no account)."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.messages import Message
from bot.render.text import render
from bot.types import ChatRef, SendResult

SEPARATOR = "─" * 60


class ConsoleAdapter:
    platform = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout

    async def send(self, chat: ChatRef, message: Message) -> SendResult:
        try:
            self.stream.write(f"{render(message)}\n{SEPARATOR}\n")
            self.stream.flush()
        except (OSError, ValueError) as e:  # closed pipe or stream: try again later
            return SendResult.retry(60, f"console write failed: {e}")
        return SendResult.sent()
