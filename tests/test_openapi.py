"""The 정책브리핑 OpenAPI as a source: pure reading of its answers, then end to end over a real
loopback socket (tests/openapi_server.py) through poll_cycle, the pipeline, the web queries and
search, on both engines.

The releases are six real 정책브리핑 items of April 2026 (tests/data/docs ``gt_``, with their
expected contacts beside them): 10–12 are the dev set the reading was built on, 13–15 held out.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.cli import main
from bot.clock import KST, FixedClock
from bot.config import FeedSettings, FeedSource, FullTextSettings
from bot.feeds.fetch import Fetcher
from bot.feeds.poll import CycleReport, poll_cycle
from bot.fulltext.enrich import FullText
from bot.pipeline import process_pending
from bot.search import search
from bot.sources import openapi
from bot.sources.openapi import OpenApiError
from bot.store import articles as article_store
from bot.store import feeds as feed_store
from bot.store import revisions
from bot.store.schema import articles, deliveries, stories
from bot.store.stories import digest_candidates
from bot.summarize.extractive import ExtractiveSummarizer
from bot.web import queries
from tests.feed_server import FeedServer
from tests.openapi_server import KEY, PATH, OpenApiServer, gateway_error, release_from_doc

DOCS = Path(__file__).resolve().parent / "data" / "docs"
GT = {int(p.name[10:12]): p for p in DOCS.glob("articles__1[0-5]_gt_*.txt")}
DEV, HELD_OUT = (10, 11, 12), (13, 14, 15)
NOW = datetime(2026, 4, 13, 16, 0, tzinfo=KST)  # the releases are of 04-10 … 04-13


def expected_contacts(n: int) -> list[tuple[str | None, ...]]:
    raw = json.loads(GT[n].with_name(GT[n].name + ".contacts.json").read_text(encoding="utf-8"))
    return [(c["department"], c["role"], c["name"], c["phone"]) for c in raw]


def contacts_of(article: Any) -> list[tuple[str | None, ...]]:
    return [(c.department, c.role, c.name, c.phone) for c in article.contacts]


def page(items: str, total: int, *, shape: str = "items") -> bytes:
    body = f"<items>{items}</items>" if shape == "items" else items
    return (
        "<response><header><resultCode>00</resultCode><resultMsg>NORMAL SERVICE.</resultMsg>"
        f"</header><body>{body}<numOfRows>10</numOfRows><pageNo>1</pageNo>"
        f"<totalCount>{total}</totalCount></body></response>"
    ).encode()


# --- pure ----------------------------------------------------------------------------------


def test_the_url_names_the_source_on_any_host() -> None:
    assert openapi.is_openapi("https://apis.data.go.kr" + PATH)
    assert openapi.is_openapi("http://127.0.0.1:8080" + PATH + "/")
    assert not openapi.is_openapi("https://www.korea.kr/rss/pressrelease.xml")


def test_a_key_is_encoded_exactly_once() -> None:
    assert openapi.encoded_key("a+b/c==") == "a%2Bb%2Fc%3D%3D"
    assert openapi.encoded_key("a%2Bb%2Fc%3D%3D") == "a%2Bb%2Fc%3D%3D"  # given encoded
    url = openapi.request_url("https://x" + PATH, "a+b", date(2026, 4, 9), date(2026, 4, 13), 2, 50)
    assert url.endswith(
        "?serviceKey=a%2Bb&startDate=20260409&endDate=20260413&pageNo=2&numOfRows=50"
    )


def test_the_window_is_the_days_since_the_last_success_with_one_of_overlap() -> None:
    now = datetime(2026, 4, 13, 0, 30, tzinfo=KST)  # 04-12 15:30 UTC: the Korean date counts
    assert openapi.date_window(None, now) == (date(2026, 4, 12), date(2026, 4, 13))
    last = datetime(2026, 4, 10, 23, 0, tzinfo=KST)
    assert openapi.date_window(last, now) == (date(2026, 4, 9), date(2026, 4, 13))
    long_ago = now - timedelta(days=400)
    start, end = openapi.date_window(long_ago, now)
    assert (end - start).days == openapi.MAX_DAYS - 1


def test_korean_times_are_read_as_korean() -> None:
    assert openapi.parse_time("04/13/2026 10:46:30") == datetime(2026, 4, 13, 1, 46, 30, tzinfo=UTC)
    assert openapi.parse_time("not a date") is None


def test_both_item_shapes_and_every_field_are_read() -> None:
    r10, r14 = release_from_doc(GT[10]), release_from_doc(GT[14])
    from tests.openapi_server import _item_xml

    for shape, tag in (("items", "item"), ("bare", "NewsItem")):
        parsed = openapi.parse_page(page(_item_xml(r10, tag) + _item_xml(r14, tag), 2, shape=shape))
        assert parsed.total_count == 2
        first, second = parsed.releases
        assert (first.news_item_id, first.minister) == ("156754060", "중소벤처기업부")
        assert second.minister == "국토교통부"
        assert first.approved_at == datetime(2026, 4, 11, 7, 18, 57, tzinfo=KST)
        assert first.html.startswith("<p>") and "1조 6,903" in first.html
        assert first.attachments[0][0].endswith(".hwpx")
        assert first.attachments[0][1].startswith("https://www.korea.kr/common/download.do")


@pytest.mark.parametrize("n", DEV + HELD_OUT)
def test_a_release_becomes_an_article_with_its_contacts(n: int) -> None:
    """Contacts from DataContents agree with the release's expected contacts (dev and
    held-out alike); the issuing body is the article's author."""
    from tests.openapi_server import _item_xml

    raw = release_from_doc(GT[n])
    [release] = openapi.parse_page(page(_item_xml(raw, "item"), 1)).releases
    article = openapi.release_article(release, feed_id=1, now=NOW)
    assert article.guid == raw["NewsItemId"] and article.url == raw["OriginalUrl"]
    assert article.author == raw["MinisterCode"]
    assert contacts_of(article) == expected_contacts(n)
    assert len(article.attachments) == len(raw["files"])  # type: ignore[arg-type]


