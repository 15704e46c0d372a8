"""Handlers of the ``sokbo`` subcommands: read arguments, call the domain, print.

Each returns the process exit status. Named ``cmd_<command>[_<action>]``.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.app import App


def cmd_db_upgrade(app: App, args: argparse.Namespace) -> int:
    app.migrate()
    print("database is up to date")
    return 0


def cmd_run(app: App, args: argparse.Namespace) -> int:
    asyncio.run(app.run())
    return 0
