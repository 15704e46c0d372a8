"""Handlers of the `sokbo` subcommands (one module per concern); cli.py only parses."""
