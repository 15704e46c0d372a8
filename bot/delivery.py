"""Pure delivery decisions: what one send's outcome means for its row and for its chat.

The outbox (bot/outbox.py) only applies a :class:`~bot.types.Decision` to the store. Alerts
and daily digests are both outbox rows, so pacing, retries, a chat that is gone and a chat
that migrated are handled here once for both.

- ``sent``: done.
- ``retry``: an attempt is counted; the row waits ``retry_after`` (or an exponential backoff)
  and dies after ``max_attempts``. Only that chat waits; the others go on.
- ``deferred``: pacing, nothing was attempted: the row and the chat's others wait, uncounted.
- ``gone``: the chat blocked or removed the bot: pause the chat with the reason; its
  undelivered rows die.
- ``migrated``: the new chat id replaces the old one everywhere, then the row is resent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.types import ChatFate, Decision, SendResult

BACKOFF_FIRST = 10.0  # seconds before the second attempt when the platform names no delay
BACKOFF_MAX = 3600.0
MISSING_WAIT = timedelta(seconds=60)  # no adapter for the platform, or the message is gone


def backoff(attempts: int, retry_after: float | None) -> float:
    """Seconds to wait after ``attempts`` failed attempts; a platform's own delay wins."""
    if retry_after is not None and retry_after > 0:
        return min(retry_after, 24 * 3600)
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2.0 ** max(0, attempts - 1))


def before_send(
    *, paused: bool, attempts: int, max_attempts: int, missing: str | None, now: datetime
) -> Decision | None:
    """Whether a claimed row must not be sent at all (None: send it)."""
    if paused:
        return Decision("dead", attempts, reason="chat paused")
    if attempts >= max_attempts:
        return Decision("dead", attempts, reason=f"gave up after {attempts} attempts (worker died)")
    if missing is not None:  # the chat waits only when its whole platform is missing
        until = now + MISSING_WAIT
        chat: ChatFate = "wait" if missing.startswith("no adapter") else "go_on"
        return Decision("release", attempts, until=until, reason=missing, chat=chat)
    return None


def decide(attempts: int, result: SendResult, now: datetime, max_attempts: int) -> Decision:
    """The outcome of one send (see the module docstring); ``attempts`` before this one."""
    if result.outcome == "sent":
        return Decision("sent", attempts)
    if result.outcome == "retry":
        counted = attempts + 1
        until = now + timedelta(seconds=backoff(counted, result.retry_after))
        reason = result.reason or "send failed"
        if counted >= max_attempts:
            return Decision("dead", counted, until=until, reason=reason)
        return Decision("failed", counted, until=until, reason=reason, chat="wait")
    if result.outcome == "deferred":
        until = now + timedelta(seconds=max(result.retry_after or 1.0, 0.05))
        return Decision("release", attempts, until=until, chat="wait")
    if result.outcome == "gone":
        reason = result.reason or "chat gone"
        return Decision("dead", attempts, reason=f"chat gone: {reason}", chat="dead", pause=reason)
    if result.outcome == "migrated" and result.new_chat_id:
        return Decision(
            "release",
            attempts,
            until=now,
            reason="chat migrated; resending",
            chat="resend",
            migrate_to=result.new_chat_id,
        )
    return Decision(
        "dead", attempts + 1, until=now, reason=f"unknown send outcome {result.outcome!r}"
    )
