"""Token buckets for platform rate limits, on an injected clock so tests need no sleeping.

Adapters use a global bucket (wait for a token) and per-chat buckets (when empty, answer
``SendResult.deferred`` so the outbox tries that chat later and other chats go on).

A bucket bounds the moments sends *leave*; a server counts them when they *arrive*.
:class:`AnsweredWindow` bounds arrivals, by counting each send until its answer.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """``rate`` tokens per second, holding at most ``burst``."""

    rate: float
    burst: float = 1.0
    now: Callable[[], float] = time.monotonic
    _tokens: float = field(init=False)
    _stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self._tokens = self.burst
        self._stamp = self.now()

    def _refill(self) -> None:
        current = self.now()
        self._tokens = min(self.burst, self._tokens + (current - self._stamp) * self.rate)
        self._stamp = current

    def try_take(self) -> float:
        """Take a token and return 0, or return the seconds until one is available."""
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate


@dataclass
class KeyedBuckets:
    """One bucket per key (chat), created on first use, forgotten when full again."""

    rate: float
    burst: float = 1.0
    now: Callable[[], float] = time.monotonic
    _buckets: dict[str, TokenBucket] = field(default_factory=dict, init=False)

    def try_take(self, key: str) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, self.now)
        wait = bucket.try_take()
        if len(self._buckets) > 50_000:  # bound memory: drop buckets that refilled completely
            self._buckets = {k: b for k, b in self._buckets.items() if b.try_take() == 0.0}
        return wait


@dataclass
class AnsweredWindow:
    """At most ``limit`` sends *arriving* at the server within any ``period`` seconds.

    The server stamps a send's arrival after we release it and before we get its answer. So
    a send counts as open from release until ``period`` + ``margin`` after its answer, and a
    new one may go only while fewer than ``limit`` are open. Proof: of any ``limit`` + 1
    sends, the last released found one of the others closed, i.e. answered, hence arrived,
    at least ``period`` earlier; those ``limit`` + 1 arrivals span at least ``period``,
    whatever the network or the event loop delayed in between. ``margin`` covers servers
    stamping in whole milliseconds. The price: each place is held for ``period`` plus one
    round trip, so the rate is ``limit / (period + margin + round trip)``.
    """

    limit: int
    period: float
    margin: float = 0.005
    in_flight: int = 0
    answers: deque[float] = field(default_factory=deque)  # answer times, oldest first

    def wait(self, now: float) -> float | None:
        """0 if a send may go now; else seconds until a place frees, None if only an answer
        can free one (``limit`` sends in flight)."""
        while self.answers and self.answers[0] + self.period + self.margin <= now:
            self.answers.popleft()
        if self.in_flight + len(self.answers) < self.limit:
            return 0.0
        if self.in_flight >= self.limit:
            return None
        return self.answers[0] + self.period + self.margin - now

    def release(self) -> None:
        """A send leaves now (call right after :meth:`wait` answered 0, with no await)."""
        self.in_flight += 1

    def answered(self, now: float) -> None:
        """The send's answer (or failure) came back at ``now`` (a non-decreasing clock)."""
        self.in_flight -= 1
        self.answers.append(now)

    def idle(self, now: float) -> bool:
        """Nothing in flight and every answer older than the window: safe to forget."""
        self.wait(now)  # drops the old answers
        return self.in_flight == 0 and not self.answers


@dataclass
class KeyedWindows:
    """One :class:`AnsweredWindow` per key (chat), forgotten once idle."""

    limit: int
    period: float
    now: Callable[[], float] = time.monotonic
    margin: float = 0.005
    _windows: dict[str, AnsweredWindow] = field(default_factory=dict, init=False)
    _sweep_at: int = field(default=1024, init=False)

    def wait(self, key: str) -> float:
        """0 if a send to ``key`` may go now, else the seconds to wait (a guess of one
        ``period`` while ``limit`` sends to it are still unanswered)."""
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = AnsweredWindow(self.limit, self.period, self.margin)
        wait = window.wait(self.now())
        return self.period + self.margin if wait is None else wait

    def release(self, key: str) -> None:
        """A send to ``key`` leaves (after :meth:`wait` answered 0, with no await between)."""
        self._windows[key].release()

    def answered(self, key: str) -> None:
        self._windows[key].answered(self.now())
        if len(self._windows) > self._sweep_at:  # bound memory: drop idle windows
            now = self.now()
            self._windows = {k: w for k, w in self._windows.items() if not w.idle(now)}
            self._sweep_at = max(1024, 2 * len(self._windows))


@dataclass
class CommandLimiter:
    """Incoming commands per user: ``per_minute`` on average, ``burst`` at once.

    :meth:`check` answers "go", "notice" (the first refusal in a row: tell the user once) or
    "drop" (refused again: stay silent, so a flood costs no replies). Each user has a bucket
    of their own, so one person's flood never delays anybody else's commands.
    """

    per_minute: float
    burst: int
    now: Callable[[], float] = time.monotonic
    _buckets: KeyedBuckets = field(init=False)
    _noticed: dict[str, float] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._buckets = KeyedBuckets(self.per_minute / 60.0, float(self.burst), self.now)

    def check(self, user: str) -> tuple[str, float]:
        """("go" | "notice" | "drop", seconds until the next command would be accepted)."""
        wait = self._buckets.try_take(user)
        if wait <= 0:
            self._noticed.pop(user, None)
            return "go", 0.0
        if user in self._noticed and self._noticed[user] > self.now():
            return "drop", wait
        if len(self._noticed) > 50_000:
            current = self.now()
            self._noticed = {k: v for k, v in self._noticed.items() if v > current}
        self._noticed[user] = self.now() + wait
        return "notice", wait
