"""A real outbox worker process for the kill -9 test: sends append a line to a file.

Usage: python -m tests.fanout_worker DB_URL OUT_FILE
"""

from __future__ import annotations

import asyncio
import os
import sys

from bot.clock import SystemClock
from bot.config import DeliverySettings
from bot.messages import Alert, Message
from bot.outbox import Outbox
from bot.store import create_engine
from bot.types import ChatRef, SendResult


class FileAdapter:
    platform = "fake"

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def send(self, chat: ChatRef, message: Message) -> SendResult:
        assert isinstance(message, Alert)
        os.write(self.fd, f"{chat.chat_id} {message.story_id}\n".encode())
        await asyncio.sleep(0.002)  # a network round trip, so kills land mid-fan-out
        return SendResult.sent()


async def main(url: str, out: str) -> None:
    engine = create_engine(url)
    settings = DeliverySettings(batch_size=25, workers=1, lease=1.0, interval=0.05)
    outbox = Outbox(engine, {"fake": FileAdapter(out)}, SystemClock(), settings)
    idle = 0
    while idle < 40:  # stop after ~2 s without work (rows of a killed worker wait for the lease)
        handled = await outbox.drain_once()
        idle = 0 if handled else idle + 1
        if not handled:
            await asyncio.sleep(0.05)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
