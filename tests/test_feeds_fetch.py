"""The fetcher against a real HTTP server on 127.0.0.1: limits, validators, errors in words."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from bot.config import FeedSettings
from bot.errors import FetchError
from bot.feeds.fetch import Fetcher, parse_retry_after
from tests.feed_server import FeedServer, rss

SETTINGS = FeedSettings(
    connect_timeout=1, read_timeout=0.5, total_timeout=1.5, max_bytes=4000, max_redirects=3,
    user_agent="sokbo-test/1 (+tests)",
)  # fmt: skip
DOC = rss([{"title": "글", "guid": "g1", "description": "본문"}])


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


async def fetch_error(url: str, settings: FeedSettings = SETTINGS) -> FetchError:
    async with Fetcher(settings) as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(url)
    return info.value


async def test_ok_with_user_agent_and_validators(server: FeedServer) -> None:
    url = server.add(
        "/f", DOC, etag='"v1"', headers={"Last-Modified": "Fri, 10 Apr 2026 00:00:00 GMT"}
    )
    async with Fetcher(SETTINGS) as fetcher:
        result = await fetcher.fetch(url)
        assert result.status == 200 and result.body == DOC.encode()
        assert result.etag == '"v1"'
        assert result.last_modified == "Fri, 10 Apr 2026 00:00:00 GMT"
        again = await fetcher.fetch(url, etag=result.etag, last_modified=result.last_modified)
    assert again.not_modified and again.body == b""
    first, second = server.hits("/f")
    assert first["user-agent"] == "sokbo-test/1 (+tests)"
    assert "if-none-match" not in first
    assert second["if-none-match"] == '"v1"'
    assert second["if-modified-since"] == "Fri, 10 Apr 2026 00:00:00 GMT"


async def test_not_modified_keeps_the_connection(server: FeedServer) -> None:
    """A 304 costs no new TCP (or TLS) connection: the next request reuses the same one."""
    url = server.add("/same", DOC, etag='"v1"')
    async with Fetcher(SETTINGS) as fetcher:
        for _ in range(3):
            assert (await fetcher.fetch(url, etag='"v1"')).not_modified
    assert len(server.peers) == 3 and len(set(server.peers)) == 1


async def test_gzip_is_decoded(server: FeedServer) -> None:
    url = server.add("/gz", DOC, gzip=True)
    async with Fetcher(SETTINGS) as fetcher:
        result = await fetcher.fetch(url)
    assert result.body == DOC.encode()
    assert result.headers["content-encoding"] == "gzip"
    assert "gzip" in server.hits("/gz")[0]["accept-encoding"]


@pytest.mark.parametrize(
    ("status", "reason"),
    [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error"), (410, "HTTP 410 Gone")],
)
async def test_http_errors_in_words(server: FeedServer, status: int, reason: str) -> None:
    url = server.add("/e", "oops", status=status)
    error = await fetch_error(url)
    assert str(error) == reason
    assert error.retry_after is None


async def test_429_retry_after(server: FeedServer) -> None:
    url = server.add("/busy", "slow down", status=429, headers={"Retry-After": "120"})
    error = await fetch_error(url)
    assert str(error) == "HTTP 429 Too Many Requests (retry after 120 s)"
    assert error.retry_after == 120


async def test_503_retry_after_http_date(server: FeedServer) -> None:
    when = formatdate(time.time() + 600, usegmt=True)
    url = server.add("/down", "", status=503, headers={"Retry-After": when})
    error = await fetch_error(url)
    assert str(error).startswith("HTTP 503 Service Unavailable (retry after")
    assert error.retry_after is not None and 590 <= error.retry_after <= 601


async def test_redirects_followed_then_loop_and_limit(server: FeedServer) -> None:
    server.add("/final", DOC)
    server.add("/r1", location="/final")
    async with Fetcher(SETTINGS) as fetcher:
        result = await fetcher.fetch(server.url("/r1"))
    assert result.url == server.url("/final") and result.status == 200

    server.add("/loop-a", location="/loop-b")
    server.add("/loop-b", location="/loop-a")
    error = await fetch_error(server.url("/loop-a"))
    assert str(error) == f"redirect loop ({server.url('/loop-b')} → {server.url('/loop-a')})"

    for i in range(6):
        server.add(f"/hop{i}", location=f"/hop{i + 1}")
    assert str(await fetch_error(server.url("/hop0"))) == "too many redirects (3)"


async def test_size_cap_streamed_and_declared(server: FeedServer) -> None:
    big = "<rss>" + "가" * 5000 + "</rss>"
    assert str(await fetch_error(server.add("/big", big))) == "response larger than 4000 bytes"
    # compressed it is small, decoded it is over the cap: the cap counts decoded bytes
    url = server.add("/bomb", "<rss>" + " " * 50_000 + "</rss>", gzip=True)
    assert str(await fetch_error(url)) == "response larger than 4000 bytes"


async def test_server_that_never_answers(server: FeedServer) -> None:
    url = server.add("/hang", hang=True)
    started = time.monotonic()
    error = await fetch_error(url)
    assert time.monotonic() - started < 3
    assert str(error) == "timed out after 0.5 s waiting for data"


async def test_total_timeout_bounds_slow_trickle(server: FeedServer) -> None:
    url = server.add("/slow", DOC, delay=0.4)
    settings = SETTINGS.model_copy(update={"read_timeout": 5.0, "total_timeout": 0.2})
    assert str(await fetch_error(url, settings)) == "timed out after 0.2 s (total)"


async def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    assert str(await fetch_error(f"http://127.0.0.1:{port}/feed")) == "connection refused"


async def test_concurrency_is_bounded(server: FeedServer) -> None:
    import asyncio

    for i in range(6):
        server.add(f"/c{i}", DOC, delay=0.2)
    settings = SETTINGS.model_copy(update={"concurrency": 2, "total_timeout": 5.0})
    async with Fetcher(settings) as fetcher:
        started = time.monotonic()
        await asyncio.gather(*(fetcher.fetch(server.url(f"/c{i}")) for i in range(6)))
        elapsed = time.monotonic() - started
    assert elapsed >= 0.55  # 6 requests of 0.2 s, two at a time


async def test_file_urls(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(DOC, encoding="utf-8")
    async with Fetcher(SETTINGS) as fetcher:
        first = await fetcher.fetch(path.as_uri())
        assert first.body == DOC.encode() and first.last_modified
        second = await fetcher.fetch(path.as_uri(), last_modified=first.last_modified)
        assert second.not_modified
        os.utime(path, (time.time() + 10, time.time() + 10))
        third = await fetcher.fetch(path.as_uri(), last_modified=first.last_modified)
        assert third.status == 200
    missing = await fetch_error((tmp_path / "nope.xml").as_uri())
    assert str(missing) == f"file not found: {tmp_path / 'nope.xml'}"
    path.write_text("x" * 5000)
    assert str(await fetch_error(path.as_uri())) == "response larger than 4000 bytes"


def test_parse_retry_after() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 4, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("30", now) == 30
    assert parse_retry_after("Fri, 10 Apr 2026 00:01:00 GMT", now) == 60
    assert parse_retry_after("Thu, 09 Apr 2026 00:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
