"""The Slack side that listens: one slash command (``/sokbo``) served by slack-bolt's AsyncApp.

``/sokbo subscribe 반도체 AI`` becomes the core command ``/subscribe 반도체 AI`` for the chat
``ChatRef("slack", channel_id)``. The request is acknowledged at once; the answer goes back
ephemerally through the command's ``response_url``; when the core says a subscription changed
(``Reply.announce``), the change is also posted in the channel.

Bolt verifies every request (``X-Slack-Signature`` HMAC with the signing secret, timestamp
within 5 minutes) and answers 401 otherwise, before any handler runs. HTTP mode serves
``/slack/events`` with aiohttp; Socket Mode connects out with the app-level token instead.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from aiohttp import ClientError, web
from multidict import CIMultiDictProxy
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters import CommandHandler, too_many
from bot.config import Settings
from bot.locales import DEFAULT, t
from bot.messages import Reply
from bot.pacing import CommandLimiter
from bot.render.slack import escape, reply_messages
from bot.types import ChatRef

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{1,20}$")
FAILURE_REPLY = t(DEFAULT, "adapter.trouble")
# apps.connections.open errors that no retry fixes: the app-level token itself is wrong
REFUSED_APP_TOKEN = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "not_allowed_token_type",
        "missing_scope",
    }
)


def command_text(text: str) -> str:
    """``subscribe 반도체 AI`` → ``/subscribe 반도체 AI``; nothing → ``/help``."""
    text = text.strip()
    if not text:
        return "/help"
    head, _, rest = text.partition(" ")
    head = head.lstrip("/").lower()
    return f"/{head} {rest.strip()}".rstrip()


class Permissions:
    """Who may change a channel's subscriptions (``slack.who_can_change``).

    ``anyone``: every member. ``admins``: workspace admins/owners (users.info) and the
    channel's creator (conversations.info). Answers are cached for ``ttl`` seconds; when Slack
    cannot tell (missing scope, error), the answer is no.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        policy: str,
        *,
        ttl: float = 300.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.policy = policy
        self.ttl = ttl
        self._now = now
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}

    async def may_change(self, channel: str, user: str) -> bool:
        if self.policy == "anyone" or channel.startswith("D"):
            return True
        key = (channel, user)
        hit = self._cache.get(key)
        if hit is not None and self._now() - hit[0] < self.ttl:
            return hit[1]
        allowed = await self._is_workspace_admin(user) or await self._is_creator(channel, user)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (self._now(), allowed)
        return allowed

    async def _is_workspace_admin(self, user: str) -> bool:
        try:
            response = await self.client.users_info(user=user)
        except SlackApiError as e:
            log.warning("slack users.info failed for %s: %s", user, e.response.get("error"))
            return False
        info: dict[str, Any] = response.get("user") or {}
        return bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))

    async def _is_creator(self, channel: str, user: str) -> bool:
        try:
            response = await self.client.conversations_info(channel=channel)
        except SlackApiError as e:
            log.warning(
                "slack conversations.info failed for %s: %s", channel, e.response.get("error")
            )
            return False
        info: dict[str, Any] = response.get("channel") or {}
        return bool(info.get("creator")) and info.get("creator") == user


def build_bolt_app(
    settings: Settings,
    core: CommandHandler,
    client: AsyncWebClient,
    *,
    permissions: Permissions | None = None,
) -> AsyncApp:
    """The Bolt app with the slash command registered; serve it with HTTP or Socket Mode."""
    socket_mode = bool(settings.secrets.slack_app_token)
    app = AsyncApp(
        client=client,
        signing_secret=settings.secrets.slack_signing_secret or "",
        request_verification_enabled=not socket_mode,
        process_before_response=False,
        logger=logging.getLogger("bot.adapters.slack_bolt"),
    )
    permissions = permissions or Permissions(client, settings.slack.who_can_change)
    limiter = CommandLimiter(
        settings.slack.user_commands_per_minute, settings.slack.user_command_burst
    )

    async def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()  # within Slack's 3 s; the answer follows through response_url
        verdict, wait = limiter.check(str(command.get("user_id", "")))
        if verdict == "drop":
            return
        if verdict == "notice":
            reply = Reply(too_many(wait))
        else:
            reply = await run_command(core, permissions, client, command)
        for message in reply_messages(reply):  # a long /digest: as many as it takes
            await respond(
                text=message.text,
                blocks=message.blocks,
                response_type="ephemeral",
                replace_original=False,
            )

    app.command(settings.slack.command)(on_command)
    return app


