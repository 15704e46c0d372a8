"""/healthz, purely: the store's :class:`~bot.web.queries.Health` → the JSON answer and status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import KST
from bot.web.queries import Health


def health_answer(state: Health) -> tuple[dict[str, Any], int]:
    """The body and HTTP status of /healthz: 200 while healthy, else 503 with the reason."""
    body = {
        "status": "ok" if state.healthy else "failing",
        "reason": state.reason,
        "database": "ok" if state.database else "unreachable",
        "last_poll_at": _iso(state.last_poll_at),
        "last_success_at": _iso(state.last_success_at),
        "feeds": {
            "ok": state.feeds_ok,
            "failing": state.feeds_failing,
            "never_polled": state.feeds_never_polled,
            "silent": len(state.silent),
        },
        "silent": [{"id": i, "name": name, "state": words} for i, name, words in state.silent],
        "notices": [{"id": i, "name": name, "notice": text} for i, name, text in state.notices],
    }
    return body, 200 if state.healthy else 503


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(KST).isoformat() if value else None
