"""Slack delivery: Block Kit messages through ``chat.postMessage`` (slack_sdk, async).

One path for rate limits: this adapter answers ``SendResult.retry(after=Retry-After)`` for
HTTP 429 and the outbox reschedules (no slack_sdk RateLimitErrorRetryHandler on top). Before
sending, a per-channel token bucket (about ``rate_per_channel`` msg/s, ``burst`` at once) keeps
us under Slack's ~1 message/s per channel; when it is empty the answer is ``deferred``.

A message that does not fit one post (a long digest) goes out as a first post plus thread
replies. The parts already posted are remembered (:mod:`bot.adapters.parts`) so a retry or
deferral resumes at the next part instead of posting the head twice.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.parts import PartsProgress, Progress, fingerprint
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.locales import DEFAULT, t
from bot.messages import Message
from bot.pacing import KeyedBuckets
from bot.render.slack import SlackMessage, render
from bot.types import ChatRef, SendResult

log = logging.getLogger(__name__)

# Slack error codes that mean "this channel will not take our messages": pause it, don't retry.
# The reason is stored with the paused chat and shown by /status (catalog: pause.slack.*).
GONE_CODES = (
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "account_inactive",
    "invalid_auth",
    "token_revoked",
    "team_access_not_granted",
)
GONE_ERRORS = {code: t(DEFAULT, f"pause.slack.{code}") for code in GONE_CODES}
RATE_LIMITED = {"ratelimited", "rate_limited"}
NETWORK_RETRY_SECONDS = 5.0
DEFAULT_RETRY_AFTER = 1.0


def build_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: Slack's own URL or ``slack.api_url`` (tests point it at loopback)."""
    return AsyncWebClient(
        token=settings.secrets.slack_bot_token,
        base_url=settings.slack.api_url,
        timeout=30,
    )


class SlackAdapter:
    """Delivers Alerts, DailyDigests and Notices to Slack channels."""

    platform = "slack"

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        rate_per_channel: float = 1.0,
        burst: int = 3,
        pacing: bool = True,
        now: Callable[[], float] = time.monotonic,
        clock: Clock | None = None,
    ) -> None:
        self.client = client
        self.clock = clock if clock is not None else SystemClock()  # old releases: no [속보]
        self.pacing = pacing
        self._buckets = KeyedBuckets(rate_per_channel, float(burst), now)
        self._progress = PartsProgress()  # parts of long messages already posted

    @classmethod
    def from_settings(
        cls, settings: Settings, client: AsyncWebClient | None = None
    ) -> SlackAdapter:
        return cls(
            client or build_client(settings),
            rate_per_channel=settings.slack.rate_per_channel,
            burst=settings.slack.burst,
            pacing=settings.slack.pacing,
        )

    async def send(self, chat: ChatRef, message: Message) -> SendResult:
        parts = render(message, now=self.clock.now())
        whole = fingerprint(_part_text(p) for p in parts) if len(parts) > 1 else ""
        key = f"{chat.chat_id}/{chat.thread_id}/{whole}"
        progress = self._progress.get(key) or Progress(thread=chat.thread_id or None)
        for index in range(progress.sent, len(parts)):
            if self.pacing and (wait := self._buckets.try_take(chat.chat_id)) > 0:
                self._progress.remember(key, progress)
                return SendResult.deferred(wait)
            result, ts = await self._post(chat.chat_id, parts[index], progress.thread)
            if result is not None:
                self._progress.remember(key, progress)
                return result
            if index == 0 and progress.thread is None:
                progress.thread = ts
            progress.sent = index + 1
        self._progress.done(key)
        return SendResult.sent()

    async def _post(
        self, channel: str, part: SlackMessage, thread_ts: str | None
    ) -> tuple[SendResult | None, str | None]:
        """Post one part; (None, ts) when it was posted, else (what the outbox should do, None)."""
        args: dict[str, Any] = {
            "channel": channel,
            "text": part.text,
            "blocks": part.blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if thread_ts:
            args["thread_ts"] = thread_ts
        try:
            response = await self.client.chat_postMessage(**args)
        except SlackApiError as e:
            error = str(e.response.get("error", "") or "")
            if error == "invalid_blocks":  # never lose a story to a layout Slack refuses
                log.warning("slack refused blocks for %s (%s); sending text only", channel, e)
                args.pop("blocks")
                try:
                    response = await self.client.chat_postMessage(**args)
                except SlackApiError as again:
                    return outcome_for(again), None
                except (aiohttp.ClientError, TimeoutError, OSError) as again:
                    return _network(again), None
                return None, str(response.get("ts") or "")
            return outcome_for(e), None
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            return _network(e), None
        return None, str(response.get("ts") or "")


def outcome_for(error: SlackApiError) -> SendResult:
    """Map a Web API error to what the outbox should do."""
    response = error.response
    code = str(response.get("error", "") or "")
    if response.status_code == 429 or code in RATE_LIMITED:
        return SendResult.retry(_retry_after(response.headers), "Slack rate limit (HTTP 429)")
    if code in GONE_ERRORS:
        return SendResult.gone(GONE_ERRORS[code])
    if response.status_code >= 500 or code in (
        "internal_error",
        "fatal_error",
        "service_unavailable",
    ):
        return SendResult.retry(
            NETWORK_RETRY_SECONDS, f"Slack server error {response.status_code} {code}".strip()
        )
    return SendResult.retry(
        NETWORK_RETRY_SECONDS, f"Slack refused the message: {code or response.status_code}"
    )


def _network(error: BaseException) -> SendResult:
    return SendResult.retry(
        NETWORK_RETRY_SECONDS, f"Slack unreachable: {type(error).__name__}: {error}"[:300]
    )


def _retry_after(headers: Any) -> float:
    for name, value in dict(headers or {}).items():
        if str(name).lower() == "retry-after":
            if isinstance(value, list):
                value = value[0] if value else ""
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER


def _part_text(part: SlackMessage) -> str:
    return json.dumps([part.text, part.blocks], ensure_ascii=False, sort_keys=True)