async def run_command(
    core: CommandHandler, permissions: Permissions, client: AsyncWebClient, command: dict[str, Any]
) -> Reply:
    """Run one slash command through the core; post the announcement; never raise."""
    channel = str(command.get("channel_id", ""))
    user = str(command.get("user_id", ""))
    text = command_text(str(command.get("text", "")))
    try:
        allowed = await permissions.may_change(channel, user)
        reply = await core.handle(
            ChatRef("slack", channel),
            user,
            text,
            is_admin=allowed,
            is_group=not channel.startswith("D"),
        )
    except Exception:
        log.exception("slack command failed in %s: %r", channel, text[:100])
        return Reply(FAILURE_REPLY)
    if reply.announce:
        who = f"<@{user}> " if _USER_ID.match(user) else ""
        try:
            await client.chat_postMessage(
                channel=channel,
                text=f"{who}{escape(reply.announce)}",
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as e:
            error = e.response.get("error")
            log.info("slack announcement in %s failed: %s", channel, error)
            if error == "not_in_channel":
                note = t(reply.language, "adapter.slack_invite")
                return replace(reply, text=f"{reply.text}\n{note}", announce="")
    return reply


_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def well_formed_signature(headers: CIMultiDictProxy[str]) -> bool:
    """Slack's headers in their only valid shapes: a decimal Unix timestamp and ``v0=`` with
    64 hex digits. slack_sdk's verifier raises on a timestamp such as ``abc`` (Bolt then
    answers 500 with a traceback); these requests are refused with 401 before it runs."""
    timestamps = headers.getall("X-Slack-Request-Timestamp", [])
    signatures = headers.getall("X-Slack-Signature", [])
    return (
        len(timestamps) == 1
        and len(signatures) == 1
        and _TIMESTAMP.fullmatch(timestamps[0]) is not None
        and _SIGNATURE.fullmatch(signatures[0]) is not None
    )


class HttpServer:
    """Serves the Bolt app at ``/slack/events`` on ``host:port`` (aiohttp)."""

    def __init__(self, bolt: AsyncApp, host: str, port: int) -> None:
        self.bolt = bolt
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def _events(self, request: web.Request) -> web.Response:
        if not well_formed_signature(request.headers):
            return web.json_response({"error": "invalid request"}, status=401)
        return await to_aiohttp_response(
            await self.bolt.async_dispatch(await to_bolt_request(request))
        )

    async def start(self) -> int:
        """Start listening; returns the bound port (useful with port 0 in tests)."""
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(EVENTS_PATH, self._events)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("slack: serving %s on %s:%d", EVENTS_PATH, self.host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


Service = Callable[[asyncio.Event], Coroutine[object, object, None]]


def slack_service(
    settings: Settings, core: CommandHandler, client: AsyncWebClient
) -> Service | None:
    """The long-running Slack listener for ``App.services()``, or None when not configured."""
    secrets = settings.secrets
    if not secrets.slack_bot_token:
        return None
    if not (secrets.slack_app_token or secrets.slack_signing_secret):
        log.warning(
            "slack: SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET nor SLACK_APP_TOKEN"
        )
        return None
    bolt = build_bolt_app(settings, core, client)

    async def serve_http(stop: asyncio.Event) -> None:
        server = HttpServer(bolt, settings.slack.listen, settings.slack.port)
        await server.start()
        try:
            await stop.wait()
        finally:
            await server.stop()

    async def serve_socket_mode(stop: asyncio.Event) -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        # Ask for the WebSocket URL ourselves first: slack_sdk's client retries a refused
        # app token forever (a traceback every 10 s) without saying which setting is wrong.
        app_token = secrets.slack_app_token or ""
        url: str | None = None
        try:
            opened = await client.apps_connections_open(app_token=app_token)
            url = str(opened["url"])
        except SlackApiError as e:
            error = e.response.get("error")
            if error in REFUSED_APP_TOKEN:
                log.error(
                    "slack: Socket Mode is off: Slack refused SLACK_APP_TOKEN (%s); it needs an "
                    "app-level token (xapp-...) with connections:write. Other services go on.",
                    error,
                )
                return
            log.warning("slack: apps.connections.open failed (%s); retrying", error)
        except (OSError, ClientError, TimeoutError) as e:  # network: the client retries
            log.warning("slack: apps.connections.open failed (%s); retrying", e)
        handler = AsyncSocketModeHandler(bolt, app_token)
        handler.client.wss_uri = url  # None: the client asks for a URL itself, with retries
        try:
            await handler.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack: connected in Socket Mode")
            await stop.wait()
        finally:  # also when cancelled while connecting: close the client's aiohttp session
            await handler.close_async()  # type: ignore[no-untyped-call]

    return serve_socket_mode if secrets.slack_app_token else serve_http
