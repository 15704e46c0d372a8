"""A local Slack Web API on 127.0.0.1 for the tests and the benchmark.

slack_sdk / slack-bolt talk to it unmodified through ``base_url``. It answers the methods the
bot calls (auth.test, chat.postMessage, chat.postEphemeral, conversations.info, users.info) and
the slash commands' ``response_url``; it records every call, validates Block Kit limits like
Slack does (``invalid_blocks``), and can be scripted:

- ``rate_limit_next(n, retry_after)``: the next n calls answer HTTP 429 ``ratelimited``;
- ``rate_limit_fraction(p)``: a random fraction p of postMessage calls answer 429;
- ``fail_channel(channel, error)``: postMessage to that channel answers ``{"ok": false, error}``
  (``channel_not_found``, ``not_in_channel``, ``is_archived``, ``account_inactive``,
  ``invalid_auth``, …);
- per-channel rate: each channel has a token bucket (1 msg/s, short bursts); a post beyond it
  is answered 429 and counted in ``pace_violations`` — the figure pacing must keep at zero.

Socket Mode: ``apps.connections.open`` (with the app-level token ``app_token``; anything else
answers ``invalid_auth``) returns ``ws://127.0.0.1:PORT/socket/N``; the WebSocket there sends
``hello`` like Slack does, then whatever envelopes the test sends with ``slash_command(...)``,
and records each ``{"envelope_id": ...}`` the app sends back in ``acks``.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSMsgType, web


@dataclass
class Post:
    """One accepted chat.postMessage."""

    channel: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None
    ts: str
    at: float


@dataclass
class _ChannelBucket:
    rate: float
    burst: float
    tokens: float
    stamp: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class SlackApi:
    token: str = "xoxb-test-token"
    app_token: str = "xapp-1-A0SOKBO-test-token"
    bot_user_id: str = "UBOT"
    team_id: str = "T0TEST"
    channel_rate: float = 1.0  # Slack: about 1 message per second per channel
    channel_burst: float = 4.0  # "short bursts above that are allowed"
    enforce_channel_rate: bool = True
    seed: int = 6
    posts: list[Post] = field(default_factory=list)
    ephemeral: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)  # response_url posts
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channel_errors: dict[str, str] = field(default_factory=dict)
    scripted_429s: int = 0  # 429s issued because a test asked for them
    pace_violations: int = 0  # 429s issued because a channel exceeded its rate
    record_calls: bool = True
    acks: list[dict[str, Any]] = field(default_factory=list)  # Socket Mode acks, in order
    sockets: list[web.WebSocketResponse] = field(default_factory=list)  # open Socket Mode links
    _connections: int = 0
    _limit_next: int = 0
    _limit_fraction: float = 0.0
    _retry_after: int = 1
    _buckets: dict[str, _ChannelBucket] = field(default_factory=dict)
    _ts_counter: int = 0
    _runner: web.AppRunner | None = None
    _rng: random.Random = field(default_factory=random.Random)
    port: int = 0

    # --- scripting ---------------------------------------------------------------------

    def rate_limit_next(self, n: int, retry_after: int = 1) -> None:
        self._limit_next = n
        self._retry_after = retry_after

    def rate_limit_fraction(self, p: float, retry_after: int = 1) -> None:
        self._limit_fraction = p
        self._retry_after = retry_after
        self._rng.seed(self.seed)

    def fail_channel(self, channel: str, error: str) -> None:
        self.channel_errors[channel] = error

    def add_channel(self, channel: str, *, creator: str = "UCREATOR", name: str = "") -> None:
        self.channels[channel] = {
            "id": channel,
            "name": name or channel.lower(),
            "is_channel": True,
            "is_private": channel.startswith("G"),
            "is_archived": False,
            "creator": creator,
        }

    def add_user(self, user: str, *, is_admin: bool = False, is_owner: bool = False) -> None:
        self.users[user] = {
            "id": user,
            "name": user.lower(),
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_bot": False,
            "deleted": False,
        }

    def posts_to(self, channel: str) -> list[Post]:
        return [p for p in self.posts if p.channel == channel]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{key}"

    async def connected(self, timeout: float = 5.0) -> web.WebSocketResponse:
        """The open Socket Mode connection, once the app has made one."""
        deadline = time.monotonic() + timeout
        while not self.sockets:
            if time.monotonic() > deadline:
                raise TimeoutError("no Socket Mode connection")
            await asyncio.sleep(0.01)
        return self.sockets[-1]

    async def slash_command(
        self, text: str, *, channel: str, user: str, command: str = "/sokbo"
    ) -> str:
        """Send a ``slash_commands`` envelope over the open socket; returns its envelope_id."""
        socket = await self.connected()
        envelope_id = str(uuid.uuid4())
        payload = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "sokbo-test",
            "channel_id": channel,
            "channel_name": channel.lower(),
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0SOKBO",
            "is_enterprise_install": "false",
            "response_url": self.response_url(envelope_id),
            "trigger_id": "1.2.3",
        }
        await socket.send_json(
            {
                "envelope_id": envelope_id,
                "payload": payload,
                "type": "slash_commands",
                "accepts_response_payload": True,
            }
        )
        return envelope_id

    async def ack_for(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for ack in self.acks:
                if ack.get("envelope_id") == envelope_id:
                    return ack
            if time.monotonic() > deadline:
                raise TimeoutError(f"no ack for envelope {envelope_id}")
            await asyncio.sleep(0.01)

    # --- serving -----------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_get("/socket/{n}", self._socket)
        app.router.add_get("/_stats", self._stats)
        app.router.add_post("/_control", self._control)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self.base_url

    async def stop(self) -> None:
        for socket in list(self.sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                params.update(dict(await request.post()))
        if isinstance(params.get("blocks"), str):
            params["blocks"] = json.loads(params["blocks"])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        if self.record_calls:
            self.calls.append((method, params))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or str(params.get("token", ""))
        if method == "apps.connections.open":
            return self._connections_open(token)
        if token != self.token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self._limit_next > 0:
            self._limit_next -= 1
            self.scripted_429s += 1
            return self._ratelimited()
        handler = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "conversations.info": self._conversations_info,
            "users.info": self._users_info,
        }.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        return handler(params)

    def _connections_open(self, token: str) -> web.Response:
        """Socket Mode: a fresh WebSocket URL, for the app-level token only."""
        if token != self.app_token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        self._connections += 1
        query = urlencode({"ticket": uuid.uuid4().hex, "app_id": "A0SOKBO"})
        url = f"ws://127.0.0.1:{self.port}/socket/{self._connections}?{query}"
        return web.json_response({"ok": True, "url": url})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """One Socket Mode connection: ``hello`` first, then record the app's acks."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        try:
            await socket.send_json(
                {
                    "type": "hello",
                    "num_connections": len(self.sockets),
                    "debug_info": {
                        "host": "applink-local",
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": "A0SOKBO"},
                }
            )
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    body = json.loads(message.data)
                    if isinstance(body, dict) and "envelope_id" in body:
                        self.acks.append(body)
        finally:
            self.sockets.remove(socket)
        return socket

    def _ratelimited(self) -> web.Response:
        return web.json_response(
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers={"Retry-After": str(self._retry_after)},
        )

    def _auth_test(self, params: dict[str, Any]) -> web.Response:
        return web.json_response(
            {
                "ok": True,
                "url": "https://sokbo-test.slack.com/",
                "team": "sokbo test",
                "user": "sokbo",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": "BSOKBO",
                "is_enterprise_install": False,
            }
        )

    def _next_ts(self) -> str:
        self._ts_counter += 1
        return f"{int(time.time())}.{self._ts_counter:06d}"

    def _post_message(self, params: dict[str, Any]) -> web.Response:
        channel = str(params.get("channel", ""))
        if not channel:
            return web.json_response({"ok": False, "error": "channel_not_found"})
        if error := self.channel_errors.get(channel):
            return web.json_response({"ok": False, "error": error})
        if self._limit_fraction and self._rng.random() < self._limit_fraction:
            self.scripted_429s += 1
            return self._ratelimited()
        now = time.monotonic()
        bucket = self._buckets.get(channel)
        if bucket is None:
            bucket = self._buckets[channel] = _ChannelBucket(
                self.channel_rate, self.channel_burst, self.channel_burst, now
            )
        if not bucket.take(now):
            self.pace_violations += 1
            if self.enforce_channel_rate:
                return self._ratelimited()
        blocks = params.get("blocks") or []
        text = str(params.get("text") or "")
        if problem := _invalid_blocks(blocks):
            return web.json_response({"ok": False, "error": "invalid_blocks", "errors": [problem]})
        if not blocks and not text:
            return web.json_response({"ok": False, "error": "no_text"})
        thread_ts = params.get("thread_ts")
        if thread_ts and not any(p.ts == thread_ts and p.channel == channel for p in self.posts):
            return web.json_response({"ok": False, "error": "thread_not_found"})
        ts = self._next_ts()
        self.posts.append(Post(channel, text, blocks, thread_ts, ts, now))
        return web.json_response(
            {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {"type": "message", "text": text, "ts": ts, "bot_id": "BSOKBO"},
            }
        )

    def _post_ephemeral(self, params: dict[str, Any]) -> web.Response:
        channel = str(params.get("channel", ""))
        if error := self.channel_errors.get(channel):
            return web.json_response({"ok": False, "error": error})
        self.ephemeral.append(params)
        return web.json_response({"ok": True, "message_ts": self._next_ts()})

    def _conversations_info(self, params: dict[str, Any]) -> web.Response:
        channel = self.channels.get(str(params.get("channel", "")))
        if channel is None:
            return web.json_response({"ok": False, "error": "channel_not_found"})
        return web.json_response({"ok": True, "channel": channel})

    def _users_info(self, params: dict[str, Any]) -> web.Response:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            return web.json_response({"ok": False, "error": "user_not_found"})
        return web.json_response({"ok": True, "user": user})

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        body["_key"] = request.match_info["key"]
        self.responses.append(body)
        return web.Response(text="ok")

    def stats(self) -> dict[str, Any]:
        """Counts, and per-channel pace: messages/s over each channel's posts, max in any 1 s."""
        times: dict[str, list[float]] = {}
        for post in self.posts:
            times.setdefault(post.channel, []).append(post.at)
        rates, peaks = [], []
        for stamps in times.values():
            if len(stamps) >= 2 and stamps[-1] > stamps[0]:
                rates.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
            peaks.append(max(sum(1 for t in stamps if s <= t < s + 1.0) for s in stamps))
        return {
            "posts": len(self.posts),
            "channels": len(times),
            "scripted_429s": self.scripted_429s,
            "pace_violations": self.pace_violations,
            "channel_rates": rates,
            "max_in_one_second": max(peaks, default=0),
        }

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _control(self, request: web.Request) -> web.Response:
        """For a server in another process: reset, set the channel rate, script 429s."""
        body = await request.json()
        if body.get("reset"):
            self.posts.clear()
            self.calls.clear()
            self._buckets.clear()
            self.scripted_429s = self.pace_violations = 0
        if "enforce_channel_rate" in body:
            self.enforce_channel_rate = bool(body["enforce_channel_rate"])
        if "record_calls" in body:
            self.record_calls = bool(body["record_calls"])
        if "rate_limit_fraction" in body:
            self.rate_limit_fraction(float(body["rate_limit_fraction"]))
        return web.json_response({"ok": True})


def _invalid_blocks(blocks: Any) -> str | None:
    """Slack's documented Block Kit limits; the first one broken, or None."""
    if not isinstance(blocks, list):
        return "blocks must be a list"
    if len(blocks) > 50:
        return f"{len(blocks)} blocks (max 50)"
    for i, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "header":
            text = block["text"]
            if text.get("type") != "plain_text" or not 0 < len(text["text"]) <= 150:
                return f"blocks[{i}]: header text must be plain_text of 1-150 chars"
        elif kind == "section":
            text = block.get("text", {}).get("text", "")
            if not 0 < len(text) <= 3000:
                return f"blocks[{i}]: section text must be 1-3000 chars"
        elif kind == "context":
            elements = block.get("elements", [])
            if not 0 < len(elements) <= 10:
                return f"blocks[{i}]: context needs 1-10 elements"
            if any(len(e.get("text", "")) > 3000 for e in elements):
                return f"blocks[{i}]: context element over 3000 chars"
        elif kind == "actions":
            for element in block.get("elements", []):
                if len(element.get("text", {}).get("text", "")) > 75:
                    return f"blocks[{i}]: button text over 75 chars"
                if len(element.get("url", "")) > 3000:
                    return f"blocks[{i}]: button url over 3000 chars"
        elif kind not in ("divider",):
            return f"blocks[{i}]: unexpected block type {kind!r}"
    return None


async def _serve_forever(port: int) -> None:
    api = SlackApi(port=port, record_calls=False)
    await api.start()
    print(api.port, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":  # python -m tests.slack_api [PORT]: serve in its own process
    import sys

    asyncio.run(_serve_forever(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