def test_error_answers_are_one_korean_line() -> None:
    with pytest.raises(
        OpenApiError, match=r"서비스 키를 거부.*SERVICE_KEY_IS_NOT_REGISTERED_ERROR"
    ):
        openapi.parse_page(gateway_error("SERVICE_KEY_IS_NOT_REGISTERED_ERROR", "30"))
    with pytest.raises(OpenApiError, match="요청 한도 초과"):
        openapi.parse_page(gateway_error("LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR", "22"))
    wrong = (
        b"<response><header><resultCode>10</resultCode>"
        b"<resultMsg>INVALID_REQUEST_PARAMETER_ERROR</resultMsg></header></response>"
    )
    with pytest.raises(OpenApiError, match="오류 10: INVALID_REQUEST_PARAMETER_ERROR"):
        openapi.parse_page(wrong)
    nothing = (
        b"<response><header><resultCode>03</resultCode><resultMsg>NODATA_ERROR</resultMsg>"
        b"</header></response>"
    )
    assert openapi.parse_page(nothing).releases == ()  # a day without releases is no error
    with pytest.raises(OpenApiError, match="XML이 아닙니다"):
        openapi.parse_page(b"<html><body>maintenance")
    with pytest.raises(OpenApiError, match="서비스 키를 거부"):
        openapi.parse_page(b"Unauthorized")


def test_entities_are_refused_unread() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><response>&b;</response>'
    )
    with pytest.raises(OpenApiError, match="엔티티"):
        openapi.parse_page(bomb)


# --- end to end over loopback ----------------------------------------------------------------


def settings() -> FeedSettings:
    return FeedSettings(connect_timeout=2, read_timeout=5, total_timeout=20, poll_interval=300)


