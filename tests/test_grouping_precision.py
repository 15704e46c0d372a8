"""Grouping precision (issue 20, second round): what keeps two releases of one programme
apart when they share words and figures, without splitting a release from its routes.

The texts are our own, written in the style of 정책브리핑 releases and of outlets' rewrites:
a ministry's two releases of one day on one supplementary budget (the total, and the part of
it for construction), the same release by the ministry feed (an excerpt) and the OpenAPI
(subtitles, then the full text), rewrites of each, and the preview of a festival whose lead
opens with sub-headlines.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.engine import Engine

from bot.clock import FixedClock
from bot.store.stories import article_story_ids, assign_pending
from bot.stories import (
    NEAR_SIMILARITY,
    NearCandidate,
    apart_because,
    choose_near,
    containment,
    near_match,
    similarity,
)
from bot.story_features import StoryFeatures, find_aspect, find_stages, story_features
from tests.core_helpers import add_article, add_feed

# --- our own texts -------------------------------------------------------------------------

TOTAL_TITLE = "국토교통부 소관 2026년 제2회 추가경정예산 1조 2,480억 원 확정"
TOTAL_SUBHEADS = (
    "산불 피해 복구·항공 안전 보강에 3,120억 원, 국회 심사에서 9,360억 원 늘어\n"
    "올해 국토부 예산 61조 4천억 원으로 증가\n"
)
TOTAL_BODY = (
    "국토교통부는 2026년 제2회 추가경정예산이 지난 30일 국회 본회의를 통과해 국토부 소관 "
    "추경 규모가 1조 2,480억 원으로 확정됐다고 1일 밝혔다.\n"
    "정부안은 산불 피해 복구와 항공 안전 보강에 필요한 3,120억 원이었으나, 국회 심사 과정에서 "
    "지역 건설경기 보완 예산 9,360억 원이 더해졌다. 이로써 올해 국토부 예산은 60조 1천억 원에서 "
    "61조 4천억 원으로 늘었다.\n"
    "분야별로는 산불 피해 주택 복구와 이재민 임시주거 지원에 2,240억 원, 항공기 정비 점검과 "
    "공항 안전시설 보강에 880억 원을 편성했다.\n"
    "국토교통부 예산담당관은 확정된 예산이 신속히 집행되도록 하반기 집행 계획을 이달 안에 "
    "마련하겠다고 말했다.\n"
    "문의: 국토교통부 예산담당관실 044-201-3181\n"
)
API_TITLE = "국토부 소관 2026년 제2회 추경 1조 2,480억 원 확정"
SECTOR_TITLE = "국토부, 추경 9,360억 원 지역 건설경기 회복에 투입"
SECTOR_BODY = (
    "국토교통부는 2026년 제2회 추가경정예산 1조 2,480억 원 가운데 75%인 9,360억 원을 지역 "
    "건설경기 회복에 투입한다고 1일 밝혔다.\n"
    "최근 지방을 중심으로 건설 수주가 줄어 투자와 고용 부진이 길어지고 있다는 진단에 따른 "
    "것이다. 올해 1분기 건설투자는 직전 분기보다 2.8% 줄었다.\n"
    "이번 추경에는 도로·철도 등 사회기반시설 건설과 유지보수에 4,150억 원, 신축매입임대 등 "
    "임대주택 공급에 5,210억 원이 담겼다.\n"
    "국토교통부 건설정책과장은 지역 건설 현장에 예산이 빨리 닿도록 발주를 서두르겠다고 말했다.\n"
    "문의: 국토교통부 건설정책과 044-201-3505\n"
)
# Outlets' rewrites: a new title, the figures restated, 습니다 prose in one of them.
TOTAL_REWRITE = (
    "국토부 추경 1.2조 확정…정부안보다 9천억 늘어",
    "국토교통부 소관 추경 예산이 1조 2천480억 원으로 최종 확정됐습니다. 정부가 처음 낸 안은 "
    "3천120억 원이었지만 국회 심사에서 지역 건설경기 보완 예산 9천360억 원이 붙었습니다. "
    "국토부 올해 살림은 61조 "
    "4천억 원이 됩니다. 산불로 집을 잃은 주민의 임시 거처와 공항 안전에도 돈이 쓰입니다.",
)
SECTOR_REWRITE = (
    '"지방 건설 살린다" 국토부, 9,360억 풀어',
    "국토부가 국회 본회의를 통과한 제2회 추경 1조2480억원 중 9360억원을 지방 건설 현장에 "
    "돌린다. 도로와 "
    "철도 공사, 유지보수에 4150억원, 매입임대 주택에 5210억원이 배정됐다. 1분기 건설투자가 "
    "2.8% 뒷걸음친 데 따른 처방이다.",
)

FESTIVAL_PREVIEW_TITLE = "사흘간 광장에 장터…우수 소상공인 제품 한자리에"
FESTIVAL_PREVIEW = (
    "중기부, 대전 엑스포시민광장서 가을 상생장터 개막 행사\n"
    "우수 소상공인 240개사 참여…할인 판매·공연·체험 마련\n"
    "가을 상생장터 개막 행사가 10월 9일부터 11일까지 대전 엑스포시민광장에서 열린다.\n"
    "중소벤처기업부는 한 달 동안 전국에서 이어지는 가을 상생장터의 시작을 알리는 행사로 "
    "준비했다고 설명했다. 소상공인 240개사가 제품을 할인 판매하고 저녁에는 공연이 이어진다.\n"
)
FESTIVAL_REPORT = (
    "가을 상생장터 대전서 개막…사흘간 시민 4만 명 찾아",
    "중소벤처기업부는 9일 대전 엑스포시민광장에서 가을 상생장터 개막 행사를 개최했다고 "
    "밝혔다. 소상공인 240개사가 참여한 할인 판매장과 공연장에는 사흘 동안 시민 4만 명이 "
    "다녀갔다. 한 달 동안 전국에서 이어지는 가을 상생장터의 시작을 알리는 행사였다.",
)


def official(title: str, text: str) -> StoryFeatures:
    return story_features(title, text, official=True)


def cand(features: StoryFeatures, clock: FixedClock, story: int) -> NearCandidate:
    return NearCandidate(story, story, clock.now(), features)


# --- the pure decision ---------------------------------------------------------------------


def test_two_official_releases_of_one_day_stay_apart(clock: FixedClock) -> None:
    """The total and its construction part share the programme, the agency and two amounts;
    as official texts that are not the same text they are two releases. As rewrites the
    same pair would pass the word-and-figure test: the official rule is what keeps them
    apart."""
    total = official(TOTAL_TITLE, TOTAL_SUBHEADS + TOTAL_BODY)
    sector = official(SECTOR_TITLE, SECTOR_BODY)
    assert {"1.248e+12원", "9.36e+11원"} <= total.figures & sector.figures
    assert containment(total, sector) < 0.8
    assert apart_because(total, sector) == "two official releases, not the same text"
    assert near_match(sector, clock.now(), cand(total, clock, 1)) is None
    plain = [
        story_features(t, x) for t, x in ((TOTAL_TITLE, TOTAL_BODY), (SECTOR_TITLE, SECTOR_BODY))
    ]
    assert apart_because(*plain) is None  # nothing else tells them apart


def test_one_release_by_the_feed_and_the_openapi_is_one(clock: FixedClock) -> None:
    """The ministry feed gives the text, the OpenAPI the subtitles and the text under a
    shortened title: one text holds the other, so they are one release."""
    feed = official(TOTAL_TITLE, TOTAL_BODY)
    api = official(API_TITLE, TOTAL_SUBHEADS + TOTAL_BODY)
    assert containment(feed, api) >= 0.8
    assert apart_because(feed, api) is None
    assert near_match(feed, clock.now() + timedelta(hours=2), cand(api, clock, 1)) is not None


def test_rewrites_join_their_release_not_each_other_across_releases(clock: FixedClock) -> None:
    """A rewrite restates its release's amounts in its own words: with the official text it
    joins below the word bar. Two rewrites of the two releases quote the same total and
    part; between rewrites the amounts do not lower the bar, so they stay apart."""
    total = cand(official(TOTAL_TITLE, TOTAL_SUBHEADS + TOTAL_BODY), clock, 1)
    sector = cand(official(SECTOR_TITLE, SECTOR_BODY), clock, 2)
    later = clock.now() + timedelta(hours=3)
    total_rw, sector_rw = story_features(*TOTAL_REWRITE), story_features(*SECTOR_REWRITE)
    match = choose_near(total_rw, later, [total, sector])
    assert match is not None and match.story_id == 1
    match = choose_near(sector_rw, later, [total, sector])
    assert match is not None and match.story_id == 2
    # the two rewrites share two amounts and some words, but neither is a release
    assert {"1.248e+12원", "9.36e+11원"} <= total_rw.figures & sector_rw.figures
    assert 0.12 <= similarity(total_rw, sector_rw) < NEAR_SIMILARITY
    assert near_match(sector_rw, later, cand(total_rw, clock, 3)) is None
    # the same pair, one of them official: the amounts lower the bar
    assert near_match(sector_rw, later, cand(replace(total_rw, official=True), clock, 3))


def test_round_numbers_are_no_evidence(clock: FixedClock) -> None:
    """``제2회`` and ``2026년`` name which budget, not how much: a text that shares them and
    one amount with the release is not carried past the word bar by them (two shared
    figures were enough before)."""
    release = official(TOTAL_TITLE, TOTAL_BODY)
    other = story_features(
        "2026년 제2회 추경으로 철도·공항 안전 점검",
        "국토부는 2026년 제2회 추경 1조 2,480억 원 가운데 일부로 공항 안전시설과 항공기 정비 "
        "점검을 보강한다. 하반기에 활주로 조명을 바꾼다.",
    )
    assert {"2회", "2026년", "1.248e+12원"} == other.figures & release.figures
    assert 0.12 <= similarity(other, release) < NEAR_SIMILARITY
    assert near_match(other, clock.now(), cand(release, clock, 1)) is None


def test_sub_headlines_belong_with_the_title(clock: FixedClock) -> None:
    """A preview whose lead opens with two decks (no final period) names its tense in the
    first sentence after them: it is read as coming and kept apart from the report."""
    preview = story_features(FESTIVAL_PREVIEW_TITLE, FESTIVAL_PREVIEW)
    report = story_features(*FESTIVAL_REPORT)
    assert preview.aspect == {"coming"} and report.aspect == {"held"}
    assert "event as" in (apart_because(preview, report) or "")
    assert near_match(report, clock.now() + timedelta(days=3), cand(preview, clock, 1)) is None
    # decks count with the title for the stage too: the call in the first sentence is read
    lead = "창업기업 판로 지원\n최대 5천만 원\n중기부는 판로 지원 사업에 참여할 기업을 모집한다.\n"
    assert find_stages("판로 지원 사업", lead) == {"call"}
    # a text that is all decks is not all title: the sentences after the decks still count
    assert find_aspect("", "장터 소식\n광장 행사\n행사는 11일 열린다.") == {"coming"}


# --- through the store ---------------------------------------------------------------------


def _add(engine: Engine, feed: int, url: str, title: str, text: str, clock: FixedClock) -> int:
    return add_article(engine, feed, title, url, clock.now(), text)


def test_store_two_releases_two_stories_the_routes_one(engine: Engine, clock: FixedClock) -> None:
    """In the bot's world: the ministry feed posts both releases, the OpenAPI copies the
    first (korea.kr), an outlet rewrites the second. Official comes from the source's
    address, is stored with the features, and decides."""
    ministry = add_feed(engine, "국토부", clock.now())
    openapi = add_feed(engine, "정책브리핑", clock.now())
    news = add_feed(engine, "뉴스", clock.now())
    base = "https://www.molit.go.kr/USR/NEWS/m_71/dtl.jsp?id="
    total = _add(engine, ministry, base + "95091001", TOTAL_TITLE, TOTAL_BODY, clock)
    sector = _add(engine, ministry, base + "95091002", SECTOR_TITLE, SECTOR_BODY, clock)
    assign_pending(engine, clock.now())
    clock.advance(1800)
    copy = _add(
        engine, openapi, "https://www.korea.kr/briefing/pressReleaseView.do?newsId=156990001",
        API_TITLE, TOTAL_SUBHEADS + TOTAL_BODY, clock,
    )  # fmt: skip
    rewrite = _add(
        engine, news, "https://news.example.kr/article/20260501", SECTOR_REWRITE[0],
        SECTOR_REWRITE[1], clock,
    )  # fmt: skip
    assign_pending(engine, clock.now())
    ids = article_story_ids(engine, [total, sector, copy, rewrite])
    assert ids[total] != ids[sector]
    assert ids[copy] == ids[total]
    assert ids[rewrite] == ids[sector]


# A preview as a news page gives it: the site's buttons, the headline again, a deck, an
# editor's tag and a photo caption twice, before the lead tells the opening as coming.
PAGE_PREVIEW = (
    "광주 5월 상생장터 개막식 개최…사흘간 연계 행사",
    "닫기 공유하기\n"
    "광주 5월 상생장터 개막식 개최…사흘간 연계 행사\n"
    "지역 향토기업 제품 등 홍보 및 판매\n"
    "[편집자주]\n"
    "광주 충장로 상점가 거리/통신사 DB\n"
    "광주 충장로 상점가 거리/통신사 DB\n"
    "광주지방중소벤처기업청이 충장로 일대에서 5월 상생장터 개막행사를 개최한다고 28일 "
    "밝혔다.\n"
    "개막행사는 올해 상생장터의 시작을 알리기 위해 마련됐다.\n",
)
# The report of that opening, with a byline and a caption of its own before its lead.
PAGE_REPORT = (
    "5월 상생장터 광주서 막 올라…사흘간 판매전",
    "2026-05-01 홍길동 기자\n"
    "상생장터 개막행사. 사진=중기부 제공.\n"
    "중소벤처기업부는 1일 광주 충장로 일대에서 5월 상생장터 개막행사를 열었다.\n"
    "사흘간 지역 향토기업 제품 판매전과 공연이 이어진다.\n",
)


def test_page_furniture_is_not_the_lead(clock: FixedClock) -> None:
    """The first two sentences are the first two lines that end on a predicate: buttons,
    bylines and photo captions ("사진=중기부 제공.") before them are not the lead, so the preview
    is read as coming and the report as held, and they stay apart."""
    preview, report = story_features(*PAGE_PREVIEW), story_features(*PAGE_REPORT)
    assert find_aspect(*PAGE_PREVIEW) == {"coming"}
    assert find_aspect(*PAGE_REPORT) == {"held"}
    assert apart_because(preview, report) is not None
    later = clock.now() + timedelta(days=3)
    assert near_match(report, later, NearCandidate(1, 1, clock.now(), preview)) is None


def test_a_verb_of_holding_starts_a_word() -> None:
    """치를 ("will hold") inside 최저치를 (a noun and its particle) tells no event."""
    stat = (
        "소비자물가 19개월 만에 최저",
        "소비자물가 상승률이 3.3%로 19개월 만의 최저치를 기록했다.",
    )
    assert find_aspect(*stat) == frozenset()
    assert find_aspect("", "국가대표 선발전을 다음 달 치를 예정이다.") == {"coming"}
