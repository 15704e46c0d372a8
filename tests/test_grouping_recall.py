"""Grouping recall on statistics releases (issue 20, third round): a monthly release and its
rewrites are one story although the rewrites round the release's amounts (612억4천만 달러 →
612억달러) and quote comparison figures of their own (5개월 연속, 2025년 6월 이후), while the
next month's release stays apart.

The texts are our own, written in the style of a ministry's monthly 수출입동향 release (title,
OpenAPI sub-headlines, body) and of outlets' rewrites (a new title, the figures rounded, a
streak and a base period added, 습니다 prose in one of them), and of a 소비자물가동향 pair.
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
    near_match,
    same_amount,
    similarity,
)
from bot.story_features import StoryFeatures, defining_figures, figure_unit, story_features
from tests.core_helpers import add_article, add_feed

# --- our own texts -------------------------------------------------------------------------

OCT_TITLE = "2026년 10월 수출입동향"
OCT_SUBHEADS = (
    "10월 수출 612억4천만 달러, 전년 동월 대비 8.7% 증가\n"
    "반도체 수출 184억3천만 달러로 역대 10월 최대\n"
)
OCT_BODY = (
    "산업통상부는 2026년 10월 수출이 전년 동월 대비 8.7% 증가한 612억4천만 달러, 수입은 "
    "3.2% 증가한 548억1천만 달러로 무역수지는 64억3천만 달러 흑자를 기록했다고 1일 발표했다.\n"
    "15대 주력 품목 가운데 반도체, 자동차, 선박 등 9개 품목의 수출이 늘었다. 반도체 수출은 "
    "184억3천만 달러로 역대 10월 가운데 최대 실적을 기록했다.\n"
    "조업일수를 고려한 일평균 수출은 27억8천만 달러로 5.1% 증가했다.\n"
    "지역별로는 9대 주요 지역 가운데 중국, 미국, 아세안 등 6개 지역으로의 수출이 늘었다.\n"
    "문의: 산업통상부 무역투자실 수출입과 044-203-4021\n"
)
# Every amount rounded to 억 달러; a streak (5개월, 17개월째) and a base period (2025년 6월
# 이후) the release does not give.
OCT_REWRITE = (
    "10월 수출 612억달러…반도체 앞세워 5개월 연속 증가",
    "우리나라 수출이 반도체 호조에 힘입어 5개월 연속 늘었다. 산업통상부가 1일 발표한 "
    "10월 수출입동향에 따르면 지난달 수출은 612억달러로 1년 전보다 8.7% 증가했다. "
    "수입은 548억달러, 무역수지는 64억달러 흑자로 2025년 6월 이후 17개월째 흑자 행진을 "
    "이어갔다. 반도체 수출은 184억달러로 10월 기준 역대 최대 기록을 새로 썼다. "
    "하루 평균 수출도 28억달러로 5.1% 늘었다. 자동차와 선박도 수출 증가에 힘을 보탰다.",
)
# The next month's release told by an outlet: no month in the title, the previous month's
# total quoted as a comparison.
NOV_REWRITE = (
    "수출 6개월 연속 증가…반도체·선박이 끌었다",
    "11월 수출이 반도체와 선박 호조로 6개월 연속 증가세를 이어갔습니다. 산업통상부가 1일 "
    "발표한 11월 수출입동향을 보면 지난달 수출은 599억달러로 1년 전보다 4.2% 늘었습니다. "
    "전달인 10월의 612억달러보다는 줄었습니다. 수입은 561억달러로 무역수지는 38억달러 "
    "흑자였습니다. 반도체 수출은 176억달러, 하루 평균 수출은 27억달러로 집계됐습니다.",
)
# Two rewrites of one consumer-price release, each with its own streak in the title.
CPI_REWRITES = (
    (
        "소비자물가 2.4% 올라 3개월 만에 최대폭…농산물 5.8%↑",
        "지난달 소비자물가가 1년 전보다 2.4% 올라 3개월 만에 가장 큰 폭으로 뛰었다. "
        "국가데이터처가 2일 발표한 9월 소비자물가동향에 따르면 농축수산물이 5.8% 올라 "
        "물가를 끌어올렸고 석유류는 1.3% 내렸다. 근원물가는 2.1% 상승했다. 체감물가에 "
        "가까운 생활물가지수는 2.9% 올랐다.",
    ),
    (
        "9월 물가 2.4% 상승…근원물가 19개월째 2%대",
        "9월 소비자물가 상승률이 2.4%를 기록했습니다. 국가데이터처가 2일 내놓은 9월 "
        "소비자물가동향을 보면 근원물가는 2.1% 올라 19개월째 2%대를 이어갔습니다. "
        "농축수산물은 5.8% 뛰었고 석유류는 1.3% 하락했습니다. 생활물가지수는 2.9% "
        "상승했습니다.",
    ),
)


def _amounts_in(features: StoryFeatures, unit: str) -> frozenset[str]:
    return frozenset(f for f in features.figures if figure_unit(f) == unit)


def cand(features: StoryFeatures, clock: FixedClock, story: int) -> NearCandidate:
    return NearCandidate(story, story, clock.now(), features)


# --- the pure decision ---------------------------------------------------------------------


def test_an_amount_rounded_is_the_same_amount() -> None:
    assert same_amount("6.124e+10달러", "6.12e+10달러")  # 612억4천만 / 612억
    assert same_amount("1.1352e+12원", "1.1e+12원")  # 1조1352억 / 1.1조
    assert same_amount("3.74%", "3.7%") and same_amount("2.78e+09달러", "2.8e+09달러")
    assert not same_amount("62개", "59개")
    assert not same_amount("3.76%", "3.7%")  # 3.76 rounds to 3.8
    # a round number is no rounding: 500억 does not stand for 520억, 3% not for 3.3%
    assert not same_amount("5.2e+10원", "5e+10원") and not same_amount("3.3%", "3%")


def test_reference_periods_do_not_define_an_article() -> None:
    head = "수출 6% 늘어 2025년 6월 이후 최대…2024년 대비 두 배. 2026년 10월 수출 612억달러"
    assert defining_figures(head) == {"6%", "2026년", "10월", "6.12e+10달러"}


def test_bases_and_bracketed_comparisons_are_reference_periods() -> None:
    """An index's base year, a comparison period with its own figure in brackets or after
    의, and one named with 비교 say what the figure is measured against."""
    assert defining_figures("생산 지수는 111.6(2020년=100)으로 1.6% 늘었다") == {"1.6%"}
    assert defining_figures("35.1% 늘어 2009년 1월(36.6%) 이후 최대") == {"35.1%"}
    assert defining_figures("총액은 26조원으로 2021년의 23조4000억원보다 10.8% 늘었다") == {
        "2.6e+13원",
        "10.8%",
    }
    assert defining_figures("2025년과 비교해 3.3% 올랐다. 2026년 예산") == {"3.3%", "2026년"}


def test_a_rewrite_with_rounded_figures_joins_its_release(clock: FixedClock) -> None:
    """Not one 달러 amount of the rewrite is written as the release writes it, and its only
    year is a base period: each of these alone kept them apart before."""
    release = story_features(OCT_TITLE, OCT_SUBHEADS + OCT_BODY, official=True)
    rewrite = story_features(*OCT_REWRITE)
    assert not _amounts_in(release, "달러") & _amounts_in(rewrite, "달러")
    assert _amounts_in(release, "년") == {"2026년"} and _amounts_in(rewrite, "년") == {"2025년"}
    assert apart_because(rewrite, release) is None
    match = near_match(rewrite, clock.now() + timedelta(hours=2), cand(release, clock, 1))
    assert match is not None and match.story_id == 1
    # the ministry feed's excerpt (no sub-headlines) is the same release
    feed = story_features(OCT_TITLE, OCT_BODY, official=True)
    assert near_match(rewrite, clock.now(), cand(feed, clock, 1)) is not None


def test_next_months_release_stays_apart(clock: FixedClock) -> None:
    """The November rewrite names no month in its title and quotes October's total: its
    defining figures (11월, 4.2%, 599억달러) are not October's."""
    release = cand(story_features(OCT_TITLE, OCT_SUBHEADS + OCT_BODY, official=True), clock, 1)
    rewrite = cand(story_features(*OCT_REWRITE), clock, 1)
    november = story_features(*NOV_REWRITE)
    assert not november.series and "6.12e+10달러" in november.figures
    later = clock.now() + timedelta(days=30)
    for old in (release, rewrite):
        assert "differ" in (apart_because(november, old.features) or "")
        assert near_match(november, clock.now(), old) is None  # even on the same day
    assert choose_near(november, later, [release, rewrite]) is None
    # the month alone keeps it apart: with the October rewrite's figures, it is November
    october_figures = rewrite.features.figures | {"11월"}
    renamed = replace(november, figures=october_figures, head_figures=frozenset({"11월"}))
    assert (apart_because(renamed, rewrite.features) or "").startswith("figures in 월")


