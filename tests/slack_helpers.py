"""Signed slash commands for tests and the bench: what Slack itself would POST to the app."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier


def command_body(
    text: str,
    *,
    channel: str,
    user: str,
    response_url: str,
    command: str = "/sokbo",
    channel_name: str = "general",
) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": "T0TEST",
            "team_domain": "sokbo-test",
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0SOKBO",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )


async def post_command(
    http: httpx.AsyncClient,
    url: str,
    body: str,
    *,
    secret: str,
    timestamp: int | None = None,
    signature: str | None = None,
) -> httpx.Response:
    """POST a form-encoded slash command signed like Slack does (or with what the test says)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = signature or SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig,
    }
    return await http.post(url, content=body.encode(), headers=headers)
