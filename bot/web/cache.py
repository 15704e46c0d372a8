"""Rendered archive pages kept for a few seconds.

The archive changes only when a poll stores or summarizes stories (minutes apart), while a
shared link can bring many readers at once: rendering each page once per ``seconds`` instead
of once per request keeps the bots' event loop free. Search, /healthz and /metrics are never
cached (they answer a question about this moment).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CachedPage:
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]


class PageCache:
    """A small LRU of pages by URL, each valid for ``seconds``."""

    def __init__(
        self, seconds: float = 5.0, size: int = 256, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.size = size
        self.clock = clock
        self._pages: OrderedDict[str, tuple[float, CachedPage]] = OrderedDict()

    def get(self, key: str) -> CachedPage | None:
        found = self._pages.get(key)
        if found is None:
            return None
        stored, page = found
        if self.clock() - stored > self.seconds:
            del self._pages[key]
            return None
        self._pages.move_to_end(key)
        return page

    def put(self, key: str, page: CachedPage) -> None:
        self._pages[key] = (self.clock(), page)
        self._pages.move_to_end(key)
        while len(self._pages) > self.size:
            self._pages.popitem(last=False)
