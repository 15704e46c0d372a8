"""``python -m bot`` runs the command line."""

from bot.cli import console_main

console_main()