def test_streaks_are_no_defining_figure(clock: FixedClock) -> None:
    """Two rewrites of one consumer-price release headline different streaks (3개월 만에,
    19개월째): a duration says how long a trend has run, not which release this is."""
    one, two = (story_features(*rewrite) for rewrite in CPI_REWRITES)
    assert "3개월" in one.defining and "19개월" in two.defining
    assert apart_because(one, two) is None
    assert near_match(two, clock.now(), cand(one, clock, 1)) is not None


def test_features_stored_before_head_figures_count_every_figure() -> None:
    """Rows stored before the head was kept read back with every figure defining, as the
    rule was then; new rows keep their head."""
    rewrite = story_features(*OCT_REWRITE)
    assert StoryFeatures.from_json(rewrite.to_json()) == rewrite
    old = StoryFeatures.from_json('{"w": ["수출"], "f": ["2025년", "8.7%"]}')
    assert old.head_figures is None and old.defining == {"2025년", "8.7%"}


# --- through the store ---------------------------------------------------------------------


def _add(engine: Engine, feed: int, url: str, title: str, text: str, clock: FixedClock) -> int:
    return add_article(engine, feed, title, url, clock.now(), text)


def test_store_a_monthly_release_its_routes_and_rewrite_one_next_month_another(
    engine: Engine, clock: FixedClock
) -> None:
    """The ministry feed posts October's release, the OpenAPI copies it with sub-headlines,
    an outlet rewrites it with rounded figures; then an outlet's rewrite of November's release
    arrives, dated inside the near window so that content alone must tell them apart."""
    ministry = add_feed(engine, "산업통상부", clock.now())
    openapi = add_feed(engine, "정책브리핑", clock.now())
    news = add_feed(engine, "뉴스", clock.now())
    release = _add(
        engine, ministry, "https://www.motie.go.kr/kor/article/ATCL3f49a5a8c/170101/view",
        OCT_TITLE, OCT_BODY, clock,
    )  # fmt: skip
    assign_pending(engine, clock.now())
    clock.advance(1800)
    copy = _add(
        engine, openapi, "https://www.korea.kr/briefing/pressReleaseView.do?newsId=156991001",
        OCT_TITLE, OCT_SUBHEADS + OCT_BODY, clock,
    )  # fmt: skip
    rewrite = _add(engine, news, "https://news.example.kr/economy/20261101", *OCT_REWRITE, clock)
    assign_pending(engine, clock.now())
    clock.advance(10 * 86400)
    november = _add(engine, news, "https://news.example.kr/economy/20261201", *NOV_REWRITE, clock)
    assign_pending(engine, clock.now())
    ids = article_story_ids(engine, [release, copy, rewrite, november])
    assert ids[copy] == ids[release] and ids[rewrite] == ids[release]
    assert ids[november] != ids[release]


