"""The source catalog end to end against a loopback ministry world (tests/ministry_world.py):
every catalog feed with its reported quirks, polled twice on both engines — the right
releases, times and texts, nothing new on the second poll; session ids make no new stories;
a site's feed found from its page; silent and ended feeds named in `feeds list`, /sources and
/healthz."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.cli import main
from bot.clock import FixedClock
from bot.commands import CommandCore
from bot.config import FeedSettings, FeedSource, Settings
from bot.pipeline import process_pending
from bot.sources.catalog import tell_ended_once
from bot.store import create_engine, from_db
from bot.store import feeds as feed_store
from bot.store.schema import articles, feeds
from bot.types import ChatRef
from bot.web.health import health_answer
from bot.web.queries import health
from tests.core_helpers import TitleSummarizer
from tests.feed_server import poll_sources
from tests.ministry_world import NOW, RELEASES, Answer, MinistryWorld

FULL_TEXT = {"금융위원회", "보건복지부", "산업통상부", "기후에너지환경부", "외교부", "인사혁신처",
             "중소벤처기업부", "과학기술정보통신부", "행정안전부", "통일부", "문화체육관광부",
             "농림축산식품부", "성평등가족부", "해양수산부", "식품의약품안전처"}  # fmt: skip
DEBRIS = ("hwpjson", "WordDocument", "mso", "StartFragment", "&middot;", "&amp;", "&nbsp;", "xxxx")


@pytest.fixture
def world() -> Iterator[MinistryWorld]:
    with MinistryWorld() as w:
        yield w


def settings_for(world: MinistryWorld, **changes: object) -> FeedSettings:
    sources = tuple(
        FeedSource(name=f"{body} 보도자료", url=url) for body, url in world.feeds().items()
    )
    base = FeedSettings(
        connect_timeout=1, read_timeout=3, total_timeout=8, max_bytes=2_000_000,
        max_redirects=3, backoff_initial=60, backoff_max=3600, poll_interval=300,
        sources=sources,
    )  # fmt: skip
    return base.model_copy(update=changes)


def stored(engine: Engine) -> dict[str, list[sa.Row[tuple[object, ...]]]]:
    """body → its stored articles."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(feeds.c.name, articles).join(feeds, feeds.c.id == articles.c.feed_id)
        ).all()
    found: dict[str, list[sa.Row[tuple[object, ...]]]] = {}
    for row in rows:
        found.setdefault(row.name.removesuffix(" 보도자료"), []).append(row)
    return found


async def test_every_catalog_source_polled_twice(engine: Engine, world: MinistryWorld) -> None:
    clock = FixedClock(NOW)
    settings = settings_for(world)
    first = await poll_sources(engine, settings, clock)
    assert {o.feed.name: (o.status, o.error) for o in first.outcomes if o.status != "ok"} == {}
    rows = stored(engine)
    assert set(rows) == set(RELEASES)
    for body, releases in RELEASES.items():
        got = {row.title: row for row in rows[body]}
        assert set(got) == {r.title for r in releases}, body  # the channel item is no release
        for release in releases:
            row = got[release.title]
            assert from_db(row.published_at) == release.when.astimezone(UTC), body
            if body in FULL_TEXT:
                assert row.text.startswith(release.lead), (body, row.text)
                assert release.phone in (row.contacts or ""), (body, row.contacts)
            for junk in DEBRIS:
                assert junk not in row.text and junk not in row.title, (body, junk)
            for identity in (row.url, row.guid):
                assert "jsessionid" not in identity and "sid=" not in identity
                assert "utm_" not in identity
    msit = {row.title: row.text for row in rows["과학기술정보통신부"]}
    assert "양자·기술" in msit["양자 기술 인력 양성 계획"]  # &amp;middot; decoded once
    assert all(row.text == "" for row in rows["재정경제부"])  # no description: title only
    assert all(row.url.startswith(world.origin + "/") for row in rows["기후에너지환경부"])

    clock.advance(400)
    second = await poll_sources(engine, settings, clock)
    assert len(second.outcomes) == len(RELEASES)
    assert [(o.feed.name, o.new, o.edited) for o in second.outcomes if o.new or o.edited] == []
    assert [(o.feed.name, o.error) for o in second.outcomes if o.error] == []
    # none sends a working validator: each answers 200, and the same bytes are not parsed
    # again (issue 22); links with a new session id per request, or the switch from EUC-KR
    # to UTF-8, make other bytes: parsed, and still nothing new or edited
    changing = {"기후에너지환경부", "중소벤처기업부", "외교부"}
    assert {o.feed.name.removesuffix(" 보도자료"): o.status for o in second.outcomes} == {
        body: "ok" if body in changing else "unchanged" for body in RELEASES
    }
    # 405 → POST, remembered: the second poll asks with POST at once
    motir = [a.method for a in world.asked_at("산업통상부")]
    assert motir == ["GET", "POST", "POST"]
    # the cookie gate's cookie kept for the next fetch: no second 307
    molit = world.asked_at("국토교통부")
    assert len(molit) == 3 and "TMOSHCooKie=" in molit[2].headers.get("cookie", "")
    assert "mozilla/" in molit[0].headers["user-agent"].lower()
    # EUC-KR, then UTF-8: the same releases, nothing edited
    assert len(world.asked_at("외교부")) == 3


