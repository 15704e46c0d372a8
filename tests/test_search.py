"""Search on both engines: Korean forms, syntax, filters, ranking, re-indexing, hostile input."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import bot.search as search_module
import bot.store.search_index.common as search_index_common
from bot.errors import CommandError
from bot.messages import SearchPage
from bot.search import index_pending, search
from bot.store import create_engine
from tests.search_corpus import BASE_TIME, QUERIES, add_feed, add_story, load_corpus

NOW = BASE_TIME + timedelta(days=1)


def ids_of(page: SearchPage) -> list[int]:
    return [hit.story_id for hit in page.hits]


def find(engine: Engine, query: str, **kwargs: object) -> list[int]:
    return ids_of(search(engine, query, limit=20, now=NOW, **kwargs))  # type: ignore[arg-type]


@pytest.fixture
def small(engine: Engine) -> dict[str, int]:
    """A few stories written for the tests."""
    feed = add_feed(engine, "정책브리핑")
    other_feed = add_feed(engine, "중기부 보도자료")
    stories = {
        "deeptech": add_story(
            engine,
            feed,
            title="딥테크 스케일업 밸리 육성",
            text="과학기술정보통신부는 딥테크를 키우는 창업 거점을 만든다. 300억원을 투입한다.",
            published_at=BASE_TIME - timedelta(days=3),
        ),
        "ai_chip": add_story(
            engine,
            other_feed,
            title="중기부, 초격차 스타트업 지원",
            text="중소벤처기업부는 인공지능(AI) 반도체 스타트업과 sLLM 기업을 지원한다.",
            published_at=BASE_TIME - timedelta(days=40),
        ),
        "quantum": add_story(
            engine,
            feed,
            title="양자 기술 특구 지정",
            text="정부는 양자 특구를 지정하고 지역 혁신특구와 연계한다. 과기정통부 발표.",
            published_at=BASE_TIME - timedelta(days=400),
        ),
        "police": add_story(
            engine,
            feed,
            title="경찰청, 버스전용차로 위반 집중단속",
            text="경찰청은 봄 행락철 버스전용차로 위반 차량을 단속한다. 전용차로의 위반 차량.",
            published_at=BASE_TIME - timedelta(days=1),
        ),
    }
    assert index_pending(engine) == 4
    return stories


def test_korean_as_people_type_it(engine: Engine, small: dict[str, int]) -> None:
    assert find(engine, "딥테크") == [small["deeptech"]]
    assert find(engine, "딥테크를") == [small["deeptech"]]
    assert find(engine, "스케일업") == [small["deeptech"]]
    assert find(engine, "양자") == [small["quantum"]]
    assert set(find(engine, "특구")) == {small["quantum"]}
    assert find(engine, "창업") == [small["deeptech"]]
    assert find(engine, "AI 반도체") == [small["ai_chip"]]
    assert find(engine, "sllm") == [small["ai_chip"]]
    assert find(engine, "SLLM을") == [small["ai_chip"]]
    assert find(engine, "300억") == [small["deeptech"]]
    assert find(engine, "없는단어") == []


def test_all_words_phrase_and_exclusion(engine: Engine, small: dict[str, int]) -> None:
    assert find(engine, "양자 경찰청") == []
    assert find(engine, "버스전용차로 위반") == [small["police"]]
    assert find(engine, '"버스전용차로 위반"') == [small["police"]]
    assert find(engine, '"위반 버스전용차로"') == []
    assert set(find(engine, "지원 -sLLM")) == set()
    assert find(engine, "특구 -혁신특구") == []
    assert find(engine, "특구 -경찰청") == [small["quantum"]]


def test_filters_agency_with_aliases_topic_dates_feed(
    engine: Engine, small: dict[str, int]
) -> None:
    everything = set(small.values())
    assert set(find(engine, "지원 OR 양자 OR 딥테크")) <= everything
    assert find(engine, "딥테크", agency="과기정통부") == [small["deeptech"]]
    assert find(engine, "딥테크", agency="과학기술정보통신부") == [small["deeptech"]]
    assert find(engine, "딥테크", agency="중기부") == []
    assert find(engine, "반도체", agency="중소벤처기업부") == [small["ai_chip"]]
    assert find(engine, "반도체", topic="인공지능") == [small["ai_chip"]]
    assert find(engine, "반도체", topic="교통") == []
    assert find(engine, "양자", since=date(2025, 6, 1)) == []
    assert find(engine, "양자", until=date(2025, 3, 31)) == [small["quantum"]]
    assert find(engine, "딥테크", since=BASE_TIME - timedelta(days=3)) == [small["deeptech"]]
    assert find(engine, "딥테크", until=BASE_TIME - timedelta(days=4)) == []
    feed_id = _feed_of(engine, small["ai_chip"])
    assert find(engine, "반도체", feed_id=feed_id) == [small["ai_chip"]]
    assert find(engine, "딥테크", feed_id=feed_id) == []


def _feed_of(engine: Engine, story_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT feed_id FROM articles WHERE story_id = :s"), {"s": story_id}
            ).scalar_one()
        )


def test_bad_filters_are_explained_in_korean(engine: Engine, small: dict[str, int]) -> None:
    with pytest.raises(CommandError, match="기관을 찾지 못했어요"):
        search(engine, "딥테크", agency="없는부", now=NOW)
    with pytest.raises(CommandError, match="주제를 찾지 못했어요"):
        search(engine, "딥테크", topic="우주여행", now=NOW)
    with pytest.raises(CommandError, match="기간이 잘못됐어요"):
        search(engine, "딥테크", since=date(2026, 4, 2), until=date(2026, 4, 1), now=NOW)


def test_hit_has_headline_agency_date_snippet_and_link(
    engine: Engine, small: dict[str, int]
) -> None:
    (hit,) = search(engine, "딥테크를", now=NOW).hits
    assert hit.story_id == small["deeptech"]
    assert hit.headline == "딥테크 스케일업 밸리 육성"
    assert hit.agency == "과기정통부"
    assert hit.published_at == BASE_TIME - timedelta(days=3)
    assert ("딥테크", True) in hit.snippet
    assert "".join(text for text, _ in hit.snippet).startswith("과학기술정보통신부는 딥테크를")
    assert hit.url.startswith("https://example.kr/a/")


def test_ranking_title_and_frequency_then_recency(engine: Engine) -> None:
    feed = add_feed(engine)
    at = BASE_TIME - timedelta(days=10)
    body_once = add_story(
        engine, feed, title="지역 소식", text="여러 사업 가운데 특구도 있다.", published_at=at
    )
    in_title = add_story(
        engine, feed, title="특구 지정 발표", text="특구 지정 절차를 밝혔다.", published_at=at
    )
    index_pending(engine)
    assert find(engine, "특구") == [in_title, body_once]
    # Equal text: the newer story ranks first.
    old = add_story(
        engine, feed, title="로봇 실증", text="로봇 실증 사업", published_at=at, guid="old"
    )
    new = add_story(
        engine, feed, title="로봇 실증", text="로봇 실증 사업", published_at=BASE_TIME, guid="new"
    )
    index_pending(engine)
    assert find(engine, "로봇") == [new, old]


def test_pages_and_has_more(engine: Engine) -> None:
    feed = add_feed(engine)
    ids = [
        add_story(
            engine,
            feed,
            title=f"반도체 소식 {i}",
            text="반도체 지원",
            published_at=BASE_TIME - timedelta(days=i),
        )
        for i in range(7)
    ]
    index_pending(engine)
    first = search(engine, "반도체", limit=3, now=NOW)
    second = search(engine, "반도체", limit=3, offset=3, now=NOW)
    last = search(engine, "반도체", limit=3, offset=6, now=NOW)
    assert first.has_more and second.has_more and not last.has_more
    assert ids_of(first) + ids_of(second) + ids_of(last) == ids  # newest first at equal text


def test_digest_is_indexed_and_gives_the_headline(engine: Engine) -> None:
    feed = add_feed(engine)
    story = add_story(
        engine,
        feed,
        title="보도자료 원문 제목",
        text="본문에는 그 단어가 없다.",
        published_at=BASE_TIME,
        summary={
            "headline": "우주항공 스타트업 지원",
            "bullets": ["발사체 기업을 돕는다"],
            "agencies": ["과학기술정보통신부"],
            "topics": ["창업·벤처"],
        },
    )
    assert index_pending(engine) == 2  # the article and the digest
    (hit,) = search(engine, "발사체", now=NOW).hits
    assert (hit.story_id, hit.headline, hit.agency) == (
        story,
        "우주항공 스타트업 지원",
        "과기정통부",
    )
    assert ("발사체", True) in hit.snippet
    assert find(engine, "원문") == [story]
    assert find(engine, "발사체", topic="창업") == [story]


def test_edited_article_and_new_digest_are_reindexed(engine: Engine) -> None:
    feed = add_feed(engine)
    story = add_story(
        engine, feed, title="초안 제목", text="수소 충전소 확충", published_at=BASE_TIME
    )
    assert index_pending(engine) == 1
    assert index_pending(engine) == 0
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE articles SET text = :t, updated_at = :u WHERE story_id = :s"),
            {"t": "전기차 충전소 확충", "u": BASE_TIME + timedelta(hours=1), "s": story},
        )
        conn.execute(
            sa.text("UPDATE stories SET summary = :j, summarized_at = :u WHERE id = :s"),
            {
                "j": '{"headline": "충전소 확충", "bullets": ["전기차"]}',
                "u": BASE_TIME + timedelta(hours=1),
                "s": story,
            },
        )
    assert index_pending(engine) == 2
    assert find(engine, "수소") == []  # the old text's index entry no longer answers
    assert find(engine, "전기차") == [story]
    assert search(engine, "전기차", now=NOW).hits[0].headline == "충전소 확충"
    assert index_pending(engine) == 0


def test_articles_without_a_story_wait(engine: Engine) -> None:
    feed = add_feed(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO articles (feed_id, guid, url, title, text, published_at,"
                " fetched_at, content_hash)"
                " VALUES (:f, 'g', 'https://x.kr/1', '대기', '대기 기사', :t, :t, 'h')"
            ),
            {"f": feed, "t": BASE_TIME},
        )
    assert index_pending(engine) == 0


HOSTILE = [
    "",
    "가",
    "칩",
    "a",
    "가" * 2000,
    "?!.,;:*^",
    '"딥테크',
    'a"b"c"',
    "NEAR(딥테크 창업, 5)",
    "딥테크*",
    "^딥테크",
    "딥테크 OR 양자",
    "title:딥테크",
    "body:양자 -title:특구",
    "'; DROP TABLE search_docs; --",
    "1 OR 1=1",
    "%_%",
    "\\'\"",
    "😀🚀",
    "딥테크🚀",
    "AI반도체sLLM300억",
    "Квантовый 量子 양자",
    "-",
    "--",
    "- -",
    '""',
    "(",
    "\x00딥테크",
    "ＡＩ　반도체",
    " ".join(["반도체"] * 100),
    " ".join(f"단어{i}" for i in range(50)),
]


def test_hostile_queries_answer_or_explain_quickly(engine: Engine, small: dict[str, int]) -> None:
    for text in HOSTILE:
        started = time.perf_counter()
        try:
            page = search(engine, text, now=NOW)
        except CommandError as e:
            assert e.reply and len(e.reply) < 120, text
        else:
            assert isinstance(page, SearchPage), text
        assert time.perf_counter() - started < 2.5, text


def test_corpus_documents_are_found_from_both_forms(engine: Engine) -> None:
    ids = load_corpus(engine)
    index_pending(engine)
    seed = ids["seeds__000_6fb3ceb66007639a.txt"]
    assert find(engine, "딥테크를")[0] == seed
    assert find(engine, "양자컴퓨터", since=datetime(2000, 1, 1, tzinfo=UTC))[0] == seed


def test_a_query_over_the_time_limit_is_explained(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_corpus(engine)
    index_pending(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:  # what the limit does there: the server cancels
            conn.execute(sa.text("SET LOCAL statement_timeout = 50"))
            with pytest.raises(sa.exc.OperationalError) as info:
                conn.execute(sa.text("SELECT pg_sleep(1)"))
        assert search_module.is_timeout(info.value)
        return
    monkeypatch.setattr(search_index_common, "QUERY_TIMEOUT_S", -1.0)
    with pytest.raises(CommandError, match="너무 오래"):
        search(engine, "지원", now=NOW)


def test_same_matches_on_both_engines(sqlite_url: str, pg_url: str) -> None:
    cases = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    found: list[list[set[str]]] = []
    for url in (sqlite_url, pg_url):
        engine = create_engine(url)
        names = {v: k for k, v in load_corpus(engine).items()}
        index_pending(engine)
        found.append(
            [
                {names[h.story_id] for h in search(engine, c["query"], limit=50, now=NOW).hits}
                for c in cases
            ]
        )
        engine.dispose()
    assert found[0] == found[1]


def three_hydrogen_stories(engine: Engine) -> list[int]:
    """Three stories whose text says 수소, queued for indexing."""
    feed = add_feed(engine)
    return [
        add_story(engine, feed, title=f"수소 소식 {i}", text="수소 충전소", published_at=BASE_TIME)
        for i in range(3)
    ]


def test_a_crash_mid_indexing_skips_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = three_hydrogen_stories(engine)
    real_write = search_module.index.write_docs
    calls = []

    def crash_on_second_batch(conn: sa.Connection, docs: list[object], now: object) -> None:
        calls.append(docs)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        real_write(conn, docs, now)  # type: ignore[arg-type]

    monkeypatch.setattr(search_module.index, "write_docs", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        index_pending(engine, batch=1)
    monkeypatch.setattr(search_module.index, "write_docs", real_write)
    assert index_pending(engine) == 2  # the batch that failed was rolled back, still queued
    assert sorted(find(engine, "수소")) == sorted(ids)
    assert index_pending(engine) == 0


def test_a_pass_indexes_what_was_queued_when_it_began(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every document queued when the pass began is indexed, in batches of its own
    transaction; what is queued meanwhile (a poll storing edits) waits for the next pass, so
    a pass ends however fast new work comes."""
    ids = three_hydrogen_stories(engine)
    real_write = search_module.index.write_docs
    batches = []

    def write_and_queue_more(conn: sa.Connection, docs: list[object], now: object) -> None:
        batches.append(docs)
        real_write(conn, docs, now)  # type: ignore[arg-type]
        conn.execute(  # an article edited meanwhile: queued again
            sa.text("INSERT INTO search_queue (kind, ref_id) SELECT 'article', min(id) FROM "
                    "articles")
        )  # fmt: skip

    monkeypatch.setattr(search_module.index, "write_docs", write_and_queue_more)
    assert index_pending(engine, batch=1) == 3
    assert len(batches) == 3  # one transaction per batch
    monkeypatch.setattr(search_module.index, "write_docs", real_write)
    assert index_pending(engine) == 1  # the three re-queued rows name one article
    assert index_pending(engine) == 0
    assert sorted(find(engine, "수소")) == sorted(ids)


