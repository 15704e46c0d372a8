"""SlackAdapter against the local Web API server over real sockets (slack_sdk unmodified)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import SlackAdapter
from bot.clock import FixedClock
from bot.messages import DailyDigest, DigestSection, Notice
from bot.types import ChatRef
from tests.slack_api import SlackApi
from tests.test_render_slack import WHEN, _alert, _entry


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    server = SlackApi()
    await server.start()
    yield server
    await server.stop()


class Ticks:
    """A monotonic clock for the pacing buckets that moves only when told."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _adapter(
    api: SlackApi,
    *,
    pacing: bool = False,
    now: Ticks | None = None,
    burst: int = 3,
    today: FixedClock | None = None,
) -> SlackAdapter:
    client = AsyncWebClient(token=api.token, base_url=api.base_url)
    clock = today or FixedClock(WHEN + timedelta(minutes=40))  # the test alert is fresh
    return SlackAdapter(
        client, rate_per_channel=1.0, burst=burst, pacing=pacing, now=now or Ticks(), clock=clock
    )


def _chat(channel: str) -> ChatRef:
    return ChatRef("slack", channel)


async def test_alert_is_posted_as_blocks(api: SlackApi) -> None:
    result = await _adapter(api).send(_chat("C1"), _alert())
    assert result.outcome == "sent"
    [post] = api.posts
    assert post.channel == "C1" and post.thread_ts is None
    assert [b["type"] for b in post.blocks] == ["header", "section", "context", "actions"]
    assert post.text.startswith("[속보]")


async def test_an_old_release_is_not_announced_as_news(api: SlackApi) -> None:
    late = FixedClock(WHEN + timedelta(days=3))  # found late (a backfill, a new feed)
    result = await _adapter(api, today=late).send(_chat("C1"), _alert())
    assert result.outcome == "sent"
    [post] = api.posts
    assert post.text.startswith("중기부, 딥테크") and "[속보]" not in post.text


async def test_429_becomes_retry_after_header(api: SlackApi) -> None:
    api.rate_limit_next(1, retry_after=7)
    result = await _adapter(api).send(_chat("C1"), Notice("안녕하세요"))
    assert result.outcome == "retry" and result.retry_after == 7.0
    assert api.posts == []
    assert (await _adapter(api).send(_chat("C1"), Notice("안녕하세요"))).outcome == "sent"


@pytest.mark.parametrize(
    "error", ["channel_not_found", "not_in_channel", "is_archived", "account_inactive"]
)
async def test_channel_errors_mean_gone(api: SlackApi, error: str) -> None:
    api.fail_channel("C9", error)
    result = await _adapter(api).send(_chat("C9"), Notice("x"))
    assert result.outcome == "gone" and result.reason and error in result.reason


async def test_bad_token_means_gone(api: SlackApi) -> None:
    client = AsyncWebClient(token="xoxb-wrong", base_url=api.base_url)
    result = await SlackAdapter(client, pacing=False).send(_chat("C1"), Notice("x"))
    assert result.outcome == "gone" and "invalid_auth" in (result.reason or "")


async def test_unreachable_server_means_retry() -> None:
    server = SlackApi()
    await server.start()
    url = server.base_url
    await server.stop()
    client = AsyncWebClient(token=server.token, base_url=url, timeout=2)
    result = await SlackAdapter(client, pacing=False).send(_chat("C1"), Notice("x"))
    assert result.outcome == "retry" and "unreachable" in (result.reason or "")


async def test_pacing_defers_beyond_burst_and_other_channels_go_on(api: SlackApi) -> None:
    ticks = Ticks()
    adapter = _adapter(api, pacing=True, now=ticks)
    outcomes = [(await adapter.send(_chat("C1"), Notice(f"{i}"))).outcome for i in range(4)]
    assert outcomes == ["sent", "sent", "sent", "deferred"]
    deferred = await adapter.send(_chat("C1"), Notice("again"))
    assert deferred.outcome == "deferred" and deferred.retry_after == pytest.approx(1.0)
    assert (await adapter.send(_chat("C2"), Notice("other"))).outcome == "sent"
    ticks.t += 1.0
    assert (await adapter.send(_chat("C1"), Notice("later"))).outcome == "sent"
    assert len(api.posts_to("C1")) == 4 and api.pace_violations == 0


def _long_digest() -> DailyDigest:
    sections = tuple(
        DigestSection(f"주제{t}", tuple(_entry(t * 100 + i, "나" * 60) for i in range(40)))
        for t in range(20)
    )
    return DailyDigest(date(2026, 4, 11), "Asia/Seoul", sections)


async def test_long_digest_continues_in_thread_and_resumes_without_duplicates(
    api: SlackApi,
) -> None:
    api.enforce_channel_rate = False  # the adapter's clock is fake here, the server's is real
    ticks = Ticks()
    adapter = _adapter(api, pacing=True, now=ticks, burst=1)
    digest = _long_digest()
    results = []
    for _ in range(20):
        result = await adapter.send(_chat("C1"), digest)
        results.append(result.outcome)
        if result.outcome == "sent":
            break
        if result.outcome == "retry":
            continue
        ticks.t += result.retry_after or 1.0
        if len(results) == 1:
            api.rate_limit_next(1)  # a 429 in the middle of the thread
    assert results[-1] == "sent" and "deferred" in results and "retry" in results
    posts = api.posts_to("C1")
    head, *replies = posts
    assert head.thread_ts is None and len(replies) >= 2
    assert all(p.thread_ts == head.ts for p in replies)
    assert all(len(p.blocks) <= 50 for p in posts)
    entries = sum(str(p.blocks).count("newsId=") for p in posts)
    assert entries == 800  # every entry exactly once, the head never posted twice
