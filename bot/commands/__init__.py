"""The platform-neutral command core: chat text in, a :class:`Reply` in the chat's language out.

Every adapter (Telegram, Slack, console/CLI) calls :meth:`CommandCore.handle` with the chat,
the user, whether the user is an admin and whether the chat is a group. Bad input of any kind
(unknown commands, missing or huge arguments, control characters, emoji, markup) gets a short
helpful answer; nothing invalid is stored and nothing raises. Every command has an English and
a Korean name (``/subscribe`` = ``/구독``); a message without a slash is answered with a hint,
or in a private chat searched when it reads like a search. The words live in
:mod:`bot.locales` (Korean by default, English with ``/lang en`` or ``[bot] language``).

Layout: ``names`` (every command's names), ``parse`` and ``timewords`` (reading input, pure),
``rules`` (a word → a :class:`bot.types.Rule`, pure), ``context`` (what a handler gets: a
:class:`Context` and the :class:`CommandStore` protocol), one module per group of handlers
(``subscriptions``, ``schedule``, ``search``, ``digest``, ``info``) and ``core`` (the
dispatcher). The store side is :mod:`bot.commands.store`.
"""

from bot.commands.context import CommandStore, Context
from bot.commands.core import CommandCore
from bot.commands.names import COMMAND_NAMES, COMMANDS, CommandSpec
from bot.commands.parse import Parsed, looks_like_search, parse_command, split_words
from bot.commands.rules import rule_for
from bot.commands.timewords import TimeProblem, TimeSetting, parse_clock, parse_time_args

__all__ = [
    "COMMANDS",
    "COMMAND_NAMES",
    "CommandCore",
    "CommandSpec",
    "CommandStore",
    "Context",
    "Parsed",
    "TimeProblem",
    "TimeSetting",
    "looks_like_search",
    "parse_clock",
    "parse_command",
    "parse_time_args",
    "rule_for",
    "split_words",
]
