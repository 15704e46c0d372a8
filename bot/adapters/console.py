"""The console adapter: prints messages as Korean plain text (the default, needs no account)."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.clock import Clock, SystemClock
from bot.messages import Message
from bot.render.text import render
from bot.types import ChatRef, SendResult

SEPARATOR = "─" * 60


class ConsoleAdapter:
    platform = "console"

    def __init__(self, stream: TextIO | None = None, clock: Clock | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.clock = clock if clock is not None else SystemClock()  # old releases: no [속보]

    async def send(self, chat: ChatRef, message: Message) -> SendResult:
        try:
            self.stream.write(f"{render(message, now=self.clock.now())}\n{SEPARATOR}\n")
            self.stream.flush()
        except (OSError, ValueError) as e:  # closed pipe or stream: try again later
            return SendResult.retry(60, f"console write failed: {e}")
        return SendResult.sent()
