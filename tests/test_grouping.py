"""Near-duplicate grouping (issue 20): the pure decision on a real release and our own
rewrites of it, and the routes of one release through the store, the pipeline and the web
view: a rewrite first (one alert), then the ministry feed and the OpenAPI copy join the story,
the release becomes its primary, no second alert; a wrong merge split stays split.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.pipeline import process_pending
from bot.render.common import sources_text
from bot.store.schema import articles, stories
from bot.store.stories import (
    article_story_ids,
    assign_pending,
    split_article,
    story_members,
)
from bot.store.summaries import story_documents
from bot.stories import (
    NearCandidate,
    apart_because,
    best_source,
    choose_near,
    near_match,
    source_rank,
)
from bot.story_features import find_aspect, find_figures, story_features
from bot.web.queries import story as story_view
from tests.core_helpers import FakeAdapter, add_feed

DATA = Path(__file__).resolve().parent / "data" / "grouping"
REWRITES = json.loads((DATA / "rewrites.json").read_text(encoding="utf-8"))


def release(name: str) -> tuple[str, str]:
    """Title and body of a stored release (markdown with a SOURCE line)."""
    text = (DATA / name).read_text(encoding="utf-8")
    lines = text.splitlines()
    title = next(line[2:] for line in lines if line.startswith("# "))
    body = text.split("## 본문", 1)[1]
    return title, body


BUDGET = release("release_156754060.txt")
PLASTIC = release("release_156754194.txt")
FESTIVAL = release("release_156754259.txt")  # the report of an opening ceremony


def feats(item: tuple[str, str] | dict[str, str]) -> object:
    """Features of a rewrite (a dict of rewrites.json) or of a release (a stored 정책브리핑
    release, title and body: an official source)."""
    if isinstance(item, dict):
        return story_features(item["title"], item["text"])
    return story_features(*item, official=True)


def candidate(item: tuple[str, str] | dict[str, str], clock: FixedClock, story: int = 1):
    f = feats(item)
    assert not isinstance(f, str)
    return NearCandidate(article_id=story, story_id=story, published_at=clock.now(), features=f)  # type: ignore[arg-type]


# --- the pure decision ---------------------------------------------------------------------


def test_figures_are_one_figure_however_written() -> None:
    assert (
        find_figures("1조 6,903억원")
        == find_figures("1조6903억원")
        == find_figures("1조 6903억 원")
    )
    assert find_figures("41만1000명") == find_figures("41만 1천명") == find_figures("411,000명")
    assert find_figures("62개 기업") != find_figures("59개 기업")


def test_rewrites_join_the_release(clock: FixedClock) -> None:
    for name in ("news_rewrite", "blog_rewrite"):
        match = near_match(feats(REWRITES[name]), clock.now(), candidate(BUDGET, clock))  # type: ignore[arg-type]
        assert match is not None, name
        assert "1.6903e+12원" in match.shared_figures and "중기부" in match.shared_agencies


def test_hard_negatives_stay_apart(clock: FixedClock) -> None:
    budget = candidate(BUDGET, clock)
    later = clock.now() + timedelta(days=10)
    # the same budget at another stage: the draft's figures differ
    draft = feats(REWRITES["draft_stage"])
    assert near_match(draft, later, budget) is None  # type: ignore[arg-type]
    assert "differ" in (apart_because(draft, budget.features) or "")  # type: ignore[arg-type]
    # the same ministry, the same day, another release
    assert near_match(feats(PLASTIC), clock.now(), budget) is None  # type: ignore[arg-type]
    # a monthly series, the next month (same day here: content alone must tell)
    march, feb = feats(REWRITES["monthly_march"]), feats(REWRITES["monthly_february"])
    assert (apart_because(march, feb) or "").startswith("titles name another 월")  # type: ignore[arg-type]
    # a round of a series: the same body, another round in the title
    one = story_features(f"{BUDGET[0]} (1차)", BUDGET[1])
    two = story_features(f"{BUDGET[0]} (2차)", BUDGET[1])
    assert apart_because(one, two) is not None
    assert near_match(march, clock.now(), candidate(REWRITES["monthly_february"], clock)) is None  # type: ignore[arg-type]


def test_a_preview_and_the_report_of_one_event_stay_apart(clock: FixedClock) -> None:
    """The preview of an opening and its report share nearly every word and figure; the
    tense of the event verb (개최한다 / 열립니다 vs 개최하였다 / 열었습니다 / 개막했습니다)
    tells them apart, and each still gathers its own rewrites."""
    report = candidate(FESTIVAL, clock, story=1)
    preview = candidate(REWRITES["festival_preview"], clock, story=2)
    assert report.features.aspect == {"held"} and preview.features.aspect == {"coming"}
    later = clock.now() + timedelta(days=3)
    for name in ("festival_report_rewrite", "festival_report_scene"):
        rewrite = feats(REWRITES[name])
        assert rewrite.aspect == {"held"}, name  # type: ignore[attr-defined]
        match = choose_near(rewrite, later, [preview, report])  # type: ignore[arg-type]
        assert match is not None and match.story_id == 1, name
        assert "event as" in (apart_because(rewrite, preview.features) or ""), name  # type: ignore[arg-type]
    rewrite = feats(REWRITES["festival_preview_rewrite"])
    assert rewrite.aspect == {"coming"}  # type: ignore[attr-defined]
    match = choose_near(rewrite, clock.now(), [report, preview])  # type: ignore[arg-type]
    assert match is not None and match.story_id == 2
    # a clause about last year's edition says nothing of this one
    assert find_aspect(
        "", "지난해 개막식은 대전에서 개최됐다. 올해 개막식은 11일 전주에서 열린다."
    ) == {"coming"}
    # an article that names no event taking place has no aspect: it is not kept apart by it
    assert feats(BUDGET).aspect == frozenset()  # type: ignore[attr-defined]


def test_a_story_with_a_member_kept_apart_is_not_joined(clock: FixedClock) -> None:
    """A listing that names no tense joined the preview's story; the report's rewrite
    resembles the listing, but the story also holds the preview, told as coming: it is not
    joined (single-link through the listing would have merged preview and report)."""
    preview = candidate(REWRITES["festival_preview"], clock, story=2)
    listing = feats(REWRITES["festival_listing"])
    assert listing.aspect == frozenset()  # type: ignore[attr-defined]
    assert near_match(listing, clock.now(), preview) is not None  # type: ignore[arg-type]
    member = NearCandidate(3, 2, clock.now(), listing)  # type: ignore[arg-type]
    report = feats(REWRITES["festival_report_rewrite"])
    later = clock.now() + timedelta(days=3)
    assert near_match(report, later, member) is not None  # type: ignore[arg-type]
    assert choose_near(report, later, [member, preview]) is None  # type: ignore[arg-type]
    assert choose_near(report, later, [member]) is not None  # type: ignore[arg-type]


def test_a_refused_story_is_never_joined_and_old_news_is_not_joined(clock: FixedClock) -> None:
    rewrite = feats(REWRITES["news_rewrite"])
    budget = candidate(BUDGET, clock, story=7)
    assert choose_near(rewrite, clock.now(), [budget], refused=frozenset({7})) is None  # type: ignore[arg-type]
    assert near_match(rewrite, clock.now() + timedelta(days=30), budget) is None  # type: ignore[arg-type]


def test_best_source_is_the_lowest_rank_then_the_first() -> None:
    """A story's primary is its first official article, else its first; ranked only until
    an official one is found (a story of hundreds of members gains one each cycle)."""
    news = "https://www.news1.kr/economy/{}"
    official = "https://www.mss.go.kr/site/smba/ex/bbs/View.do?cbIdx={}"
    members = [(3, news.format(3), ""), (5, official.format(5), ""), (9, official.format(9), "")]
    assert best_source(members) == 5
    assert best_source([(3, news.format(3), ""), (4, news.format(4), "")]) == 3
    via_feed = [(3, news.format(3), ""), (4, news.format(4), "https://apis.data.go.kr/1371000")]
    assert best_source(via_feed) == 4
    ranked: list[str] = []

    def counted() -> Iterator[tuple[int, str, str]]:
        for member in [(n, official.format(n), "") for n in range(1, 300)]:
            ranked.append(member[1])
            yield member

    assert best_source(counted()) == 1 and len(ranked) == 1


def test_official_sources_rank_first() -> None:
    assert source_rank("https://www.korea.kr/briefing/pressReleaseView.do?newsId=1") == 0
    assert source_rank("https://www.mss.go.kr/site/smba/ex/bbs/View.do?cbIdx=86") == 0
    assert source_rank("https://x.kr/a", "https://apis.data.go.kr/1371000/press") == 0
    assert source_rank("https://www.news1.kr/economy/1") == 1
    assert sources_text("뉴스1", ("뉴스1", "중기부", "아시아경제")) == (
        "출처 3곳: 뉴스1, 중기부, 아시아경제"
    )
    assert sources_text("뉴스1", ("뉴스1",)) == "뉴스1"


# --- one release by three routes, through the store -----------------------------------------


def _add(engine: Engine, feed: int, guid: str, url: str, title: str, text: str, when) -> int:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        key = conn.execute(
            articles.insert().values(
                feed_id=feed, guid=guid, url=url, title=title, text=text, published_at=when,
                fetched_at=when, content_hash=hashlib.sha256(text.encode()).hexdigest(),
            )
        ).inserted_primary_key  # fmt: skip
    assert key is not None
    return int(key[0])


async def test_one_release_three_routes_one_story_one_alert(
    engine: Engine, clock: FixedClock
) -> None:
    from tests.core_helpers import TitleSummarizer

    news = add_feed(engine, "뉴스1", clock.now())
    ministry = add_feed(engine, "중기부", clock.now())
    openapi = add_feed(engine, "정책브리핑", clock.now())
    rewrite = REWRITES["news_rewrite"]
    console = FakeAdapter()
    first = _add(
        engine, news, "n1", "https://www.news1.kr/economy/5800001", rewrite["title"],
        rewrite["text"], clock.now(),
    )  # fmt: skip
    report = await process_pending(
        engine, summarizer=TitleSummarizer(), clock=clock, console=console
    )
    assert len(report.new_story_ids) == 1 and len(console.sent) == 1  # the one alert
    [story_id] = report.new_story_ids

    clock.advance(3600)
    title, body = BUDGET
    release_id = _add(
        engine, ministry, "m1", "https://www.mss.go.kr/site/smba/ex/bbs/View.do?bcIdx=1060",
        title, body, clock.now(),
    )  # fmt: skip
    _add(
        engine, openapi, "156754060",
        "https://www.korea.kr/briefing/pressReleaseView.do?newsId=156754060&call_from=openData",
        title, body.replace("  ", " "), clock.now(),
    )  # fmt: skip
    _add(
        engine, ministry, "m2", "https://www.mss.go.kr/site/smba/ex/bbs/View.do?bcIdx=1061",
        PLASTIC[0], PLASTIC[1], clock.now(),
    )  # fmt: skip
    report = await process_pending(
        engine, summarizer=TitleSummarizer(), clock=clock, console=console
    )
    ids = article_story_ids(engine, [first, release_id])
    assert ids[first] == ids[release_id] == story_id
    assert len(report.new_story_ids) == 1  # only the other release is new
    assert len(console.sent) == 2  # ... and only it is alerted; the budget story is not again
    doc = story_documents(engine, [story_id]).get(story_id)
    assert doc is not None and doc.source == "중기부"  # the release speaks for the story
    with engine.connect() as conn:
        row = conn.execute(sa.select(stories).where(stories.c.id == story_id)).one()
        members = story_members(conn, [story_id])[story_id]
    assert row.source_count == 3 and row.matched_at is not None and row.summary is not None
    assert [m.reason for m in members] == ["first", "near", "near"] or [
        m.reason for m in members
    ] == ["first", "near", "text"]
    view = story_view(engine, story_id)
    assert view is not None and view.source_names == ("뉴스1", "중기부", "정책브리핑")
    assert any("같은 수치" in s.why for s in view.sources)

    # a wrong merge, split: the article gets its own story and never rejoins
    split = split_article(engine, release_id, clock.now())
    assert split is not None and split.from_story_id == story_id
    with engine.begin() as conn:
        conn.execute(articles.update().where(articles.c.id == release_id).values(story_id=None))
    assign_pending(engine, clock.now())
    assert article_story_ids(engine, [release_id])[release_id] != story_id


async def test_routes_in_one_cycle_the_release_is_primary(
    engine: Engine, clock: FixedClock
) -> None:
    """The rewrite and the release arrive in the same cycle, the rewrite first."""
    from tests.core_helpers import TitleSummarizer

    news = add_feed(engine, "뉴스1", clock.now())
    ministry = add_feed(engine, "중기부", clock.now())
    rewrite = REWRITES["blog_rewrite"]
    first = _add(
        engine, news, "b1", "https://blog.example.com/5", rewrite["title"], rewrite["text"],
        clock.now(),
    )  # fmt: skip
    release_id = _add(
        engine, ministry, "m1", "https://www.mss.go.kr/site/smba/ex/bbs/View.do?bcIdx=1060",
        BUDGET[0], BUDGET[1], clock.now(),
    )  # fmt: skip
    console = FakeAdapter()
    report = await process_pending(
        engine, summarizer=TitleSummarizer(), clock=clock, console=console
    )
    assert len(report.new_story_ids) == 1 and len(console.sent) == 1
    [story_id] = report.new_story_ids
    assert article_story_ids(engine, [first, release_id]) == {first: story_id, release_id: story_id}
    with engine.connect() as conn:
        row = conn.execute(sa.select(stories).where(stories.c.id == story_id)).one()
    assert row.primary_article_id == release_id and row.source_count == 2
    assert row.title == BUDGET[0]
    doc = story_documents(engine, [story_id])[story_id]
    assert doc.source == "중기부"


def test_cli_jsonl_story_explain_and_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As a user runs it: poll --once --format jsonl gives each item's story; explain says
    why; split takes the release out, and a poll after it leaves it out."""
    from bot.cli import main
    from tests.feed_server import FeedServer, rss
    from tests.test_cli_ingest import write_config

    def rss_item(guid: str, url: str, title: str, text: str) -> dict[str, str]:
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
        return {
            "title": html.escape(title), "guid": guid, "link": html.escape(url),
            "pubDate": "Sat, 11 Apr 2026 09:00:00 +0900", "content": paragraphs,
        }  # fmt: skip

    rewrite = REWRITES["news_rewrite"]
    with FeedServer() as server:
        news = server.add(
            "/news",
            rss([rss_item("n1", "https://www.news1.kr/e/1", rewrite["title"], rewrite["text"])]),
        )
        ministry = server.add(
            "/mss", rss([rss_item("m1", "https://www.mss.go.kr/v?b=1", BUDGET[0], BUDGET[1])])
        )
        config = write_config(
            tmp_path / "c.toml", tmp_path / "db.sqlite", {"뉴스1": news, "중기부": ministry}
        )
        assert main(["poll", "--once", "--format", "jsonl", "--config", str(config)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == 2 and records[0]["story"] == records[1]["story"]
    # the two feeds are fetched at once: either may be stored (and listed) first
    story = records[0]["story"]
    release = next(r["id"] for r in records if "mss.go.kr" in r["url"])

    assert main(["stories", "explain", str(story), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert ("2 articles from 2 sources (뉴스1, 중기부)" in out
            or "2 articles from 2 sources (중기부, 뉴스1)" in out), out  # fmt: skip
    assert "near: 기사 #" in out and "같은 수치: 1조 6,903억원" in out
    assert f"* #{release}" in out  # the release is the primary

    assert main(["stories", "split", str(release), "--config", str(config)]) == 0
    assert f"split from story {story}" in capsys.readouterr().out
    assert main(["stories", "split", str(release), "--config", str(config)]) == 1
    assert main(["stories", "explain", "999", "--config", str(config)]) == 1
    capsys.readouterr()
    assert main(["stories", "explain", str(story), "--config", str(config)]) == 0
    assert "1 article from 1 source (뉴스1)" in capsys.readouterr().out


# --- the same partition whatever the slice size ----------------------------------------------


def _all_fixtures() -> list[tuple[str, str]]:
    pieces = [BUDGET, PLASTIC, FESTIVAL]
    pieces += [(r["title"], r["text"]) for r in REWRITES.values()]
    return pieces


def _partition(engine: Engine) -> set[frozenset[int]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(articles.c.id, articles.c.story_id)).all()
    groups: dict[int, set[int]] = {}
    for article_id, story_id in rows:
        assert story_id is not None
        groups.setdefault(story_id, set()).add(article_id)
    return {frozenset(g) for g in groups.values()}


def _ungroup(engine: Engine) -> None:
    from bot.store.schema import article_features, grouping_keys, story_links

    with engine.begin() as conn:
        conn.execute(articles.update().values(story_id=None))
        for table in (story_links, grouping_keys, article_features, stories):
            conn.execute(table.delete())


def test_grouping_does_not_depend_on_the_slice_size(
    engine: Engine, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slices run in id order and see every earlier slice's stories and index keys, so one
    slice of all, slices of 3 and slices of 1 give the same stories (while no key holds more
    than PER_KEY candidates in the window: past that the newest are read, see the docs)."""
    import bot.store.stories as store_stories

    feed = add_feed(engine, "여러 곳", clock.now())
    for n, (title, text) in enumerate(_all_fixtures() * 2):
        # each piece twice, the copy under another URL a few hours later: exact and near
        # joins, a preview and its report, the same ministry's other release, all mixed
        _add(engine, feed, f"g{n}", f"https://example.kr/{n}", title, text,
             clock.now() + timedelta(hours=n % 7))  # fmt: skip
    partitions = []
    for size in (250, 3, 1):
        monkeypatch.setattr(store_stories, "SLICE", size)
        _ungroup(engine)
        assign_pending(engine, clock.now())
        partitions.append(_partition(engine))
    assert partitions[0] == partitions[1] == partitions[2]
    assert 1 < len(partitions[0]) < len(_all_fixtures()) * 2  # it groups, and not everything


def test_an_edited_article_is_compared_by_its_new_text(engine: Engine, clock: FixedClock) -> None:
    """A source replaces a preview's text with the report (same item, new version): the
    features and index keys follow the new text, so the report's rewrite that arrives next
    joins it instead of starting a story of its own."""
    from bot.store.articles import upsert_articles
    from bot.store.schema import article_features
    from bot.types import Article

    ministry = add_feed(engine, "중기부", clock.now())
    news = add_feed(engine, "뉴스", clock.now())
    preview = REWRITES["festival_preview"]

    def item(title: str, text: str) -> Article:
        return Article(
            feed_id=ministry, guid="festival", url="https://www.mss.go.kr/festival",
            title=title, text=text, published_at=clock.now(),
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
        )  # fmt: skip

    upsert_articles(engine, [item(preview["title"], preview["text"])], clock.now())
    assign_pending(engine, clock.now())
    clock.advance(3 * 86400)
    upsert_articles(engine, [item(*FESTIVAL)], clock.now())  # the same item, now the report
    with engine.connect() as conn:
        [(raw,)] = conn.execute(sa.select(article_features.c.features)).all()
    assert "held" in raw
    rewrite = REWRITES["festival_report_rewrite"]
    _add(engine, news, "r1", "https://news.example.kr/1", rewrite["title"], rewrite["text"],
         clock.now())  # fmt: skip
    report = assign_pending(engine, clock.now())
    assert report.near_joined == 1 and not report.new_story_ids


async def test_a_look_alike_url_does_not_speak_for_the_story(
    engine: Engine, clock: FixedClock
) -> None:
    """A rewrite whose URL merely names go.kr (in its path) comes first: it is read as a
    possible official source, source_rank refuses it, and the release that follows still
    becomes the primary (the settling reads the story's members only in that case)."""
    from tests.core_helpers import TitleSummarizer

    news = add_feed(engine, "뉴스1", clock.now())
    ministry = add_feed(engine, "중기부", clock.now())
    rewrite = REWRITES["blog_rewrite"]
    first = _add(
        engine, news, "b1", "https://blog.example.com/www.mss.go.kr/5", rewrite["title"],
        rewrite["text"], clock.now(),
    )  # fmt: skip
    await process_pending(engine, summarizer=TitleSummarizer(), clock=clock)
    release_id = _add(
        engine, ministry, "m1", "https://www.mss.go.kr/site/smba/ex/bbs/View.do?bcIdx=1060",
        BUDGET[0], BUDGET[1], clock.now(),
    )  # fmt: skip
    await process_pending(engine, summarizer=TitleSummarizer(), clock=clock)
    ids = article_story_ids(engine, [first, release_id])
    assert ids[first] == ids[release_id]
    with engine.connect() as conn:
        row = conn.execute(sa.select(stories).where(stories.c.id == ids[first])).one()
    assert row.primary_article_id == release_id and row.source_count == 2