async def poll(engine: Engine, clock: FixedClock, key: str | None = KEY) -> CycleReport:
    async with Fetcher(settings()) as fetcher:
        return await poll_cycle(
            engine, fetcher, settings(), clock, feeds=feed_store.list_feeds(engine), service_key=key
        )


@pytest.fixture
def server() -> Any:
    with OpenApiServer() as s:
        s.max_rows = 2  # it answers 2 rows a page whatever is asked: paging by totalCount
        s.releases = [release_from_doc(GT[n]) for n in (10, 11, 12, 13, 14, 15)]
        yield s


async def test_polled_twice_right_releases_and_nothing_new_the_second_time(
    engine: Engine, server: OpenApiServer
) -> None:
    clock = FixedClock(NOW.astimezone(UTC))
    [feed] = feed_store.sync_sources(
        engine, [FeedSource(name="정책브리핑", url=server.url)], clock.now()
    )
    report = await poll(engine, clock)
    assert report.failed == ()
    # a new feed asks for yesterday and today (KST): the four releases of 04-13, over 2 pages
    got = {a.guid: a for a in report.new}
    assert set(got) == {"156754194", "156754124", "156754259", "156754183"}
    queries_sent = [q for q in server.requests if "startDate" in q]
    assert all("startDate=20260412&endDate=20260413" in q for q in queries_sent)
    assert sorted(q.split("pageNo=")[1].split("&")[0] for q in queries_sent) == ["1", "2"]
    assert all("serviceKey=tEsT%2BkEy%2Fwith%3DReserved%3D%3Dchars&" in q for q in queries_sent)
    police = got["156754183"]
    assert police.author == "경찰청" and police.published_at == datetime(
        2026, 4, 13, 10, 4, 20, tzinfo=KST
    )
    assert police.title.startswith("경찰청, 봄 행락철 버스전용차로")
    assert "버스전용차로" in police.text and contacts_of(police) == expected_contacts(15)
    stored = article_store.feed_articles(engine, feed.id)
    assert {a.author for a in stored} == {"중소벤처기업부", "경찰청"}
    assert all(a.attachments for a in stored)

    clock.advance(300)
    again = await poll(engine, clock)
    assert again.failed == () and again.new == () and again.edited == ()
    assert article_store.count_articles(engine) == 4

    # a day later, a new release: the window runs from the day before the last success
    clock.advance(86400)
    fresh = release_from_doc(GT[10])
    fresh.update(
        NewsItemId="156755555", ApproveDate="04/14/2026 09:00:00", ModifyDate="04/14/2026 09:00:00"
    )
    server.releases.append(fresh)
    server.requests.clear()
    third = await poll(engine, clock)
    assert [a.guid for a in third.new] == ["156755555"] and third.edited == ()
    assert all("startDate=20260412&endDate=20260414" in q for q in server.requests)


