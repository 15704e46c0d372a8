"""bot.korean.tokens reads MeCab's text output; python-mecab-ko's objects must agree exactly,
except where they are wrong: their spans ignore leading whitespace (``"\n\n보도"`` gave
보도 at 0-2)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.korean import _load, _tokens_from_objects, _tokens_from_string, tokens

DOCS = Path(__file__).parent / "data" / "docs"
TEXTS = [
    "딥테크를 지원한다",
    "해양수산부 는  2,000 만 원을\t지원하고,\n\n4월 1 일부터 시행한다.",
    "AI·반도체 R&D 예산 3.5조원(’25년) — 전년 대비 12.3%↑ 🚀 https://www.korea.kr/x?a=1&b=2",
    "中小企業 支援 및 양자컴퓨터, 양자택일, 입양자 반도체를 반도체를 반도체를",
    "\u00a0\u3000 앞뒤 공백 \u00a0",
    "ㅇ (목적) 지역 특구 지정 ※ 세부 내용은 붙임 참고 □ 추진 배경 ① 첫째 ② 둘째",
    "“괄호)와 따옴표’”를 닫는다」 『책』 [보도자료] <AI 기본법>",
]


def _cases() -> list[str]:
    docs = [
        p.read_text(encoding="utf-8")
        for p in sorted(DOCS.iterdir())
        if p.suffix in {".txt", ".md"} and p.stem != "SOURCES"
    ]
    assert len(docs) >= 20
    return TEXTS + docs


@pytest.mark.parametrize("text", _cases(), ids=lambda t: t[:20])
def test_text_output_gives_the_same_tokens_as_the_objects(text: str) -> None:
    tagger = _load()
    fast = _tokens_from_string(tagger, text)
    assert fast is not None  # the fast path is taken, not the fallback
    lead = len(text) - len(text.lstrip(" \t\r\n"))  # what MeCab skips (NBSP is a token)
    shifted = [
        replace(t, start=t.start + lead, end=t.end + lead, parts=_shift(t.parts, lead))
        for t in _tokens_from_objects(tagger, text[lead:])
    ]
    assert fast == shifted
    assert tokens(text) == fast
    assert all(text[t.start : t.end] == t.form for t in fast)


def _shift(parts: tuple[tuple[int, int], ...], by: int) -> tuple[tuple[int, int], ...]:
    return tuple((s + by, e + by) for s, e in parts)


@pytest.mark.parametrize("text", ["\n\n보도 자료", "  가나다 라", "\r\n양자 기술"])
def test_leading_whitespace_keeps_spans_on_the_surface(text: str) -> None:
    toks = tokens(text)
    assert toks and all(text[t.start : t.end] == t.form for t in toks)


def test_spans_point_at_the_surface() -> None:
    text = "과학기술정보통신부는  양자 기술에 300억 원을 투자한다."
    toks = tokens(text)
    assert [text[t.start : t.end] for t in toks] == [t.form for t in toks]
    assert any(t.parts for t in toks)  # compounds keep their parts
