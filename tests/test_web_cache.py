"""The rendered-page cache: pages live ``seconds``, least recently used leave first."""

from __future__ import annotations

from bot.web.cache import CachedPage, PageCache


def page(text: str) -> CachedPage:
    return CachedPage(text.encode(), "text/html; charset=utf-8", ())


def test_a_page_lives_its_seconds_then_is_rendered_again() -> None:
    now = [100.0]
    cache = PageCache(seconds=5, clock=lambda: now[0])
    assert cache.get("/") is None
    cache.put("/", page("a"))
    now[0] += 5
    assert cache.get("/") == page("a")
    now[0] += 0.01
    assert cache.get("/") is None


def test_the_least_recently_used_page_leaves_first() -> None:
    cache = PageCache(seconds=60, size=2, clock=lambda: 0.0)
    cache.put("/a", page("a"))
    cache.put("/b", page("b"))
    assert cache.get("/a") is not None  # /a is now the most recent
    cache.put("/c", page("c"))
    assert cache.get("/b") is None
    assert cache.get("/a") == page("a") and cache.get("/c") == page("c")
