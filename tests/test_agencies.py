"""Agencies (issue 19): 2026 names canonical, former names aliases, signals in order of trust."""

from __future__ import annotations

from bot.agencies import (
    find_agencies,
    followed_agencies,
    full_name,
    ranked_agencies,
    resolve_agency,
    rule_value,
    title_agencies,
)
from bot.documents import build_document
from bot.matching import Rules
from bot.summarize.extractive import ExtractiveSummarizer
from bot.types import Rule


def test_2026_names_are_canonical_and_former_names_resolve_to_them() -> None:
    assert resolve_agency("재정경제부") == "재경부"
    assert resolve_agency("기획예산처") == "예산처"
    assert resolve_agency("성평등가족부") == resolve_agency("여성가족부") == "성평등부"
    assert resolve_agency("환경부") == resolve_agency("기후에너지환경부") == "기후부"
    assert resolve_agency("방송통신위원회") == resolve_agency("방미통위") == "방미통위"
    assert resolve_agency("문화재청") == "유산청" and full_name("유산청") == "국가유산청"
    assert resolve_agency("통계청") == "데이터처" and resolve_agency("특허청") == "지재처"
    for name in ("국민권익위원회", "방위사업청", "행정중심복합도시건설청", "인사혁신처",
                 "원자력안전위원회", "국가보훈부", "방송미디어 통신위원회"):  # fmt: skip
        assert resolve_agency(name) is not None, name


def test_old_subscription_follows_every_successor() -> None:
    assert rule_value("기재부") == "기재부" and rule_value("기획재정부") == "기재부"
    assert followed_agencies("기재부") == ("재경부", "예산처")
    assert rule_value("재정경제부") == "재경부"
    rules = Rules.from_pairs([Rule("agency", "기재부").pair, Rule("agency", "여가부").pair])
    assert rules.agencies == {"재경부", "예산처", "성평등부"}


def test_text_finds_the_longest_name() -> None:
    assert find_agencies("기후에너지환경부와 환경부 산하") == ["기후부"]
    assert find_agencies("방송미디어통신위원회는") == ["방미통위"]


def test_title_prefix() -> None:
    assert title_agencies("[중기부] 스타트업 지원") == ["중기부"]
    assert title_agencies("관세청, 한-UAE CEPA 발효") == ["관세청"]
    assert title_agencies("(참고) 가나다라") == []
    assert title_agencies("정부, 지원 확대") == []


def test_signals_in_order_of_trust() -> None:
    got = ranked_agencies(
        ["고용노동부", "", "MOEL"], lead="고용노동부는 교육부와 함께", text="국토교통부 산하"
    )
    assert got == ["고용부", "교육부"]  # the body's mention of 국토부 is not an issuer
    assert ranked_agencies([""], lead="", text="국토교통부는 발표했다") == ["국토부"]


def test_summary_keeps_the_author_when_the_text_names_no_ministry() -> None:
    doc = build_document(
        "노사발전재단은 해운업 특화 서비스를 추진하기 위해 업무협약을 체결했다.",
        title="노사발전재단, 업무협약 체결",
    )
    summarizer = ExtractiveSummarizer()
    assert summarizer.summarize_now(doc).agencies == []
    from dataclasses import replace

    assert summarizer.summarize_now(replace(doc, author="고용노동부")).agencies == ["고용부"]
    assert summarizer.summarize_now(replace(doc, source="고용노동부")).agencies == ["고용부"]
