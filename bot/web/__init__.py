"""The read-only web side of ``sokbo run``: archive pages, search, Atom, /healthz, /metrics.

``server.py`` holds the aiohttp application and its pages, ``queries.py`` the reads from the
store, ``atom.py`` the feed, ``templates/`` the Jinja2 pages. bot/app.py starts it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web
    from slack_bolt.async_app import AsyncApp

RouteHandler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]

SLACK_EVENTS = ("POST", "/slack/events")


def slack_events_handler(bolt: AsyncApp) -> RouteHandler:
    """Bolt's ``/slack/events`` as a route of the web server (when both share one port)."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    return events
