"""Renderers: turn :mod:`bot.messages` values into each platform's text or blocks."""
