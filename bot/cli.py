"""Argument parsing and dispatch only; the work happens in the modules the handlers call.

Heavy modules (SQLAlchemy, pydantic, the app) are imported only once the arguments are
parsed, so ``sokbo --help`` and usage errors answer at interpreter speed; and the console
script leaves without tearing the interpreter down (:func:`exit_now`).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from bot import __version__

if TYPE_CHECKING:
    from bot.app import App

Handler = Callable[["App", argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sokbo",
        description="속보 — follow Korean policy news and post short Korean digests to chats.",
    )
    parser.add_argument("--version", action="version", version=f"sokbo {__version__}")
    config_help = "TOML settings (default: ./config.toml when present, else built-in defaults)"
    # --config is accepted before and after the command; the subcommands' copy must not
    # overwrite a value given before it, hence SUPPRESS there.
    parser.add_argument("--config", type=Path, default=None, metavar="PATH", help=config_help)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, metavar="PATH", help=config_help
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", parents=[common], help="run the bot (poll, summarize, deliver, chat)")

    poll = sub.add_parser(
        "poll",
        parents=[common],
        help="run one ingest cycle and print new items",
        description="Poll every enabled feed once, run the pipeline and print what is new. "
        "Exits 1 when no feed could be read. To keep polling, run `sokbo run`.",
    )
    poll.add_argument("--once", action="store_true", help="one cycle, then exit (required)")
    poll.add_argument(
        "--format",
        choices=["text", "jsonl"],
        default="text",
        help="text: each new story's digest; jsonl: each new item as one JSON object per line",
    )

    feeds = sub.add_parser("feeds", parents=[common], help="list, add, remove or check feeds")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    feeds_sub.add_parser("list", parents=[common], help="each feed and its health")
    add = feeds_sub.add_parser(
        "add",
        parents=[common],
        help="add a feed by a body's name (중기부, 재정경제부) or by URL (a feed, or a site whose "
        "page announces one)",
    )
    add.add_argument("url", metavar="NAME|URL")
    add.add_argument("--name", default=None)
    feeds_sub.add_parser(
        "catalog", parents=[common], help="the known government bodies, their feeds and quirks"
    )
    remove = feeds_sub.add_parser("remove", parents=[common], help="remove a feed by id")
    remove.add_argument("id", type=int)
    feeds_sub.add_parser("check", parents=[common], help="fetch every feed now and report")
    export = feeds_sub.add_parser("export", parents=[common], help="write the feeds as OPML 2.0")
    export.add_argument("--output", type=Path, default=None, metavar="FILE", help="default: stdout")
    opml_in = feeds_sub.add_parser("import", parents=[common], help="add the feeds of an OPML file")
    opml_in.add_argument("file", type=Path, help="an OPML file (- for stdin)")

    db = sub.add_parser("db", parents=[common], help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser(
        "upgrade", parents=[common], help="apply migrations and say which ones were applied"
    )

    stories_cmd = sub.add_parser(
        "stories", parents=[common], help="see why articles were grouped; split a wrong merge"
    )
    stories_sub = stories_cmd.add_subparsers(
        dest="stories_command", required=True, metavar="ACTION"
    )
    explain = stories_sub.add_parser(
        "explain", parents=[common], help="a story's articles and why each was grouped"
    )
    explain.add_argument("id", type=int, help="the story id (jsonl `story`, web /stories/ID)")
    split = stories_sub.add_parser(
        "split",
        parents=[common],
        help="take an article out of its story into its own, for good",
        description="Take an article out of a wrong merge: it becomes its own story (summarized, "
        "matched and alerted like any new one) and never joins the old story again.",
    )
    split.add_argument("article", type=int, help="the article id (see `sokbo stories explain`)")

    summarize = sub.add_parser("summarize", parents=[common], help="summarize one document")
    summarize.add_argument("source", help="a file path, an http(s) URL, or - for stdin")
    summarize.add_argument("--format", choices=["text", "json"], default="text")

    chat = sub.add_parser("chat", parents=[common], help="run a chat command as PLATFORM:ID")
    chat.add_argument("chat", help="e.g. console:me or telegram:12345")
    chat.add_argument("text", help='e.g. "/subscribe 반도체"')

    digest = sub.add_parser("digest", parents=[common], help="print today's digest for a chat")
    digest.add_argument("chat", help="e.g. console:me")

    search = sub.add_parser(
        "search",
        parents=[common],
        help="search the archive",
        description='Search past stories. Every word is required, "..." is a phrase and '
        "-word leaves stories with that word out (sokbo search 반도체 -수출); particles are "
        "ignored. An unusable query prints the reason in Korean and exits 1.",
    )
    search.add_argument(
        "query", nargs="*", help='words to find, e.g. 딥테크를, "양자 컴퓨터", 반도체 -수출'
    )
    search.add_argument(
        "--limit", type=int, default=10, metavar="N", help="at most N results, 1-50 (default 10)"
    )
    search.add_argument(
        "--since",
        default=None,
        metavar="DATE",
        help="only stories published on or after DATE (YYYY-MM-DD)",
    )
    search.add_argument(
        "--agency",
        default=None,
        metavar="NAME",
        help="only stories of this agency, short or full name (과기정통부, 중소벤처기업부)",
    )
    search.add_argument(
        "--format",
        choices=["text", "jsonl"],
        default="text",
        help="text for people (default) or jsonl: one JSON object per result",
    )
    return parser


# options of `sokbo search` that take a value; anything else starting with one "-" is a word
_SEARCH_VALUE_OPTIONS = ("--limit", "--since", "--agency", "--format", "--config")


def search_argv(argv: Sequence[str]) -> list[str]:
    """``sokbo search 반도체 -수출``: ``-수출`` is an excluded word, not an unknown option.

    The words after ``search`` that are not its options are moved behind ``--`` so argparse
    reads them as the query, in the order typed."""
    args = list(argv)
    at = _command_index(args)
    if at is None or args[at] != "search":
        return args
    kept: list[str] = []
    words: list[str] = []
    rest = iter(args[at + 1 :])
    for token in rest:
        if token == "--":
            words.extend(rest)
            break
        if token in _SEARCH_VALUE_OPTIONS:
            kept.extend([token, next(rest, "")])
        elif token.startswith("--") or token in ("-h",):
            kept.append(token)
        else:
            words.append(token)
    return [*args[: at + 1], *kept, "--", *words] if words else [*args[: at + 1], *kept]


def _command_index(args: list[str]) -> int | None:
    """Where the subcommand is, skipping the options given before it."""
    i = 0
    while i < len(args):
        if args[i] == "--config":
            i += 2
        elif args[i].startswith("-"):
            i += 1
        else:
            return i
    return None


class IsoFormatter(logging.Formatter):
    """Log times in ISO 8601 with the UTC offset (``2026-04-11T07:18:03.123+09:00``), so a
    log line and a chat message in KST can be compared without guessing the zone."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        from datetime import datetime

        return datetime.fromtimestamp(record.created).astimezone().isoformat("T", "milliseconds")


