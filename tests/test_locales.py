"""The message catalogs and the particle rule, with plain values."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bot.locales import CATALOGS, parse_language, t
from bot.locales.particles import PAIRS, coda, particle, with_particle

# (word, particle pair, expected) — Hangul by 받침, digits read in Sino-Korean, Latin letters by
# their names when capitalised and by loanword spelling when not, punctuation skipped.
CASES = [
    ("반도체", "을/를", "반도체를"),
    ("과기정통부", "을/를", "과기정통부를"),
    ("정책", "을/를", "정책을"),
    ("AI", "을/를", "AI를"),
    ("5G", "을/를", "5G를"),
    ("R&D", "을/를", "R&D를"),
    ("1", "을/를", "1을"),
    ("2", "을/를", "2를"),
    ("3", "을/를", "3을"),
    ("6", "이/가", "6이"),
    ("9", "이/가", "9가"),
    ("10", "을/를", "10을"),  # 십
    ("2,000", "은/는", "2,000은"),  # 이천
    ("10000", "이/가", "10000이"),  # 만
    ("1000000000000", "은/는", "1000000000000는"),  # 1조
    ("1.5", "을/를", "1.5를"),  # 일 점 오
    ("300억", "을/를", "300억을"),
    ("LLM", "을/를", "LLM을"),  # 엠
    ("sLLM", "이/가", "sLLM이"),
    ("URL", "으로/로", "URL로"),  # 엘: ㄹ takes 로
    ("KTX", "을/를", "KTX를"),
    ("Google", "을/를", "Google을"),  # 구글
    ("Slack", "은/는", "Slack은"),  # 슬랙
    ("data", "을/를", "data를"),  # 데이터
    ("Telegram", "과/와", "Telegram과"),  # 텔레그램
    ("서울", "으로/로", "서울로"),
    ("부산", "으로/로", "부산으로"),
    ("학교", "으로/로", "학교로"),
    ("1", "으로/로", "1로"),  # 일: ㄹ
    ("3", "으로/로", "3으로"),  # 삼
    ("'즉시 알림 + 매일 요약'", "으로/로", "'즉시 알림 + 매일 요약'으로"),
    ("'매일 요약'", "으로/로", "'매일 요약'으로"),
    ("'즉시 알림'", "으로/로", "'즉시 알림'으로"),
    ("R&D(과학기술)", "을/를", "R&D(과학기술)를"),
    ("오전 7시(한국 시간)", "으로/로", "오전 7시(한국 시간)로"),
    ("반도체", "과/와", "반도체와"),
    ("양자", "이에요/예요", "양자예요"),
    ("30분", "이에요/예요", "30분이에요"),
    ("반도체", "은/는", "반도체는"),
    ("특구", "이/가", "특구가"),
    ("🚀", "을/를", "🚀을(를)"),
    ("", "으로/로", "(으)로"),
]


@pytest.mark.parametrize(("word", "pair", "expected"), CASES)
def test_particle_table(word: str, pair: str, expected: str) -> None:
    assert with_particle(word, pair) == expected


def test_either_half_names_the_pair_and_unknown_pairs_are_refused() -> None:
    assert particle("AI", "를") == particle("AI", "을") == "를"
    assert coda("ㅋㅋ") == "unknown"
    with pytest.raises(ValueError):
        particle("AI", "에게")
    assert all("/" in pair for pair in PAIRS)


def _fields(template: str) -> dict[str, str]:
    return {
        name: spec
        for _, name, spec, _ in string.Formatter().parse(template)
        if name is not None and name != ""
    }


DATE_FIELDS = {"year", "month", "month_name", "day", "weekday"}


def test_catalogs_have_the_same_keys_and_fields() -> None:
    ko, en = CATALOGS["ko"], CATALOGS["en"]
    assert set(ko) == set(en)
    for key in ko:
        ko_fields, en_fields = set(_fields(ko[key])), set(_fields(en[key]))
        assert ko_fields - DATE_FIELDS == en_fields - DATE_FIELDS, key


def test_english_has_no_korean_particle_specs_and_korean_speaks_haeyo() -> None:
    for key, template in CATALOGS["en"].items():
        assert not any(spec in PAIRS or "/" in spec for spec in _fields(template).values()), key
    formal = re.compile(r"(습니다|습니까|입니다|됩니다|합니다)[.!?]?")
    for key, template in CATALOGS["ko"].items():
        assert not formal.search(template), f"{key}: 합쇼체 in {template!r}"


def test_particle_specs_fill_in() -> None:
    assert t("ko", "subscribe.added", items="반도체, AI") == "반도체, AI를 구독했어요."
    assert t("ko", "mode.set", name="'즉시 알림 + 매일 요약'") == (
        "받는 방식을 '즉시 알림 + 매일 요약'으로 바꿨어요."
    )
    assert t("en", "subscribe.added", items="반도체, AI") == "You now follow 반도체, AI."


def test_every_key_the_code_names_exists() -> None:
    """Literal keys passed to t()/say()/CommandError(key=...) anywhere under bot/."""
    keys: set[str] = set()
    for path in Path("bot").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            args = node.args
            if name == "t" and len(args) >= 2 and isinstance(args[1], ast.Constant):
                keys.add(str(args[1].value))
            elif name == "say" and args and isinstance(args[0], ast.Constant):
                keys.add(str(args[0].value))
            for kw in node.keywords:
                if kw.arg == "key" and isinstance(kw.value, ast.Constant):
                    keys.add(str(kw.value.value))
    assert len(keys) > 60
    missing = sorted(k for k in keys if k not in CATALOGS["ko"])
    assert not missing


def test_language_words() -> None:
    assert parse_language("EN") == parse_language("영어") == parse_language("English") == "en"
    assert parse_language("한국어") == parse_language("ko") == "ko"
    assert parse_language("fr") is None
