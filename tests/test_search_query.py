"""The query parser and tokenizer (pure): Korean forms, syntax, and hostile input."""

from __future__ import annotations

import re

import pytest

from bot.errors import CommandError
from bot.search import blend, parse, snippet
from bot.search.query import (
    MAX_QUERY_CHARS,
    fts5_match,
    highlight_pattern,
    index_tokens,
    make_term,
    parse_query,
    tag_token,
    tsquery,
    tsvector_literal,
)


def test_index_tokens_are_bigrams_for_korean_and_words_for_latin() -> None:
    assert index_tokens("딥테크를 지원") == ["딥테", "테크", "크를", "지원"]
    assert index_tokens("sLLM, AI반도체 300억원") == ["sllm", "ai", "반도", "도체", "300", "억원"]
    assert index_tokens("칩 1개") == ["칩", "1", "개"]
    assert index_tokens("ＡＩ！😀") == ["ai"]  # full-width folded, emoji dropped
    assert index_tokens("가나다라", limit=2) == ["가나", "나다"]


def test_a_word_matches_as_consecutive_tokens_of_its_text() -> None:
    term = make_term("반도체")
    assert term is not None and term.tokens == ("반도", "도체") and not term.prefix
    term = make_term("300억")
    assert term is not None and term.tokens == ("300", "억") and term.prefix
    assert make_term("!!!") is None


def test_particles_are_cut_from_words_and_the_last_word_of_a_phrase() -> None:
    assert [t.text for t in parse("딥테크를 특구에서 sLLM을 300억을").terms] == [
        "딥테크",
        "특구",
        "sLLM",
        "300억",
    ]
    assert [t.text for t in parse('"딥테크 스케일업을"').terms] == ["딥테크 스케일업"]
    assert [t.text for t in parse("양자 창업 경로").terms] == ["양자", "창업", "경로"]


def test_words_phrases_and_exclusions() -> None:
    query = parse_query('AI 반도체 "버스전용차로 위반" -수출 -"예산 편성"')
    assert [t.text for t in query.terms] == ["AI", "반도체", "버스전용차로 위반"]
    assert [t.text for t in query.excluded] == ["수출", "예산 편성"]
    assert fts5_match(query) == (
        '("ai" AND "반도 도체" AND "버스 스전 전용 용차 차로 위반") NOT ("수출" OR "예산 편성")'
    )
    assert tsquery(query) == (
        "('ai') & ('반도' <-> '도체') & ('버스' <-> '스전' <-> '전용' <-> '용차' <-> '차로' "
        "<-> '위반') & !('수출') & !('예산' <-> '편성')"
    )


def test_prefix_for_a_trailing_single_letter() -> None:
    query = parse_query("300억")
    assert fts5_match(query) == '"300 억" *'
    assert tsquery(query) == "('300' <-> '억':*)"


def test_unbalanced_quote_runs_to_the_end_and_curly_quotes_count() -> None:
    assert [t.text for t in parse_query('"딥테크 창업').terms] == ["딥테크 창업"]
    assert [t.text for t in parse_query("“양자 컴퓨터”").terms] == ["양자 컴퓨터"]
    assert [t.text for t in parse_query('반도체 "').terms] == ["반도체"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("반도체 OR 양자", ["반도체", "양자"]),
        ("NEAR(반도체 양자)", ["반도체", "양자"]),
        ("반도* ^양자", ["반도", "양자"]),
        ("title:딥테크", ["title", "딥테크"]),
        ("'; DROP TABLE articles; --", ["DROP", "TABLE", "articles"]),
        ("딥테크 🚀", ["딥테크"]),
        ("AI반도체", ["AI반도체"]),
        ("Квант 양자 量子", ["Квант", "양자", "量子"]),
    ],
)
def test_operators_and_odd_input_become_plain_words(text: str, words: list[str]) -> None:
    query = parse_query(text)
    assert [t.text for t in query.terms] == words
    expression = fts5_match(query)
    # Every token is inside double quotes: nothing the user typed reaches FTS5 as syntax.
    assert re.fullmatch(r'(\(|\)|"[^"*]+"( \*)?| AND | NOT | OR )+', expression), expression


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("", "검색어를 입력해"),
        ("   ", "검색어를 입력해"),
        ("?!.,;", "검색할 단어가 없어요"),
        ("😀🎉", "검색할 단어가 없어요"),
        ("칩", "한 글자로는"),
        ("-반도체", "빼는 단어만"),
        ("가" * 2000, "너무 길어요"),
        ("가나 다라 마바 사아 자차 카타 파하 거너 더러", "너무 많아요"),
        ('"' + "가나다라마바사아자차카타파하" * 2 + '"', "너무 길어요"),
    ],
)
def test_unusable_queries_get_a_short_korean_explanation(text: str, reply: str) -> None:
    with pytest.raises(CommandError) as info:
        parse(text)
    assert reply in info.value.reply
    assert len(info.value.reply) < 120


def test_query_length_limit_counts_characters() -> None:
    query = parse_query(("반도체 " * MAX_QUERY_CHARS)[:MAX_QUERY_CHARS])
    assert [t.text for t in query.terms] == ["반도체"]  # repeated words count once
    with pytest.raises(CommandError):
        parse_query("가" * (MAX_QUERY_CHARS + 1))


def test_tsvector_literal_positions_and_weights() -> None:
    assert tsvector_literal("딥테크", "딥테크 육성") == "'딥테':1A,4 '테크':2A,5 '육성':6"


def test_snippet_marks_matches_around_the_first_one() -> None:
    pattern = highlight_pattern(parse("인공지능 반도체").terms)
    text = "가" * 200 + " 정부는 인공지능 반도체와 양자를 키운다. " + "나" * 200
    segments = snippet(text, pattern, width=60)
    assert segments[0] == ("…", False) and segments[-1] == ("…", False)
    assert ("인공지능", True) in segments and ("반도체", True) in segments
    assert "".join(s for s, _ in segments[1:-1]).startswith("정부는")


def test_snippet_marks_words_split_by_punctuation_like_the_index() -> None:
    pattern = highlight_pattern(parse("AI반도체").terms)
    assert ("AI 반도체", True) in snippet("정부는 AI 반도체를 지원", pattern)
    assert snippet("매치 없음", pattern) == (("매치 없음", False),)


def test_recency_blend_halves_at_most() -> None:
    assert blend(2.0, 0, 30) == 2.0
    assert blend(2.0, 30, 30) == 1.5
    assert blend(2.0, 3000, 30) == pytest.approx(1.0)
    assert blend(2.0, -5, 30) == 2.0  # a date in the future counts as now


def test_tag_tokens_are_one_token_no_text_or_query_can_produce() -> None:
    tokens = {tag_token(kind, name) for kind in "at" for name in ("과기정통부", "창업·벤처", "AI")}
    assert len(tokens) == 6
    for token in tokens:
        assert re.fullmatch(r"\w+", token)  # FTS5's unicode61 keeps it whole
        assert index_tokens(token) != [token]
        assert make_term(token) is not None and make_term(token).tokens != (token,)  # type: ignore[union-attr]