# Libraries whose INFO lines are chatter for a user (per request, per tick, per migration).
QUIET_LIBRARIES = (
    "alembic",
    "apscheduler",
    "httpx",
    "httpcore",
    "telegram",
    "slack_bolt",
    "aiohttp",
)


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(IsoFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if not root.handlers:  # like basicConfig: a host (pytest, an embedding app) keeps its own
        root.addHandler(handler)
    root.setLevel(level)
    for noisy in QUIET_LIBRARIES:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # trafilatura warns "discarding data" for a page with little text: bot.fulltext says why
    logging.getLogger("trafilatura").setLevel(max(logging.ERROR, root.level))


# command → "module:function"; each handler takes (app, args) and returns the exit status.
HANDLERS = {
    "run": "bot.cli_commands.ingest:cmd_run",
    "poll": "bot.cli_commands.ingest:cmd_poll",
    "feeds_list": "bot.cli_commands.ingest:cmd_feeds_list",
    "feeds_add": "bot.cli_commands.sources:cmd_feeds_add",
    "feeds_catalog": "bot.cli_commands.sources:cmd_feeds_catalog",
    "feeds_remove": "bot.cli_commands.ingest:cmd_feeds_remove",
    "feeds_check": "bot.cli_commands.ingest:cmd_feeds_check",
    "feeds_export": "bot.cli_commands.opml:cmd_feeds_export",
    "feeds_import": "bot.cli_commands.opml:cmd_feeds_import",
    "db_upgrade": "bot.cli_commands.ingest:cmd_db_upgrade",
    "summarize": "bot.cli_commands.summarize:cmd_summarize",
    "chat": "bot.cli_commands.chat:cmd_chat",
    "digest": "bot.cli_commands.chat:cmd_digest",
    "search": "bot.cli_commands.search:cmd_search",
    "stories_explain": "bot.cli_commands.stories:cmd_stories_explain",
    "stories_split": "bot.cli_commands.stories:cmd_stories_split",
}


def _handler(args: argparse.Namespace) -> Handler:
    name = args.command
    for attr in ("feeds_command", "db_command", "stories_command"):
        if getattr(args, attr, None):
            name = f"{name}_{getattr(args, attr)}"
    module_name, _, function = HANDLERS[name].partition(":")
    handler: Handler = getattr(importlib.import_module(module_name), function)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(search_argv(sys.argv[1:] if argv is None else argv))
    from bot import heap

    heap.one_arena()  # before any thread: the executor's threads share one heap
    import sqlalchemy as sa

    from bot.app import App
    from bot.config import Settings, load_settings
    from bot.errors import ConfigError, SokboError

    try:
        settings: Settings = load_settings(args.config)
    except ConfigError as e:
        print(f"sokbo: {e}", file=sys.stderr)
        return 2
    setup_logging(settings.log.level)
    try:
        app = App.build(settings)
        return _handler(args)(app, args)
    except ConfigError as e:
        print(f"sokbo: {e}", file=sys.stderr)
        return 2
    except SokboError as e:
        print(f"sokbo: {e}", file=sys.stderr)
        return 1
    except sa.exc.SQLAlchemyError as e:  # the database failed outside the paths that wrap it
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        print(f"sokbo: database error: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` once :func:`main` has returned, skipping the interpreter's
    teardown.

    By then a command has written its output and closed its database. Tearing down the
    ~100,000 objects SQLAlchemy, pydantic and a pipeline pass leave took 0.3-0.4 s of a
    7 s warm ``sokbo poll --once`` (issue 22), for nothing. The exit handlers (logging's
    flush, a temporary directory's removal) still run, and the standard streams are flushed.
    While a thread of its own is still running, the interpreter ends as usual: it waits for
    it first.
    """
    if any(
        t.is_alive() and not t.daemon
        for t in threading.enumerate()
        if t is not threading.main_thread()
    ):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe, a closed stream
            stream.flush()
    os._exit(code)


def console_main(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``sokbo`` console script and ``python -m bot``: :func:`main`, then :func:`exit_now`.

    httpcore imports trio whenever it is installed (selenium, a dev dependency, brings it),
    to serve trio event loops: sokbo runs on asyncio only, and that import cost 50-90 ms
    of every start. The process is sokbo's own, so trio is marked absent for it.
    """
    sys.modules.setdefault("trio", None)  # type: ignore[arg-type]  # None: "not installed"
    exit_now(main(argv))