# --- round four: pages as the web gives them, and rewrites that share few words ---------------

# Two rewrites of one month's consumer prices, told in different words: the month and the
# headline rate are all they lead with in common.
CPI_MAY_A = (
    "",
    "지난달 소비자물가 상승률이 3%대 초반으로 내려오며 19개월 만에 가장 낮은 수준을 "
    "기록했다. 통계청이 2일 내놓은 5월 소비자물가동향에 따르면 소비자물가지수는 111.13으로 "
    "1년 전보다 3.3% 올랐다. 석유류 가격이 크게 내리며 전체 물가를 끌어내렸다. 외식 등 "
    "개인서비스 가격은 여전히 높은 오름세를 이어가 체감 물가 부담은 크다는 지적이 나온다.",
)
CPI_MAY_B = (
    "소비자물가 3.3% 상승…둔화세 뚜렷",
    "5월 소비자물가 상승률이 3.3%로 줄었습니다. 통계청 발표를 보면 석유류 값이 1년 전보다 "
    "20% 넘게 떨어진 영향이 컸습니다. 농축수산물은 0.4% 오르는 데 그쳤고 공공요금 인상 "
    "여파로 전기·가스·수도는 23% 넘게 뛰었습니다. 정부는 하반기 2%대 물가를 기대합니다.",
)
# The next month told the same way: the month differs, so the shared rate proves nothing.
CPI_JUNE_B = (
    "물가 2.7% 상승…21개월 만에 2%대",
    "6월 물가 오름폭이 2.7%로 줄었습니다. 휘발유와 경유 값이 1년 전보다 25% 떨어진 영향이 "
    "컸습니다. 5월 3.3%보다 낮아졌고 정부는 하반기에도 둔화세가 이어질 것으로 봤습니다.",
)