async def test_a_revision_replaces_and_a_withdrawal_hides(
    engine: Engine, server: OpenApiServer
) -> None:
    clock = FixedClock(NOW.astimezone(UTC))
    feed_store.sync_sources(engine, [FeedSource(name="정책브리핑", url=server.url)], clock.now())
    await poll(engine, clock)
    summarizer = ExtractiveSummarizer()
    await process_pending(engine, summarizer=summarizer, clock=clock)
    before = {r.guid: r for r in article_store.feed_articles(engine, 1)}
    plastic, festival = before["156754194"], before["156754259"]

    # 11 is revised (U, ModifyId 1): new phone, new sentence; 13 is withdrawn (D)
    revised = next(r for r in server.releases if r["NewsItemId"] == "156754194")
    revised.update(
        ContentsStatus="U",
        ModifyId="1",
        ModifyDate="04/13/2026 18:00:00",
        DataContents=str(revised["DataContents"]).replace("044-204-7940", "044-204-7999")
        + "<p>협약 참여 기업은 12개사로 늘었다.</p>",
    )
    gone = next(r for r in server.releases if r["NewsItemId"] == "156754259")
    gone.update(ContentsStatus="D", ModifyId="1")
    clock.advance(600)
    report = await poll(engine, clock)
    assert [a.guid for a in report.edited] == ["156754194"] and report.new == ()
    await process_pending(engine, summarizer=summarizer, clock=clock)

    now_plastic = article_store.get_article(engine, plastic.id)  # type: ignore[arg-type]
    assert now_plastic is not None and now_plastic.revision == 1
    assert "044-204-7999" in now_plastic.text and "12개사로 늘었다" in now_plastic.text
    assert [(r, t) for r, t, _ in revisions.history(engine, plastic.id)] == [(0, plastic.title)]  # type: ignore[arg-type]
    view = queries.story(engine, plastic.story_id)  # type: ignore[arg-type]
    assert view is not None
    phones = {c.phone for c in view.contacts}
    assert "044-204-7999" in phones and "044-204-7940" not in phones  # new only, not both
    assert any(c.phone == "044-204-7999" for c in view.summary.contacts)

    # the withdrawn release: hidden from the web, search and digests, its alerts dropped
    with engine.connect() as conn:
        withdrawn = conn.scalar(
            sa.select(stories.c.withdrawn_at).where(stories.c.id == festival.story_id)
        )
        assert withdrawn is not None
        assert conn.scalar(sa.select(articles.c.withdrawn_at).where(articles.c.id == festival.id))
    assert queries.story(engine, festival.story_id) is None  # type: ignore[arg-type]
    listed = queries.latest(engine, limit=50).stories
    assert festival.story_id not in {s.id for s in listed} and plastic.story_id in {
        s.id for s in listed
    }
    assert search(engine, "동행축제", now=clock.now()).hits == ()
    assert search(engine, "플라스틱", now=clock.now()).hits != ()
    candidates = digest_candidates(engine, clock.now() - timedelta(days=3), clock.now())
    assert all("동행축제" not in c.entry.headline for c in candidates) and candidates

    # an older copy (ModifyId 0) listed again changes nothing; the withdrawal is final
    revised.update(ModifyId="0", ContentsStatus="I", DataContents="<p>옛 본문</p>")
    gone.update(ContentsStatus="I", ModifyId="2")
    clock.advance(600)
    stale = await poll(engine, clock)
    assert stale.new == () and stale.edited == ()
    assert "044-204-7999" in article_store.get_article(engine, plastic.id).text  # type: ignore[arg-type, union-attr]


async def test_a_withdrawal_seen_first_is_never_stored_nor_alerted(
    engine: Engine, server: OpenApiServer
) -> None:
    clock = FixedClock(NOW.astimezone(UTC))
    feed_store.sync_sources(engine, [FeedSource(name="정책브리핑", url=server.url)], clock.now())
    for release in server.releases:
        release["ContentsStatus"] = "D"
    report = await poll(engine, clock)
    assert report.failed == () and report.new == ()
    assert article_store.count_articles(engine) == 0
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(deliveries)) == 0


