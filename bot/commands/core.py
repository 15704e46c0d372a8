"""The dispatcher: reads the command, finds its handler, checks group rights, turns errors into
answers and counts the command. Each command's work is a handler function in this package."""

from __future__ import annotations

import asyncio
import dataclasses
import difflib
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from bot import metrics
from bot.clock import Clock
from bot.commands import digest, info, schedule, search, subscriptions
from bot.commands.context import CommandStore, Context, Handler
from bot.commands.names import COMMAND_NAMES, COMMANDS
from bot.commands.parse import parse_command, shown
from bot.commands.store import SqlCommandStore
from bot.config import Settings
from bot.errors import CommandError, StoreError
from bot.locales import Language, language
from bot.messages import Reply
from bot.store.chats import ChatLimitReached
from bot.topics import DEFAULT_TAXONOMY, Taxonomy
from bot.types import ChatRef

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# each command's English name (bot.commands.names) → the function that answers it
HANDLERS: dict[str, Handler] = {
    "start": info.start,
    "help": info.help,
    "subscribe": subscriptions.subscribe,
    "unsubscribe": subscriptions.unsubscribe,
    "list": subscriptions.list_rules,
    "mode": schedule.mode,
    "time": schedule.time,
    "pause": schedule.pause,
    "resume": schedule.resume,
    "digest": digest.digest,
    "search": search.search,
    "status": info.status,
    "topics": info.topics,
    "agencies": info.agencies,
    "sources": info.sources,
    "lang": info.lang,
}
# Commands at once across every chat and platform; more wait for a free thread.
_COMMAND_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="sokbo-command")

if set(HANDLERS) != {spec.name for spec in COMMANDS}:
    raise RuntimeError("bot.commands: every command in names.COMMANDS needs exactly one handler")


class CommandCore:
    """Subscriptions, settings, digests on demand, search and status for one chat at a time.

    The store is the SQL one over ``engine`` unless another :class:`CommandStore` is given."""

    def __init__(
        self,
        engine: Engine | None,
        settings: Settings,
        clock: Clock,
        *,
        taxonomy: Taxonomy | None = None,
        store: CommandStore | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.taxonomy = taxonomy or DEFAULT_TAXONOMY
        if store is None:
            if engine is None:
                raise TypeError("CommandCore needs an engine or a store")
            store = SqlCommandStore(engine)
        self.store = store

    async def handle(
        self, chat: ChatRef, user: str, text: str, *, is_admin: bool, is_group: bool
    ) -> Reply:
        """Run one command; never raises for user input.

        The command runs in a worker thread: its store calls are synchronous SQL, and one
        chat's slow query (a broad search, a busy database) must not hold the event loop that
        answers every other chat and runs the poll and the outbox. The threads are the
        commands' own, so a poll filling the loop's default pool (page fetches resolving
        names, parsing, storing) never queues a reply behind it."""
        metrics.count_command(chat.platform)
        run = functools.partial(
            self._handle, chat, user, text, is_admin=is_admin, is_group=is_group
        )
        return await asyncio.get_running_loop().run_in_executor(_COMMAND_THREADS, run)

    def _handle(
        self, chat: ChatRef, user: str, text: str, *, is_admin: bool, is_group: bool
    ) -> Reply:
        """:meth:`handle` in the calling thread."""
        reply = self._answer(chat, user, text, is_admin=is_admin, is_group=is_group)
        # the language after the command: /lang en answers (and labels its reply) in English
        return dataclasses.replace(reply, language=self._language(chat))

    def _answer(
        self, chat: ChatRef, user: str, text: str, *, is_admin: bool, is_group: bool
    ) -> Reply:
        lang = self._language(chat)
        try:
            parsed = parse_command(text)
        except CommandError as e:
            return Reply(e.text(lang))
        now = self.clock.now()
        ctx = Context(
            chat, user, parsed, is_admin, is_group, now, self.settings, self.taxonomy, lang
        )
        spec = parsed.spec
        if spec is None:
            if not parsed.slash:
                return search.plain(ctx, self.store, " ".join(text.split()))
            return Reply(_unknown(ctx, parsed.name))
        if spec.changes and is_group and not is_admin:
            return Reply(ctx.say("admins_only"))
        try:
            return HANDLERS[spec.name](ctx, self.store)
        except CommandError as e:
            return Reply(e.text(lang))
        except ChatLimitReached:
            return Reply(ctx.say("chat_limit", limit=self.settings.delivery.max_chats))
        except Exception:
            log.exception("command %r failed for %s", parsed.name, chat)
            return Reply(ctx.say("failure"))

    def _language(self, ref: ChatRef) -> Language:
        default = language(self.settings.bot.language)
        try:
            chat = self.store.chat(ref)
        except StoreError:
            log.exception("could not read the language of %s", ref)
            return default
        return language(chat.language if chat else None, default)


def _unknown(ctx: Context, name: str) -> str:
    """No such command: the closest name when one is close (``/subscrib`` → ``/subscribe``)."""
    guess = difflib.get_close_matches(name, list(COMMAND_NAMES), n=1, cutoff=0.6)
    if guess:
        return ctx.say("unknown_command.guess", name=shown(name, 15), guess=guess[0])
    return ctx.say("unknown_command", name=shown(name, 15))