def test_rewrites_of_one_month_that_share_few_words_join(clock: FixedClock) -> None:
    """Two rewrites of one statistic word it each their own way (similarity below the bar)
    but lead with the same month and the same rate: one story. The next month's rewrite,
    which quotes May's rate as a comparison, stays apart."""
    a, b = story_features(*CPI_MAY_A), story_features(*CPI_MAY_B)
    assert 0.12 <= similarity(a, b) < NEAR_SIMILARITY
    later = clock.now() + timedelta(hours=2)
    assert near_match(b, later, NearCandidate(1, 1, clock.now(), a)) is not None
    june = story_features(*CPI_JUNE_B)
    assert near_match(june, later, NearCandidate(1, 1, clock.now(), b)) is None
    # the same pair with no month in either head: a shared rate alone is not enough
    no_month = replace(b, head_figures=frozenset(f for f in b.defining if figure_unit(f) != "월"))
    assert near_match(no_month, later, NearCandidate(1, 1, clock.now(), a)) is None


# Two rewrites of one export release: both lead with its dollar figures, each converts them
# to 원 at its own rate.
EXPORT_A = (
    "김 수출 7억9천만 달러…역대 최대",
    "지난해 김 수출액이 7억9천만 달러로 역대 최대를 기록했다. 원화로 1조400억 원에 이른다. "
    "해양수산부는 수산식품 수출이 30억 달러를 넘었다고 밝혔다.",
)
EXPORT_B = (
    "김 수출 첫 1조원 돌파",
    "지난해 김 수출액이 7억9100만 달러로 사상 최대였다. 우리 돈으로 약 1조200억 원이다. "
    "해양수산부에 따르면 수산식품 전체 수출도 30억 달러를 넘었다.",
)
# Two years' calls of one programme: the same round cap, another number of places.
CALL_2025 = (
    "예비창업자 1,500명 모집",
    "중기부는 예비창업자 1,500명을 모집한다. 선정되면 최대 1억원의 사업화 자금을 받는다.",
)
CALL_2026 = (
    "예비창업자 1,200명 모집",
    "중기부는 예비창업자 1,200명을 모집한다. 선정되면 최대 1억원의 사업화 자금을 받는다.",
)


def test_own_conversions_do_not_part_rewrites_that_lead_with_one_amount() -> None:
    """Both lead with one specific amount (7억9천만 달러 ≈ 7억9100만 달러), so their 원
    figures, each outlet's own conversion, do not tell them apart; a shared round cap (최대
    1억원) proves nothing, so two calls for another number of places stay apart."""
    a, b = story_features(*EXPORT_A), story_features(*EXPORT_B)
    assert {"1.04e+12원", "1.02e+12원"} <= a.defining | b.defining
    assert apart_because(a, b) is None
    calls = story_features(*CALL_2025), story_features(*CALL_2026)
    assert apart_because(*calls) is not None and "명" in (apart_because(*calls) or "")


