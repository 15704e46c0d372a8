"""Full text for thin feed items, end to end over real sockets: a loopback ministry site with a
feed of title-only items, release pages (menus, footer), robots.txt, attachments (real HWPX and
PDF releases from tests/data/attachments), and broken, huge and slow ones; polled twice."""

from __future__ import annotations

import io
import logging
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.config import FeedSettings, FullTextSettings
from bot.documents import build_document
from bot.documents.attachments import AttachmentError, text_from_attachment
from bot.documents.contacts import contacts_of
from bot.feeds.fetch import Fetcher
from bot.feeds.poll import CycleReport, poll_cycle
from bot.fulltext.attachments import AttachmentParsers
from bot.fulltext.enrich import FullText
from bot.store import articles as article_store
from bot.store import create_engine
from bot.store import feeds as feed_store
from bot.types import Article
from tests.feed_server import FeedServer, rss

DATA = Path(__file__).parent / "data" / "attachments"
CHROME_HEAD = (
    "<!DOCTYPE html><html lang='ko'><head><meta charset='utf-8'><title>보도자료</title></head>"
    "<body><header><ul class='gnb'><li><a href='/a'>기관소개</a></li><li><a href='/b'>"
    "정책정보</a></li><li><a href='/c'>알림마당</a></li></ul></header>"
    "<div class='lnb'><h2>알림마당</h2><ul><li><a href='/n'>공지사항</a></li>"
    "<li><a href='/p'>보도자료</a></li></ul></div><div id='content'>"
)
CHROME_FOOT = (
    "</div><footer><p>(30118) 세종특별자치시 도움6로 42 정부세종청사 | 대표전화 110</p>"
    "<a href='/privacy'>개인정보처리방침</a><p>Copyright 대한민국 정부. All rights reserved.</p>"
    "</footer></body></html>"
)


def release_page(title: str, markdown: str = "", attachments: str = "") -> str:
    """A board view page around a release's own text: paragraphs and its tables as HTML."""
    body: list[str] = []
    table: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("| "):
            cells = line.strip("| ").split(" | ")
            table.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            continue
        if table:
            body.append("<table>" + "".join(table) + "</table>")
            table = []
        if line.strip():
            body.append(f"<p>{line}</p>")
    files = f"<div class='file'><strong>첨부파일</strong><ul>{attachments}</ul></div>"
    return (
        f"{CHROME_HEAD}<div class='view'><h3>{title}</h3><div class='cont'>{''.join(body)}"
        f"</div>{files if attachments else ''}</div>{CHROME_FOOT}"
    )


def hwpx_download(name: str) -> dict[str, str]:
    return {
        "Content-Type": "application/octet-stream",
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
    }


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


@pytest.fixture
def db(sqlite_url: str) -> Iterator[Engine]:
    engine = create_engine(sqlite_url)
    yield engine
    engine.dispose()


FEED = FeedSettings(connect_timeout=1, read_timeout=1, total_timeout=5, max_bytes=200_000)
FULL = FullTextSettings(deadline=10, attachment_max_bytes=400_000, parse_timeout=10)


