"""The pure middle of issue 4: story keys, matching, digest selection and digest_due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest import DigestCandidate, build_digest, digest_due, next_digest_at, score
from bot.matching import Matcher, Rules, matches, story_facts
from bot.messages import DigestEntry
from bot.stories import canonical_url, normalize_title, story_keys
from bot.types import Contact, Summary


def test_canonical_url_drops_tracking_and_fragment() -> None:
    a = canonical_url("https://WWW.korea.kr/briefing/view.do?newsId=1&call_from=rsslink#top")
    b = canonical_url("https://www.korea.kr:443/briefing/view.do?utm_source=x&newsId=1")
    assert a == b == "https://www.korea.kr/briefing/view.do?newsId=1"
    assert canonical_url("https://a.kr/x/?b=2&a=1") == "https://a.kr/x?a=1&b=2"


def test_normalize_title_ignores_prefix_and_punctuation() -> None:
    assert normalize_title("[보도자료] 반도체 지원사업 공고!") == normalize_title(
        "반도체  지원사업 공고"
    )
    assert not story_keys("https://a.kr", "보도자료", "h").title_usable


def facts(text: str, **kw: object) -> object:
    return story_facts(1, text, None, **kw)  # type: ignore[arg-type]


def test_keywords_match_on_korean_word_boundaries() -> None:
    f = story_facts(
        1, "정부가 시스템반도체를 키우고 AI가 규제자유특구에서 양자컴퓨터를 만든다", None
    )
    for word in ("반도체", "시스템반도체", "ai", "특구", "양자", "양자컴퓨터"):
        assert f.has_word(word), word
    g = story_facts(2, "입양자 지원과 MAIL 서비스 개선", None)
    assert not g.has_word("양자")
    assert not g.has_word("ai")
    assert g.has_word("입양자")


def test_rules_includes_and_excludes() -> None:
    summary = Summary(headline="반도체 지원", bullets=["부동산 대책도 함께"], topics=["반도체"])
    f = story_facts(7, "과학기술정보통신부, 반도체 지원 발표", summary, feed_ids=[3])
    assert "과기정통부" in f.agencies
    assert matches(Rules(topics=frozenset({"반도체"})), f)
    assert matches(Rules(agencies=frozenset({"과기정통부"})), f)
    assert matches(Rules(feeds=frozenset({3})), f)
    assert matches(Rules(keywords=frozenset({"지원"})), f)
    assert not matches(Rules(topics=frozenset({"반도체"}), excludes=frozenset({"부동산"})), f)
    assert not matches(Rules(), f)  # an empty subscription follows nothing
    assert not matches(Rules(topics=frozenset({"AI"})), f)


def test_matcher_index_agrees_with_rule_by_rule_matching() -> None:
    chats = {
        1: Rules(topics=frozenset({"반도체"})),
        2: Rules(keywords=frozenset({"양자"})),
        3: Rules(keywords=frozenset({"반도체"}), excludes=frozenset({"부동산"})),
        4: Rules(agencies=frozenset({"중기부"})),
        5: Rules(),
        6: Rules(feeds=frozenset({9})),
    }
    stories = [
        story_facts(1, "반도체 부동산", Summary(headline="h", bullets=[], topics=["반도체"])),
        story_facts(2, "입양자 지원", None),
        story_facts(3, "중소벤처기업부 양자 기술 창업 지원", None, feed_ids=[9]),
    ]
    matcher = Matcher(chats)
    for story in stories:
        assert matcher.chats_for(story) == {c for c, r in chats.items() if matches(r, story)}
    assert matcher.chats_for(stories[0]) == {1}
    assert matcher.chats_for(stories[2]) == {2, 4, 6}


KST_8AM = datetime(2026, 4, 10, 23, 0, tzinfo=UTC)  # 2026-04-11 08:00 KST


def test_digest_due_in_kst_and_once_per_local_day() -> None:
    due = dict(daily_time="08:00", timezone="Asia/Seoul")
    assert not digest_due(now=KST_8AM - timedelta(minutes=1), last_digest_at=None, **due)
    assert digest_due(now=KST_8AM, last_digest_at=None, **due)
    # sent yesterday 08:00 KST → due again; sent today → not due until tomorrow
    assert digest_due(now=KST_8AM, last_digest_at=KST_8AM - timedelta(days=1), **due)
    assert not digest_due(now=KST_8AM + timedelta(hours=5), last_digest_at=KST_8AM, **due)
    # a bot that was down at 08:00 catches up later the same local day
    assert digest_due(now=KST_8AM + timedelta(hours=10), last_digest_at=None, **due)
    assert next_digest_at(now=KST_8AM + timedelta(hours=1), last_digest_at=KST_8AM, **due) == (
        KST_8AM + timedelta(days=1)
    )


def test_digest_due_other_zones_and_dst() -> None:
    # New York: 08:00 EDT = 12:00 UTC in summer, 08:00 EST = 13:00 UTC in winter
    ny = dict(daily_time="08:00", timezone="America/New_York", last_digest_at=None)
    assert digest_due(now=datetime(2026, 7, 1, 12, 0, tzinfo=UTC), **ny)
    assert not digest_due(now=datetime(2026, 1, 5, 12, 30, tzinfo=UTC), **ny)
    assert digest_due(now=datetime(2026, 1, 5, 13, 0, tzinfo=UTC), **ny)
    # the DST switch day (2026-03-08): 08:00 EDT = 12:00 UTC
    assert digest_due(now=datetime(2026, 3, 8, 12, 0, tzinfo=UTC), **ny)
    assert not digest_due(now=datetime(2026, 3, 8, 11, 59, tzinfo=UTC), **ny)


def candidate(
    story_id: int,
    title: str,
    topics: list[str],
    *,
    agencies: tuple[str, ...] = (),
    sources: int = 1,
    age_hours: float = 1.0,
) -> DigestCandidate:
    summary = Summary(headline=title, bullets=[], topics=topics)
    entry = DigestEntry(
        story_id=story_id,
        headline=title,
        url=f"https://example.kr/{story_id}",
        agencies=agencies,
        published_at=KST_8AM - timedelta(hours=age_hours),
        contacts=(Contact(department="반도체과", phone="044-202-0000"),),
        source_count=sources,
    )
    return DigestCandidate(
        entry=entry,
        facts=story_facts(story_id, title, summary),
        topics=tuple(topics),
        first_seen_at=KST_8AM - timedelta(hours=age_hours),
    )


def test_build_digest_ranks_groups_and_caps() -> None:
    rules = Rules(topics=frozenset({"반도체", "AI"}), agencies=frozenset({"중기부"}))
    items = [
        candidate(1, "반도체 1", ["반도체"]),
        candidate(2, "반도체 2 여러 곳", ["반도체"], sources=3),
        candidate(3, "AI 중기부", ["AI"], agencies=("중기부",)),
        candidate(4, "오래된 반도체", ["반도체"], age_hours=20),
        candidate(5, "양자 소식", ["양자"]),  # not followed
        candidate(6, "반도체 옛날", ["반도체"], age_hours=72),  # before since
    ]
    digest = build_digest(
        items,
        rules,
        since=KST_8AM - timedelta(days=1),
        now=KST_8AM,
        timezone="Asia/Seoul",
        max_items=3,
    )
    assert digest is not None
    ids = [e.story_id for s in digest.sections for e in s.entries]
    assert ids == [3, 2, 1]  # followed agency first, then more sources, then recency
    assert [s.topic for s in digest.sections] == ["AI", "반도체"]
    assert digest.omitted == 1  # story 4 did not fit
    assert digest.sections[1].entries[0].contacts[0].phone == "044-202-0000"
    assert score(items[1], rules, KST_8AM) > score(items[0], rules, KST_8AM)
    assert (
        build_digest(items[4:5], rules, since=None, now=KST_8AM, timezone="UTC", max_items=3)
        is None
    )


def test_a_slot_already_past_when_the_schedule_was_chosen_is_not_owed() -> None:
    kst_0900 = datetime(2026, 4, 11, 0, 0, tzinfo=UTC)  # 09:00 KST
    # /time 07:30 sent at 09:00: nothing now, next digest tomorrow 07:30 KST
    due = digest_due(
        now=kst_0900,
        daily_time="07:30",
        timezone="Asia/Seoul",
        last_digest_at=None,
        schedule_changed_at=kst_0900,
    )
    assert not due
    when = next_digest_at(
        now=kst_0900,
        daily_time="07:30",
        timezone="Asia/Seoul",
        last_digest_at=None,
        schedule_changed_at=kst_0900,
    )
    assert when == datetime(2026, 4, 11, 22, 30, tzinfo=UTC)
    # chosen the evening before: today's 07:30 slot is owed, and caught up if the bot was down
    evening = kst_0900 - timedelta(hours=14)
    assert digest_due(
        now=kst_0900,
        daily_time="07:30",
        timezone="Asia/Seoul",
        last_digest_at=None,
        schedule_changed_at=evening,
    )