# A statistic two ministries release together; each outlet credits one of them.
JOINT_A = (
    "6월 ICT 수출 4.7% 증가",
    "과학기술정보통신부는 6월 정보통신기술(ICT) 수출이 220억3천만 달러로 1년 전보다 4.7% "
    "늘었다고 밝혔다. 반도체 수출이 역대 최대를 기록했다.",
)
JOINT_B = (
    "ICT 수출 220억달러…같은 달 최대",
    "산업통상자원부에 따르면 6월 ICT 수출은 220억달러로 같은 달 기준 최대였다. 반도체가 "
    "수출 증가를 이끌었고 무역수지는 흑자를 냈다.",
)


def test_a_joint_release_credited_to_either_ministry_is_one() -> None:
    """Outlets credit a joint release to one ministry or the other; heads that give one same
    specific amount (220억3천만 ≈ 220억 달러) are not parted by the agencies they name, while
    two ministries' texts with no such amount are."""
    a, b = story_features(*JOINT_A), story_features(*JOINT_B)
    assert a.agencies and b.agencies and not a.agencies & b.agencies
    assert apart_because(a, b) is None
    other = replace(b, head_figures=frozenset(), figures=frozenset())
    assert apart_because(a, other) == "agencies differ"


# Two rewrites of one selection result; deep in each body, a date of its own choosing.
PICKED_A = (
    "친환경 공장 11곳 선정",
    "환경부는 친환경 공장 지원사업 대상으로 11개 기업을 선정했다고 밝혔다. 선정 기업은 설비 "
    "개선 비용을 지원받는다. 이번 사업은 한국환경공단이 맡아 지난 7월 20일부터 한 달간 "
    "공모했으며 서면과 현장 평가를 거쳤다.",
)
PICKED_B = (
    "환경부, 친환경 공장 11곳 뽑아",
    "환경부가 친환경 공장 지원사업에 참여할 11개 기업을 최종 선정했다. 기업들은 설비 개선 "
    "비용을 받는다. 환경부는 10월 15일 선정 결과를 누리집에 공개했다.",
)


def test_a_date_only_the_body_names_does_not_part() -> None:
    """Neither head names a month; each body names one, a date of the process (공모 from 7월
    20일, results on 10월 15일): no evidence of two events. A body's single count (11개 vs
    12개) still is."""
    a, b = story_features(*PICKED_A), story_features(*PICKED_B)
    assert "7월" in a.figures and "10월" in b.figures
    assert not {f for f in a.defining | b.defining if f.endswith("월")}
    assert apart_because(a, b) is None
    c = story_features(PICKED_B[0].replace("11곳", "12곳"), PICKED_B[1].replace("11개", "12개"))
    assert apart_because(replace(a, head_figures=frozenset()), replace(c, head_figures=frozenset()))


def test_store_finds_rewrites_of_one_month_by_their_month_and_rate(
    engine: Engine, clock: FixedClock
) -> None:
    """Two outlets' rewrites of May's consumer prices share no band and no figure of ten or
    more (3.3%, 5월): the store finds one from the other under the month-with-rate key, and
    they are one story; June's rewrite (2.7%) is found under no such key and stays apart."""
    wire, paper = add_feed(engine, "통신사", clock.now()), add_feed(engine, "신문", clock.now())
    first = _add(engine, wire, "https://wire.example.kr/1", "소비자물가 동향", CPI_MAY_A[1], clock)
    assign_pending(engine, clock.now())
    clock.advance(5400)
    second = _add(engine, paper, "https://paper.example.kr/1", *CPI_MAY_B, clock)
    june = _add(engine, paper, "https://paper.example.kr/2", *CPI_JUNE_B, clock)
    assign_pending(engine, clock.now())
    ids = article_story_ids(engine, [first, second, june])
    assert ids[first] == ids[second]
    assert ids[june] != ids[first]
