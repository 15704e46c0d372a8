"""Argument parsing and dispatch only; the work happens in the modules the handlers call.

Heavy modules (SQLAlchemy, pydantic, the app) are imported only once the arguments are
parsed, so ``sokbo --help`` and usage errors answer at interpreter speed.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

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
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="PATH",
        help="TOML settings (default: ./config.toml when present, else built-in defaults)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("run", parents=[common], help="run the bot (poll, summarize, deliver, chat)")

    poll = sub.add_parser("poll", parents=[common], help="run one ingest cycle and print new items")
    poll.add_argument("--once", action="store_true", required=True, help="one cycle, then exit")
    poll.add_argument("--format", choices=["text", "jsonl"], default="text")

    feeds = sub.add_parser("feeds", parents=[common], help="list, add, remove or check feeds")
    feeds_sub = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    feeds_sub.add_parser("list", parents=[common], help="each feed and its health")
    add = feeds_sub.add_parser("add", parents=[common], help="add a feed by URL")
    add.add_argument("url")
    add.add_argument("--name", default=None)
    remove = feeds_sub.add_parser("remove", parents=[common], help="remove a feed by id")
    remove.add_argument("id", type=int)
    feeds_sub.add_parser("check", parents=[common], help="fetch every feed now and report")
    export = feeds_sub.add_parser("export", parents=[common], help="write the feeds as OPML 2.0")
    export.add_argument("--output", type=Path, default=None, metavar="FILE", help="default: stdout")
    opml_in = feeds_sub.add_parser("import", parents=[common], help="add the feeds of an OPML file")
    opml_in.add_argument("file", type=Path, help="an OPML file (- for stdin)")

    db = sub.add_parser("db", parents=[common], help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", parents=[common], help="apply migrations")

    summarize = sub.add_parser("summarize", parents=[common], help="summarize one document")
    summarize.add_argument("source", help="a file path, an http(s) URL, or - for stdin")
    summarize.add_argument("--format", choices=["text", "json"], default="text")

    chat = sub.add_parser("chat", parents=[common], help="run a chat command as PLATFORM:ID")
    chat.add_argument("chat", help="e.g. console:me or telegram:12345")
    chat.add_argument("text", help='e.g. "/subscribe 반도체"')

    digest = sub.add_parser("digest", parents=[common], help="print today's digest for a chat")
    digest.add_argument("chat", help="e.g. console:me")

    search = sub.add_parser("search", parents=[common], help="search the archive")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--since", default=None, help="YYYY-MM-DD")
    search.add_argument("--agency", default=None)
    search.add_argument("--format", choices=["text", "jsonl"], default="text")
    return parser


# command → "module:function"; each handler takes (app, args) and returns the exit status.
HANDLERS = {
    "run": "bot.cli_commands.ingest:cmd_run",
    "poll": "bot.cli_commands.ingest:cmd_poll",
    "feeds_list": "bot.cli_commands.ingest:cmd_feeds_list",
    "feeds_add": "bot.cli_commands.ingest:cmd_feeds_add",
    "feeds_remove": "bot.cli_commands.ingest:cmd_feeds_remove",
    "feeds_check": "bot.cli_commands.ingest:cmd_feeds_check",
    "feeds_export": "bot.cli_commands.opml:cmd_feeds_export",
    "feeds_import": "bot.cli_commands.opml:cmd_feeds_import",
    "db_upgrade": "bot.cli_commands.ingest:cmd_db_upgrade",
    "summarize": "bot.cli_commands.summarize:cmd_summarize",
    "chat": "bot.cli_commands.chat:cmd_chat",
    "digest": "bot.cli_commands.chat:cmd_digest",
    "search": "bot.cli_commands.search:cmd_search",
}


def _handler(args: argparse.Namespace) -> Handler:
    name = args.command
    for attr in ("feeds_command", "db_command"):
        if getattr(args, attr, None):
            name = f"{name}_{getattr(args, attr)}"
    module_name, _, function = HANDLERS[name].partition(":")
    handler: Handler = getattr(importlib.import_module(module_name), function)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import sqlalchemy as sa

    from bot.app import App
    from bot.config import Settings, load_settings
    from bot.errors import ConfigError, SokboError

    try:
        settings: Settings = load_settings(args.config)
    except ConfigError as e:
        print(f"sokbo: {e}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log.level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Per-request and per-tick library chatter drowns the bot's own lines at INFO.
    for noisy in ("apscheduler", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
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
