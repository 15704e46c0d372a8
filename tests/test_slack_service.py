"""The Bolt slash-command service over HTTP on 127.0.0.1, with signed requests.

The command core is a small recording stand-in here (the Slack edge is what is under test);
tests/test_slack_e2e.py runs the same service with the real core.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack_app import (
    FAILURE_REPLY,
    HttpServer,
    Permissions,
    build_bolt_app,
    command_text,
    slack_service,
)
from bot.config import Secrets, Settings, SlackSettings
from bot.messages import Reply
from bot.render.slack import render_digest
from bot.types import ChatRef
from tests.long_digest import long_digest
from tests.slack_api import SlackApi
from tests.slack_helpers import command_body, post_command

SECRET = "8f2b7c1d0e9a4b3c8f2b7c1d0e9a4b3c"


@dataclass
class RecordingCore:
    calls: list[tuple[ChatRef, str, str, bool, bool]] = field(default_factory=list)
    fail: bool = False

    async def handle(
        self, chat: ChatRef, user: str, text: str, *, is_admin: bool, is_group: bool
    ) -> Reply:
        self.calls.append((chat, user, text, is_admin, is_group))
        if self.fail:
            raise RuntimeError("database is down")
        if text.startswith("/subscribe"):
            if is_group and not is_admin:
                return Reply("구독 설정은 관리자만 바꿀 수 있습니다.")
            return Reply("구독했습니다: 반도체", announce="이 채널이 반도체 소식을 구독합니다.")
        if text.startswith("/digest"):
            return Reply("요약", digest=long_digest(topics=30, per_topic=2))
        return Reply(f"받은 명령: {text}")


@dataclass
class Rig:
    api: SlackApi
    core: RecordingCore
    url: str
    http: httpx.AsyncClient

    async def command(
        self, text: str, *, channel: str = "C100", user: str = "U1", **kw: object
    ) -> httpx.Response:
        body = command_body(
            text,
            channel=channel,
            user=user,
            response_url=self.api.response_url(f"{channel}-{len(self.core.calls)}"),
        )
        return await post_command(self.http, self.url, body, secret=SECRET, **kw)  # type: ignore[arg-type]

    async def replies(self, n: int) -> list[dict[str, object]]:
        for _ in range(200):
            if len(self.api.responses) >= n:
                break
            await asyncio.sleep(0.01)
        return self.api.responses


def _settings(api: SlackApi, who: str = "anyone") -> Settings:
    return Settings(
        slack=SlackSettings(api_url=api.base_url, who_can_change=who),  # type: ignore[arg-type]
        secrets=Secrets(slack_bot_token=api.token, slack_signing_secret=SECRET),
    )


async def _rig(who: str) -> AsyncIterator[Rig]:
    api = SlackApi()
    await api.start()
    api.add_channel("C100", creator="UCREATOR")
    api.add_user("U1")
    api.add_user("UADMIN", is_admin=True)
    api.add_user("UCREATOR")
    settings = _settings(api, who)
    client = AsyncWebClient(token=api.token, base_url=api.base_url)
    core = RecordingCore()
    server = HttpServer(build_bolt_app(settings, core, client), "127.0.0.1", 0)
    port = await server.start()
    async with httpx.AsyncClient(timeout=10) as http:
        yield Rig(api, core, f"http://127.0.0.1:{port}/slack/events", http)
    await server.stop()
    await api.stop()


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async for r in _rig("anyone"):
        yield r


@pytest.fixture
async def admins_rig() -> AsyncIterator[Rig]:
    async for r in _rig("admins"):
        yield r


def test_command_text() -> None:
    assert command_text("subscribe 반도체 AI") == "/subscribe 반도체 AI"
    assert command_text("  ") == "/help"
    assert command_text("LIST") == "/list"
    assert command_text("/time 07:30 Asia/Seoul") == "/time 07:30 Asia/Seoul"


async def test_subscribe_answers_ephemerally_and_announces(rig: Rig) -> None:
    response = await rig.command("subscribe 반도체 AI")
    assert response.status_code == 200
    [reply] = await rig.replies(1)
    assert reply["response_type"] == "ephemeral" and reply["text"] == "구독했습니다: 반도체"
    assert rig.core.calls == [(ChatRef("slack", "C100"), "U1", "/subscribe 반도체 AI", True, True)]
    [announcement] = rig.api.posts
    assert announcement.channel == "C100"
    assert announcement.text == "<@U1> 이 채널이 반도체 소식을 구독합니다."


async def test_direct_message_is_not_a_group(rig: Rig) -> None:
    await rig.command("list", channel="D42")
    await rig.replies(1)
    assert rig.core.calls[0][2:] == ("/list", True, False)


async def test_bad_signature_and_stale_timestamp_get_401_and_change_nothing(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bad = await rig.command("subscribe 반도체", signature="v0=" + "0" * 64)
    stale = await rig.command("subscribe 반도체", timestamp=int(time.time()) - 301)
    future = await rig.command("subscribe 반도체", timestamp=int(time.time()) + 400)
    assert (bad.status_code, stale.status_code, future.status_code) == (401, 401, 401)
    await asyncio.sleep(0.1)
    assert rig.core.calls == [] and rig.api.posts == [] and rig.api.responses == []
    ok = await rig.command("status")
    assert ok.status_code == 200
    await rig.replies(1)
    assert SECRET not in caplog.text


async def test_admins_policy_asks_slack_who_may_change(admins_rig: Rig) -> None:
    rig = admins_rig
    await rig.command("subscribe 반도체", user="U1")
    await rig.command("subscribe 반도체", user="UADMIN")
    await rig.command("subscribe 반도체", user="UCREATOR")
    replies = await rig.replies(3)
    allowed = {call[1]: call[3] for call in rig.core.calls}
    assert allowed == {"U1": False, "UADMIN": True, "UCREATOR": True}
    assert (
        sorted(str(r["text"]) for r in replies).count("구독 설정은 관리자만 바꿀 수 있습니다.") == 1
    )
    assert len(rig.api.posts) == 2  # only the allowed changes were announced


async def test_core_failure_is_a_polite_answer(rig: Rig) -> None:
    rig.core.fail = True
    response = await rig.command("list")
    assert response.status_code == 200
    [reply] = await rig.replies(1)
    assert reply["text"] == FAILURE_REPLY


async def test_announcement_without_membership_tells_how_to_invite(rig: Rig) -> None:
    rig.api.fail_channel("C100", "not_in_channel")
    await rig.command("subscribe 반도체")
    [reply] = await rig.replies(1)
    assert "/invite" in str(reply["text"])


async def test_permission_answers_are_cached() -> None:
    api = SlackApi()
    await api.start()
    api.add_channel("C1")
    api.add_user("U1", is_admin=True)
    now = [0.0]
    permissions = Permissions(
        AsyncWebClient(token=api.token, base_url=api.base_url),
        "admins",
        ttl=60,
        now=lambda: now[0],
    )
    assert await permissions.may_change("C1", "U1")
    api.users["U1"]["is_admin"] = False
    assert await permissions.may_change("C1", "U1")  # cached
    now[0] = 61
    assert not await permissions.may_change("C1", "U1")
    assert not await permissions.may_change("C1", "UNKNOWN")  # users.info fails → no
    await api.stop()


def test_service_needs_tokens() -> None:
    core = RecordingCore()
    client = AsyncWebClient(token="x")
    assert slack_service(Settings(), core, client) is None
    only_bot = Settings(secrets=Secrets(slack_bot_token="xoxb-1"))
    assert slack_service(only_bot, core, client) is None
    http = Settings(secrets=Secrets(slack_bot_token="xoxb-1", slack_signing_secret="s"))
    assert slack_service(http, core, client) is not None


def test_manifest_matches_the_settings() -> None:
    manifest = (Path(__file__).resolve().parents[1] / "slack" / "manifest.yaml").read_text("utf-8")
    assert f"- command: {SlackSettings().command}\n" in manifest
    assert "url: https://sokbo.example.com/slack/events" in manifest
    for scope in (
        "commands",
        "chat:write",
        "chat:write.public",
        "users:read",
        "channels:read",
        "groups:read",
    ):
        assert f"      - {scope} " in manifest or f"      - {scope}\n" in manifest, scope
    assert "socket_mode_enabled: false" in manifest


async def test_a_long_digest_reply_comes_in_every_part_as_the_scheduled_one_would(
    rig: Rig,
) -> None:
    scheduled = render_digest(long_digest(topics=30, per_topic=2))
    assert len(scheduled) >= 2  # over Slack's 50 blocks
    await rig.command("digest")
    replies = await rig.replies(len(scheduled))
    await asyncio.sleep(0.2)  # nothing more follows
    assert [(r["text"], r["blocks"]) for r in replies] == [(m.text, m.blocks) for m in scheduled]
    assert all(r["response_type"] == "ephemeral" for r in replies)