async def test_a_missing_or_refused_key_is_one_korean_line_and_never_logged(
    engine: Engine,
    server: OpenApiServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FixedClock(NOW.astimezone(UTC))
    feed_store.sync_sources(engine, [FeedSource(name="정책브리핑", url=server.url)], clock.now())
    caplog.set_level(logging.DEBUG)
    missing = await poll(engine, clock, key=None)
    [failed] = missing.failed
    assert failed.error is not None and "서비스 키가 없습니다" in failed.error
    assert "DATA_GO_KR_SERVICE_KEY" in failed.error and "\n" not in failed.error
    assert server.requests == []  # not asked without a key

    clock.advance(3600)
    wrong = "wrong+key/" + "x" * 20
    refused = await poll(engine, clock, key=wrong)
    [failed] = refused.failed
    assert failed.error is not None
    assert (
        "서비스 키를 거부" in failed.error and "SERVICE_KEY_IS_NOT_REGISTERED_ERROR" in failed.error
    )
    [feed] = feed_store.list_feeds(engine)
    assert feed.last_error == failed.error and feed.consecutive_failures == 2
    for secret in (wrong, openapi.encoded_key(wrong), KEY, openapi.encoded_key(KEY)):
        assert secret not in caplog.text and secret not in failed.error


async def test_feeds_list_says_what_is_wrong_with_the_key(
    db_url: str,
    server: OpenApiServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n'
        f'[[feeds.sources]]\nname = "정책브리핑 OpenAPI"\nurl = "{server.url}"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("DATA_GO_KR_SERVICE_KEY", raising=False)
    assert await asyncio.to_thread(main, ["poll", "--once", "--config", str(config)]) == 1
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["feeds", "list", "--config", str(config)]) == 0
    listing = capsys.readouterr().out
    assert "last error:   정책브리핑 OpenAPI 서비스 키가 없습니다" in listing

    today = datetime.now(KST).strftime("%m/%d/%Y %H:%M:%S")  # the CLI runs on the real clock
    for release in server.releases[:4]:
        release.update(ApproveDate=today, ModifyDate=today)
    monkeypatch.setenv("DATA_GO_KR_SERVICE_KEY", openapi.encoded_key(KEY))  # given encoded
    assert await asyncio.to_thread(main, ["poll", "--once", "--config", str(config)]) == 0
    out = capsys.readouterr()
    assert "4 new" in out.err
    assert await asyncio.to_thread(main, ["feeds", "check", "--config", str(config)]) == 0
    checked = capsys.readouterr().out
    assert "ok: 4 releases (정책브리핑 OpenAPI)" in checked and KEY not in checked
    assert KEY not in out.out + out.err and openapi.encoded_key(KEY) not in out.out + out.err


async def test_a_release_without_a_body_gets_the_text_of_its_listed_attachment(
    engine: Engine, server: OpenApiServer
) -> None:
    """DataContents empty, the attachment URL given: the HWPX it points to (a real release,
    tests/data/attachments/156755015) becomes the article's Document, contacts included."""
    data = Path(__file__).resolve().parent / "data" / "attachments"
    meta = json.loads((data / "156755015.metadata.json").read_text(encoding="utf-8"))
    clock = FixedClock(NOW.astimezone(UTC))
    feeds = settings().model_copy(update={"allow_private_hosts": True})  # files on loopback
    with FeedServer() as files:
        url = files.add(
            "/common/download.do",
            (data / "156755015.hwpx").read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
        )
        approved = NOW.strftime("%m/%d/%Y %H:%M:%S")
        server.releases = [
            {
                "NewsItemId": meta["news_item_id"],
                "Title": meta["title"],
                "MinisterCode": meta["department"],
                "ApproveDate": approved,
                "ModifyDate": approved,
                "ContentsStatus": "I",
                "ModifyId": "0",
                "DataContents": "",
                "OriginalUrl": meta["original_url"],
                "files": [("보도자료.hwpx", url)],
            }
        ]
        feed_store.sync_sources(
            engine, [FeedSource(name="정책브리핑", url=server.url)], clock.now()
        )
        async with (
            Fetcher(feeds) as fetcher,
            FullText(engine, FullTextSettings(), feeds, clock) as fulltext,
        ):
            report = await poll_cycle(
                engine, fetcher, feeds, clock, feeds=feed_store.list_feeds(engine),
                service_key=KEY, fulltext=fulltext,
            )  # fmt: skip
    [article] = report.new
    assert article.attachments == (url,) and article.author == "고용노동부"
    assert "한국해운조합" in article.text and len(article.text) > 1000
    assert article.contacts and any(c.phone for c in article.contacts)
    assert files.hits("/common/download.do")  # the listed file, not the korea.kr page