async def test_session_ids_in_links_make_one_story_per_release(
    engine: Engine, world: MinistryWorld
) -> None:
    """Issue 21 item 5: guid-less items whose links carry a new jsessionid / sid= / utm_* on
    every request: three polls, one story and one alert each."""
    clock = FixedClock(NOW)
    bodies = ("기후에너지환경부", "중소벤처기업부")
    settings = settings_for(world).model_copy(
        update={"sources": tuple(FeedSource(name=b, url=world.url(b)) for b in bodies)}
    )
    stories: list[int] = []
    for _ in range(3):
        report = await poll_sources(engine, settings, clock)
        assert all(o.status == "ok" for o in report.outcomes)
        pipeline = await process_pending(engine, summarizer=TitleSummarizer(), clock=clock)
        stories.extend(pipeline.new_story_ids)
        clock.advance(400)
    assert len(stories) == sum(len(RELEASES[b]) for b in bodies)
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(articles)) == len(stories)


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite"}"\n'
        "[feeds]\nsources = []\nconnect_timeout = 1\nread_timeout = 2\ntotal_timeout = 4\n",
        encoding="utf-8",
    )
    return config


def test_feeds_add_by_name_and_by_site(
    world: MinistryWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    for name in ("중기부", "재정경제부", "금융위", "MCEE"):
        assert main(["feeds", "add", name, "--config", str(config)]) == 0
    assert main(["feeds", "add", "과기정통부", "--name", "과기부", "--config", str(config)]) == 0
    assert (
        main(["feeds", "add", "중소벤처기업부", "--config", str(config)]) == 1
    )  # followed already
    assert main(["feeds", "add", "국방부", "--config", str(config)]) == 1  # no feed of its own
    assert main(["feeds", "add", "없는기관", "--config", str(config)]) == 1
    out = capsys.readouterr()
    assert "중소벤처기업부 보도자료 (https://www.mss.go.kr/rss/smba/board/86.do)" in out.out
    assert "재정경제부 보도자료" in out.out and "금융위원회 보도자료" in out.out
    assert "기후에너지환경부 보도자료" in out.out and "added feed 5: 과기부" in out.out
    assert "known: <link> in CDATA" in out.out
    assert "국방부는 보도자료 피드가 없어요" in out.err and "정책브리핑" in out.err
    assert "카탈로그에 없는 이름이에요: 없는기관" in out.err

    # a site's home page that announces its feed: followed, named by the feed's own title
    assert main(["feeds", "add", world.origin + "/news/", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"{world.origin}/news/rss/allArticle.xml (announced by the page)" in out
    assert "added feed 6: 뉴스다오 전체기사" in out
    # a page that announces none and has none at the usual paths: refused in Korean
    assert main(["feeds", "add", world.origin + "/nofeed/", "--config", str(config)]) == 1
    assert "피드를 찾지 못했어요" in capsys.readouterr().err
    # a page that announces nothing, with a feed at a usual path of its site
    world.routes["/rss"] = world.routes[world.url("통일부").removeprefix(world.origin)]
    assert main(["feeds", "add", world.origin + "/nofeed/", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"{world.origin}/rss (at a usual path)" in out and "통일부 보도자료" in out
    # an ended service: refused with what replaces it
    assert (
        main(["feeds", "add", "https://www.korea.kr/rss/policy.xml", "--config", str(config)]) == 1
    )
    err = capsys.readouterr().err
    assert "2026-07-01" in err and "OpenAPI" in err

    assert main(["feeds", "catalog", "--config", str(config)]) == 0
    listing = capsys.readouterr().out
    assert "중소벤처기업부 (중기부, MSS; formerly 중소기업청)" in listing
    assert "followed as #1" in listing
    assert "answers GET with 405 (Allow: POST)" in listing
    assert "고용노동부" in listing and "no press-release feed of its own" in listing


async def test_silent_and_ended_feeds_are_named_everywhere(
    engine: Engine,
    world: MinistryWorld,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A feed that had items and now returns none, one that never had any, one quiet far
    longer than its rhythm, and one of 정책브리핑's ended RSS: `/sources`, /healthz and the log."""
    clock = FixedClock(NOW)
    served = {"n": 0}

    def emptied(asked: object) -> Answer:
        served["n"] += 1
        route = world.routes[world.url("보건복지부").removeprefix(world.origin)]
        if served["n"] == 1:
            return route(asked)  # type: ignore[arg-type]
        return Answer(body=b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                      b"</channel></rss>")  # fmt: skip

    world.routes["/emptied"] = emptied
    world.routes["/empty"] = lambda asked: Answer(
        body=b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    )
    sources = (
        FeedSource(name="비워진 피드", url=world.origin + "/emptied"),
        FeedSource(name="빈 피드", url=world.origin + "/empty"),
        FeedSource(name="조용한 피드", url=world.url("기후에너지환경부")),  # newest: July
        FeedSource(name="좋은 피드", url=world.url("외교부")),
        FeedSource(name="정책브리핑 보도자료", url="https://www.korea.kr/rss/pressrelease.xml"),
    )
    settings = settings_for(world).model_copy(update={"sources": sources[:4]})
    await poll_sources(engine, settings, clock)
    clock.advance(400)
    await poll_sources(engine, settings, clock)
    feed_store.sync_sources(engine, sources, clock.now())  # the ended feed, never fetched here

    c = CommandCore(engine, Settings(), clock)
    reply = (
        await c.handle(ChatRef("fake", "1"), "alice", "/sources", is_admin=True, is_group=False)
    ).text
    lines = {
        line.split(" — ")[0].split(" ", 1)[1]: line for line in reply.splitlines() if " — " in line
    }
    assert "전에는 글이 있었는데 지금은 0개예요" in lines["비워진 피드"]
    assert "글이 0개예요" in lines["빈 피드"]
    assert "일째 새 글이 없어요" in lines["조용한 피드"] and "85일째" in lines["조용한 피드"]
    assert "정상" in lines["좋은 피드"]
    assert "정책브리핑 RSS는 2026-07-01에 끝났어요" in lines["정책브리핑 보도자료"]

    state = health(engine, now=clock.now(), started_at=NOW, poll_interval=300)
    body, status = health_answer(state)
    assert status == 200 and body["feeds"]["silent"] == 3 and body["feeds"]["ok"] == 1
    words = {item["name"]: item["state"] for item in body["silent"]}
    assert words["비워진 피드"] == "silent: the feed had items and now returns none"
    assert words["빈 피드"] == "silent: the feed returns 0 items"
    assert words["조용한 피드"].startswith("silent: nothing new for 85 days, usually every")
    [notice] = body["notices"]
    assert notice["name"] == "정책브리핑 보도자료" and "OpenAPI" in notice["notice"]

    # told once in the log, however often asked
    with caplog.at_level(logging.WARNING):
        listed = [(f.id, f.name, f.url) for f in feed_store.list_feeds(engine)]
        told: set[str] = set()
        tell_ended_once(listed, logging.getLogger("test"), told)
        tell_ended_once(listed, logging.getLogger("test"), told)
    told = [r for r in caplog.records if "서비스를 끝냈어요" in r.getMessage()]
    assert len(told) == 1

    # every feed silent or failing: /healthz says so
    with engine.begin() as conn:
        conn.execute(feeds.update().where(feeds.c.name == "좋은 피드").values(item_count=0))
    state = health(
        engine, now=clock.now() + timedelta(seconds=1), started_at=NOW, poll_interval=300
    )
    body, status = health_answer(state)
    assert status == 503 and "silent" in body["reason"]


def test_feeds_list_names_silent_and_ended_feeds(
    world: MinistryWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    world.routes["/empty"] = lambda asked: Answer(
        body=b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    )
    assert main(["feeds", "add", world.origin + "/empty", "--config", str(config)]) == 0
    assert main(["poll", "--once", "--config", str(config)]) == 0
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    feed_store.add_feed(engine, "https://www.korea.kr/rss/pressrelease.xml", "정책브리핑", NOW)
    engine.dispose()
    capsys.readouterr()
    assert main(["feeds", "list", "--config", str(config)]) == 0
    listing = capsys.readouterr().out
    assert "status:       silent: the feed returns 0 items" in listing
    assert "notice:       정책브리핑 RSS는 2026-07-01에 서비스를 끝냈어요" in listing