def test_finding_pending_work_does_not_walk_the_archive(engine: Engine) -> None:
    feed = add_feed(engine)
    add_story(engine, feed, title="수소 충전소", text="수소 충전소 확충", published_at=BASE_TIME)
    index_pending(engine)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM search_queue")).scalar_one() == 0
        # Updates that do not change what is indexed queue nothing.
        conn.execute(sa.text("UPDATE stories SET matched_at = first_seen_at"))
        conn.commit()
        assert conn.execute(sa.text("SELECT count(*) FROM search_queue")).scalar_one() == 0
    assert index_pending(engine) == 0


def test_deleted_article_and_article_leaving_its_story_are_unindexed(engine: Engine) -> None:
    feed = add_feed(engine)
    gone = add_story(engine, feed, title="수소 충전소", text="수소", published_at=BASE_TIME)
    moved = add_story(engine, feed, title="수소 버스", text="수소", published_at=BASE_TIME)
    index_pending(engine)
    assert sorted(find(engine, "수소")) == sorted([gone, moved])
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM articles WHERE story_id = :s"), {"s": gone})
        conn.execute(
            sa.text("UPDATE articles SET story_id = NULL WHERE story_id = :s"), {"s": moved}
        )
    assert index_pending(engine) == 0
    assert find(engine, "수소") == []
