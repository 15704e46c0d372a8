"""robots.txt, honoured per host and cached.

RFC 9309: a robots.txt that answers 4xx (none there) allows everything; one that cannot be
fetched (5xx, network failure, timeout) disallows everything for the host until it is fetched
again. Answers are kept ``ttl`` seconds (failures a tenth of that, at least a minute), on an
injected clock. The rules are read by :mod:`urllib.robotparser` with the bot's product token
(the User-Agent up to its first ``/``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from bot.clock import Clock
from bot.errors import FetchError

log = logging.getLogger(__name__)

MAX_ROBOTS = 512_000  # RFC 9309: parse at least 500 KiB; the rest is ignored
# fetch(url) → (HTTP status, body); raises FetchError for a transport failure
RobotsFetch = Callable[[str], Awaitable[tuple[int, bytes]]]


@dataclass(frozen=True, slots=True)
class Rules:
    """One host's robots.txt as read: allow all, disallow all, or its rules."""

    parser: RobotFileParser | None = None
    allow_all: bool = False
    reason: str = ""

    def allows(self, agent: str, url: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return self.parser.can_fetch(agent, url)


def rules_from(status: int, body: bytes) -> Rules:
    """Pure: a robots.txt answer → its rules (RFC 9309 for the status codes)."""
    if 400 <= status < 500:
        return Rules(allow_all=True, reason=f"robots.txt answered {status}")
    if not 200 <= status < 300:
        return Rules(allow_all=False, reason=f"robots.txt answered {status}")
    parser = RobotFileParser()
    text = body[:MAX_ROBOTS].decode("utf-8", "replace")
    parser.parse(text.splitlines())
    return Rules(parser=parser)


def agent_token(user_agent: str) -> str:
    """The product token a robots.txt group names (``sokbo`` of ``sokbo/0.1 (…)``)."""
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


class RobotsCache:
    """``await cache.allowed(url)``: may the bot fetch ``url``? One fetch per host at a time."""

    def __init__(self, fetch: RobotsFetch, clock: Clock, user_agent: str, ttl: float) -> None:
        self._fetch = fetch
        self._clock = clock
        self._agent = agent_token(user_agent)
        self._ttl = ttl
        self._rules: dict[str, tuple[float, Rules]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str) -> bool:
        return await self.refusal(url) is None

    async def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be fetched, in words; None when it may."""
        rules = await self.rules_for(url)
        if rules.allows(self._agent, url):
            return None
        if rules.parser is None:
            return f"{rules.reason}: nothing is fetched from the host for now"
        return "robots.txt disallows it"

    async def rules_for(self, url: str) -> Rules:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            now = self._clock.now().timestamp()
            cached = self._rules.get(origin)
            if cached is not None and cached[0] > now:
                return cached[1]
            try:
                status, body = await self._fetch(f"{origin}/robots.txt")
                rules = rules_from(status, body)
            except FetchError as e:
                rules = Rules(allow_all=False, reason=f"robots.txt unreachable: {e}")
            keep = self._ttl if rules.parser is not None or rules.allow_all else self._ttl / 10
            self._rules[origin] = (now + max(60.0, keep), rules)
            if rules.reason and not rules.allow_all:
                log.info("%s: %s; not fetching pages there for now", origin, rules.reason)
            return rules
