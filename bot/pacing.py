"""Token buckets for platform rate limits, on an injected clock so tests need no sleeping.

Adapters use a global bucket (wait for a token) and per-chat buckets (when empty, answer
``SendResult.deferred`` so the outbox tries that chat later and other chats go on).
"""

from __future__ import annotations

import time
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
