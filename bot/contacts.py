"""Transitional: the renderers' import of :func:`overview` until bot/render (changed in another
part of issue 13) imports it from :mod:`bot.documents.contacts`, where contacts live. No code
here; delete this module then."""

from bot.documents.contacts import overview

__all__ = ["overview"]
