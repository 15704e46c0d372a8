"""``sokbo chat PLATFORM:ID "/subscribe 반도체"`` and ``sokbo digest PLATFORM:ID``.

Both run the same command core the chat adapters call, as an admin of that chat, and print
the reply as plain text: operators can set up or inspect any chat from the shell.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.app import App
from bot.render.text import render_reply
from bot.types import ChatRef


def parse_chat(value: str) -> ChatRef | None:
    """``console:me``, ``telegram:-100123``, ``slack:C123:1700000000.1`` (thread) → ChatRef."""
    platform, sep, rest = value.partition(":")
    if not sep or not platform or not rest:
        return None
    chat_id, _, thread = rest.partition(":") if platform == "slack" else (rest, "", "")
    return ChatRef(platform.lower(), chat_id, thread)


def _run(app: App, chat_arg: str, text: str) -> int:
    chat = parse_chat(chat_arg)
    if chat is None:
        print(
            f"sokbo: chat must be PLATFORM:ID (e.g. console:me), got {chat_arg!r}", file=sys.stderr
        )
        return 2
    app.migrate()
    core = app.command_core()
    reply = asyncio.run(core.handle(chat, "cli", text, is_admin=True, is_group=False))
    print(render_reply(reply))
    return 0


def cmd_chat(app: App, args: argparse.Namespace) -> int:
    return _run(app, args.chat, args.text)


def cmd_digest(app: App, args: argparse.Namespace) -> int:
    return _run(app, args.chat, "/digest")
