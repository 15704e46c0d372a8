"""The Telegram Bot API emulator the tests talk to (tests/node/server.js on 127.0.0.1).

``npm install`` runs once into tests/node (node_modules is gitignored; a stamp skips it later);
the server starts once per session on a free port and is reset before each test. The class
below plays the *user's* side (send a command, press a button, read what the bot sent) and the
test's controls (script 429/403/migration answers, admins, limits). The bot itself talks to it
through python-telegram-bot, unmodified, via ``base_url``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
PINNED = "4.2.1"
TOKEN = "123456:TEST-token-for-the-emulator"


def install() -> None:
    """``npm install`` the pinned emulator package once (no-op when already installed)."""
    installed = NODE_DIR / "node_modules" / "telegram-test-api" / "package.json"
    if installed.is_file() and json.loads(installed.read_text())["version"] == PINNED:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is required to run the Telegram emulator (tests/node)")
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=NODE_DIR,
        check=True,
        timeout=300,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class EmulatorProcess:
    """The running node server; :meth:`stop` ends exactly the process it started."""

    def __init__(self) -> None:
        install()
        self.port = free_port()
        self.process = subprocess.Popen(
            ["node", "server.js", str(self.port)],
            cwd=NODE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "NODE_ENV": "production"},
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("listening"):
            self.process.kill()
            raise RuntimeError(f"Telegram emulator did not start: {line!r}")
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class Emulator:
    """The user's and the test's side of the emulator (sync httpx; safe inside async tests)."""

    _ids = itertools.count(1)

    def __init__(self, url: str, token: str = TOKEN) -> None:
        self.url = url
        self.token = token
        self.base_url = f"{url}/bot"  # what python-telegram-bot gets as base_url
        self.http = httpx.Client(base_url=url, timeout=10)

    def _post(self, path: str, payload: dict[str, Any]) -> Any:
        response = self.http.post(path, json=payload)
        response.raise_for_status()
        return response.json()["result"]

    # --- the user's side ---
    @staticmethod
    def private_chat(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "type": "private", "first_name": f"User{user_id}"}

    @staticmethod
    def user(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def send(
        self, chat: dict[str, Any], user_id: int, text: str, *, thread_id: int | None = None
    ) -> None:
        """The user types ``text`` in ``chat`` (a command when it starts with /)."""
        message: dict[str, Any] = {
            "botToken": self.token,
            "from": self.user(user_id),
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
            self._post("/sendCommand", message)
        else:
            self._post("/sendMessage", message)

    def press(self, chat: dict[str, Any], user_id: int, message: dict[str, Any], data: str) -> None:
        """The user presses the inline button carrying ``data`` under the bot's ``message``."""
        self._post(
            "/sendCallback",
            {"botToken": self.token, "from": self.user(user_id), "message": message, "data": data},
        )

    def remove_bot(self, chat: dict[str, Any], user_id: int, status: str = "kicked") -> None:
        """Someone removes the bot from ``chat`` (Telegram sends a my_chat_member update)."""
        self._post(
            "/sendChatMember",
            {
                "botToken": self.token,
                "chat": chat,
                "from": self.user(user_id),
                "old_status": "member",
                "new_status": status,
            },
        )

    def bot_messages(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {"token": self.token}
        if chat_id is not None:
            payload["chatId"] = str(chat_id)
        result: list[dict[str, Any]] = self._post("/control/botMessages", payload)
        return result

    def wait_for(
        self, chat_id: int | str, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Wait until the bot has sent at least ``count`` messages to ``chat_id``."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.bot_messages(chat_id)
            if len(messages) >= count or time.monotonic() > deadline:
                return messages
            time.sleep(0.05)

    async def arrived(
        self, chat_id: int | str, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Like :meth:`wait_for` but yields to the event loop the bot runs in."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.bot_messages(chat_id)
            if len(messages) >= count or time.monotonic() > deadline:
                return messages
            await asyncio.sleep(0.05)

    # --- the test's controls ---
    def register_chat(self, chat: dict[str, Any]) -> None:
        self._post("/control/chat", chat)

    def set_admins(self, chat_id: int, user_ids: list[int]) -> None:
        self._post("/control/admins", {"chat_id": chat_id, "user_ids": user_ids})

    def block(self, chat_id: int) -> None:
        self._post("/control/block", {"chat_id": chat_id})

    def unblock(self, chat_id: int) -> None:
        self._post("/control/unblock", {"chat_id": chat_id})

    def attempts(self, chat_id: int | str) -> int:
        """sendMessage calls the bot made to ``chat_id``, answered or refused."""
        return int(self._post("/control/attempts", {"chat_id": str(chat_id)}))

    def migrate(self, chat_id: int, to: int) -> None:
        self._post("/control/migrate", {"chat_id": chat_id, "to": to})

    def fail_next(self, error: str, count: int = 1, **params: Any) -> None:
        """Script the next ``count`` sendMessage calls: '429', '403', 'not_found', 'migrate'."""
        self._post("/control/fail", {"error": error, "count": count, **params})

    def rate429(self, rate: float, retry_after: int = 1, seed: int = 1) -> None:
        self._post("/control/rate429", {"rate": rate, "retry_after": retry_after, "seed": seed})

    def limits(
        self, global_: int | None = None, per_chat: int | None = None, group_per_minute: int = 0
    ) -> None:
        payload = {"global": global_, "perChat": per_chat, "groupPerMinute": group_per_minute}
        self._post("/control/limits", payload)

    def reset(self) -> None:
        self._post("/control/reset", {})

    def stats(self) -> dict[str, Any]:
        response = self.http.get("/control/stats")
        response.raise_for_status()
        result: dict[str, Any] = response.json()["result"]
        return result


@pytest.fixture(scope="session")
def emulator_process() -> Iterator[EmulatorProcess]:
    process = EmulatorProcess()
    yield process
    process.stop()


@pytest.fixture
def emulator(emulator_process: EmulatorProcess) -> Iterator[Emulator]:
    """A freshly reset emulator for one test."""
    emu = Emulator(emulator_process.url)
    emu.reset()
    yield emu
    emu.http.close()