def site(server: FeedServer) -> dict[str, str]:
    """The ministry site; returns title → the item's link path."""
    text_44 = text_from_attachment((DATA / "156755044.hwpx").read_bytes())
    hwpx_15 = (DATA / "156755015.hwpx").read_bytes()
    server.add("/robots.txt", "User-agent: *\nDisallow: /private/\n",
               headers={"Content-Type": "text/plain"})  # fmt: skip
    server.add("/view/1", release_page("본문이 있는 보도자료", text_44),
               headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
    link = "<li><a href='/common/download.do?fileId=15'>260414 보도자료.hwpx</a></li>"
    server.add("/view/2", release_page("첨부만 있는 보도자료", attachments=link),
               headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
    server.add("/common/download.do?fileId=15", hwpx_15, headers=hwpx_download("보도자료.hwpx"))
    server.add("/files/44.pdf", (DATA / "156755044.pdf").read_bytes(),
               headers={"Content-Type": "application/pdf"})  # fmt: skip
    server.add("/private/4", release_page("막힌 보도자료", text_44),
               headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
    for n, path in ((5, "/files/broken.hwpx"), (6, "/files/huge.pdf"), (7, "/files/slow.hwpx")):
        link = f"<li><a href='{path}'>첨부 {n}.hwpx</a></li>"
        server.add(f"/view/{n}", release_page(f"첨부 {n}", attachments=link),
                   headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
    server.add("/files/broken.hwpx", hwpx_15[: len(hwpx_15) // 2],
               headers=hwpx_download("broken.hwpx"))  # fmt: skip
    server.add("/files/huge.pdf", b"%PDF-1.7\n" + b"0" * 500_000,
               headers={"Content-Type": "application/pdf"})  # fmt: skip
    server.add("/files/slow.hwpx", hwpx_15[:80_000], trickle=0.15,
               headers=hwpx_download("slow.hwpx"))  # fmt: skip
    return {
        "본문이 있는 보도자료": "/view/1",
        "첨부만 있는 보도자료": "/view/2",
        "PDF로 바로 가는 보도자료": "/files/44.pdf",
        "막힌 보도자료": "/private/4",
        "깨진 첨부": "/view/5",
        "너무 큰 첨부": "/view/6",
        "느린 첨부": "/view/7",
        "다른 주소의 보도자료": f"http://127.0.0.2:{server.port}/view/1",
    }


async def poll(db: Engine, clock: FixedClock, full: FullTextSettings = FULL) -> CycleReport:
    async with Fetcher(FEED) as fetcher, FullText(db, full, FEED, clock) as fulltext:
        feeds = feed_store.list_feeds(db, include_disabled=False)  # due or not
        return await poll_cycle(db, fetcher, FEED, clock, feeds=feeds, fulltext=fulltext)


async def test_thin_items_get_page_or_attachment_text_failures_keep_the_item(
    server: FeedServer, db: Engine, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    links = site(server)
    items = [
        {"title": title, "guid": f"g{n}", "link": link, "description": title}
        for n, (title, link) in enumerate(links.items())
    ]
    feed_url = server.add("/rss", rss(items))
    feed_store.add_feed(db, feed_url, "부처 보도자료", clock.now())
    caplog.set_level(logging.INFO, logger="bot.fulltext")
    began = time.monotonic()
    report = await poll(db, clock)
    took = time.monotonic() - began
    assert len(report.new) == len(links)  # nothing lost, whatever happened to its full text
    by_title = {a.title: a for a in report.new}

    page = by_title["본문이 있는 보도자료"]
    assert "우리 정부는 이번 지원이 피해지역 내 인도적 상황 완화에" in page.text
    for chrome in ("기관소개", "공지사항", "개인정보처리방침", "대표전화", "Copyright"):
        assert chrome not in page.text
    assert ("임혜림", "02-2100-8460") in [(c.name, c.phone) for c in page.contacts]

    expected_15 = contacts_of(build_document(text_from_attachment(
        (DATA / "156755015.hwpx").read_bytes())))  # fmt: skip
    attached = by_title["첨부만 있는 보도자료"]
    assert [(c.name, c.phone) for c in attached.contacts] == [
        (c.name, c.phone) for c in expected_15
    ]
    assert len(attached.text) > 1000

    pdf = by_title["PDF로 바로 가는 보도자료"]
    assert ("임혜림", "02-2100-8460") in [(c.name, c.phone) for c in pdf.contacts]

    log = caplog.text
    for title, reason in (
        ("막힌 보도자료", "robots.txt disallows it"),
        ("깨진 첨부", "HWPX is not a readable zip"),
        ("너무 큰 첨부", "response larger than 400000 bytes"),
        ("느린 첨부", "timed out after 5 s (total)"),  # each chunk within read_timeout
        ("다른 주소의 보도자료", "link to a private address refused (127.0.0.2)"),
    ):
        kept = by_title[title]
        assert kept.text == title and kept.contacts == ()  # as the feed gave it
        assert reason in log, (title, reason)
    assert server.hits("/private/4") == []  # robots.txt honoured: never asked for
    assert len(server.hits("/robots.txt")) == 1  # once per host, cached
    assert took < FULL.deadline + 3  # the slow attachment cost one deadline, not more

    # stored as enriched; the next poll fetches no page or attachment again
    stored = {a.title: a for a in article_store.feed_articles(db, report.new[0].feed_id)}
    assert stored["본문이 있는 보도자료"].text == page.text
    before = len(server.requests)
    again = await poll(db, clock)
    assert again.new == () and again.edited == ()
    assert [p for p, _ in server.requests[before:]] == ["/rss"]


async def test_disabled_or_full_items_fetch_nothing(
    server: FeedServer, db: Engine, clock: FixedClock
) -> None:
    site(server)
    long = "<p>" + "중소벤처기업부는 추경이 확정되었다고 밝혔다. " * 20 + "</p>"
    feed_url = server.add("/rss", rss([
        {"title": "긴 글", "guid": "a", "link": "/view/1", "description": long},
    ]))  # fmt: skip
    feed_store.add_feed(db, feed_url, "부처", clock.now())
    report = await poll(db, clock)
    assert len(report.new) == 1 and [p for p, _ in server.requests] == ["/rss"]

    server.add("/rss2", rss([{"title": "짧은 글", "guid": "b", "link": "/view/1"}]))
    feed_store.add_feed(db, server.url("/rss2"), "부처 2", clock.now())
    report = await poll(db, clock, FULL.model_copy(update={"enabled": False}))
    assert [a.text for a in report.new] == [""]
    assert "/view/1" not in [p for p, _ in server.requests]


async def test_robots_unreachable_means_no_page_fetch(
    server: FeedServer, db: Engine, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    site(server)
    server.add("/robots.txt", "busy", status=503)
    feed_url = server.add("/rss", rss([{"title": "글", "guid": "a", "link": "/view/1"}]))
    feed_store.add_feed(db, feed_url, "부처", clock.now())
    report = await poll(db, clock)
    assert [a.title for a in report.new] == ["글"] and report.new[0].text == ""
    assert server.hits("/view/1") == []
    assert "robots.txt answered 503" in caplog.text


async def test_attachments_an_item_carries_are_read_first(
    server: FeedServer, db: Engine, clock: FixedClock
) -> None:
    """The OpenAPI gives attachment URLs with a release whose page may say nothing."""
    site(server)
    feed_url = server.add("/openapi", "")
    feed = feed_store.add_feed(db, feed_url, "정책브리핑", clock.now())
    item = Article(feed.id, "156755044", server.url("/gone"), "인도적 지원", "", clock.now(),
                   "h", attachments=(server.url("/files/broken.hwpx"),
                                     server.url("/files/44.pdf")))  # fmt: skip
    async with FullText(db, FULL, FEED, clock) as fulltext:
        (enriched,) = await fulltext.enrich(feed, [item])
    assert ("임혜림", "02-2100-8460") in [(c.name, c.phone) for c in enriched.contacts]
    assert server.hits("/gone") == []  # the second attachment gave the text


async def test_attachment_workers_are_reused_killed_at_the_deadline_and_say_why() -> None:
    pdf = (DATA / "156755044.pdf").read_bytes()
    async with AttachmentParsers(1, timeout=30) as parsers:
        first = await parsers.read(pdf, "a.pdf")
        pid = parsers._all[0].process.pid
        assert await parsers.read(pdf, "a.pdf") == first
        assert parsers._all[0].process.pid == pid  # one process served both
        with pytest.raises(AttachmentError, match="HWPX is not a readable zip"):
            await parsers.read(b"PK\x03\x04application/hwp+zip", "x.hwpx")
        assert parsers._all[0].process.pid == pid  # a bad file costs no restart
    async with AttachmentParsers(1, timeout=0.01) as parsers:
        with pytest.raises(AttachmentError, match=r"parsing took longer than 0.01 s \(stopped\)"):
            await parsers.read(pdf, "a.pdf")
        assert parsers._all == []  # killed
    # 63 KB of zip that inflates to 27 MB of tiny XML elements: the tree outgrows 120 MB
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/hwp+zip")
        archive.writestr("Contents/section0.xml",
                         b"<s>" + b"<p><run><t>x</t></run></p>" * 1_000_000 + b"</s>")  # fmt: skip
    async with AttachmentParsers(1, timeout=30, memory_mb=120) as parsers:
        with pytest.raises(AttachmentError, match=r"ran out of its memory limit \(120 MB\)"):
            await parsers.read(buffer.getvalue(), "bomb.hwpx")
        assert await parsers.read(pdf, "a.pdf") == first  # and the worker goes on
    async with AttachmentParsers(1, timeout=30, memory_mb=16) as parsers:  # cannot even start
        # The status is 1, or 255 when the child exits before asyncio's child watcher sees it
        # ("Unknown child process pid"); the reason, not the number, is what is asserted.
        with pytest.raises(AttachmentError, match=r"attachment parser stopped \(exit -?\d+: \S"):
            await parsers.read(pdf, "a.pdf")


async def test_at_most_max_per_feed_items_the_newest(
    server: FeedServer, db: Engine, clock: FixedClock
) -> None:
    site(server)
    items = [{"title": f"글 {n}", "guid": f"g{n}", "link": "/view/1",
              "pubDate": f"Tue, {10 + n} Apr 2026 09:00:00 +0900"} for n in range(4)]  # fmt: skip
    feed_store.add_feed(db, server.add("/rss", rss(items)), "부처", clock.now())
    report = await poll(db, clock, FULL.model_copy(update={"max_per_feed": 2}))
    enriched = sorted(a.title for a in report.new if a.contacts)
    assert enriched == ["글 2", "글 3"]  # the newest two


async def test_an_euc_kr_page_that_says_so_only_in_a_meta(
    server: FeedServer, db: Engine, clock: FixedClock
) -> None:
    site(server)
    text = text_from_attachment((DATA / "156755015.hwpx").read_bytes())
    page = release_page("보도자료", text).replace(
        "<meta charset='utf-8'>",
        "<meta http-equiv='Content-Type' content='text/html; charset=euc-kr'>",
    )
    server.add("/euc", page.encode("cp949", "replace"), headers={"Content-Type": "text/html"})
    feed_store.add_feed(db, server.add("/rss", rss([{"title": "글", "guid": "e", "link": "/euc"}])),
                        "부처", clock.now())  # fmt: skip
    (article,) = (await poll(db, clock)).new
    assert [c.name for c in article.contacts] == ["박근우", "임은경"]
