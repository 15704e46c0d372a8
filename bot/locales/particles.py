"""Korean particles chosen by how the word before them ends when read aloud.

A particle such as 을/를 depends on whether the last syllable has a final consonant
(받침): 반도체를, 과기정통부를, 정책을. Words the bot echoes are often not Hangul, so the
last character is read the way Korean speakers say it: digits as Sino-Korean numbers (1을 →
일, 3을 → 삼, 10을 → 십, 2,000을 → 이천 → 이천을… 천 ends in ㄴ), capital letters by their
names (AI를 → 에이아이, LLM을 → 엘엘엠, R&D를 → 알앤디), lowercase words by common loanword
spelling (Google을 → 구글, Slack을 → 슬랙, data를 → 데이터). Quotes and closing punctuation
are skipped (``'즉시 알림'으로``), and so is a closing parenthetical (``R&D(과학기술)를``).
When nothing readable is left, both forms are shown as 을(를), which is never wrong.

``with_particle("AI", "을/를")`` → ``AI를``. The catalogs use it as a format spec:
``"{word:을/를} 구독했어요"``.
"""

from __future__ import annotations

import re
from typing import Literal

Coda = Literal["none", "rieul", "other", "unknown"]

# (after a final consonant, after a vowel); 으로/로 also takes 로 after ㄹ.
PAIRS: dict[str, tuple[str, str]] = {
    "을/를": ("을", "를"),
    "이/가": ("이", "가"),
    "은/는": ("은", "는"),
    "과/와": ("과", "와"),
    "으로/로": ("으로", "로"),
    "이에요/예요": ("이에요", "예요"),
    "이었어요/였어요": ("이었어요", "였어요"),
    "이나/나": ("이나", "나"),
    "이라는/라는": ("이라는", "라는"),
    "이랑/랑": ("이랑", "랑"),
    "아/야": ("아", "야"),
}
# Either half, alone, names its pair: "{x:를}" works as well as "{x:을/를}".
_BY_FORM = {form: pair for pair, forms in PAIRS.items() for form in forms}

_HANGUL_BASE = 0xAC00
_HANGUL_LAST = 0xD7A3
_RIEUL = 8  # index of ㄹ among final consonants

# Sino-Korean reading of a last digit: 0 영, 1 일, 2 이, 3 삼, 4 사, 5 오, 6 육, 7 칠, 8 팔, 9 구
_DIGIT: dict[str, Coda] = {
    "0": "other",
    "1": "rieul",
    "2": "none",
    "3": "other",
    "4": "none",
    "5": "none",
    "6": "other",
    "7": "rieul",
    "8": "rieul",
    "9": "none",
}
# The unit read after a run of trailing zeros: 십, 백, 천, 만 (4–7 zeros), 억 (8–11), 조 (12–15)
_ZEROS_BY_COUNT: dict[int, Coda] = {
    1: "other",  # 십
    2: "other",  # 백
    3: "other",  # 천
    **{n: "other" for n in range(4, 8)},  # 만
    **{n: "other" for n in range(8, 12)},  # 억
    **{n: "none" for n in range(12, 16)},  # 조
}
# Letter names: A 에이, B 비, … L 엘, M 엠, N 엔, R 알 end in a consonant; the rest in a vowel.
_LETTER: dict[str, Coda] = {
    **{c: "none" for c in "ABCDEFGHIJKOPQSTUVWXYZ"},
    "L": "rieul",
    "M": "other",
    "N": "other",
    "R": "rieul",
}
# Lowercase words as loanwords: -le/-l 구글·애플, -m 텔레그램, -n 폰, -ng 링, -ck/-k 슬랙,
# -p/-b 칩·웹, -t 봇; other endings come out as a vowel (data 데이터, code 코드, bus 버스).
_WORD_ENDINGS: tuple[tuple[str, Coda], ...] = (
    ("le", "rieul"),
    ("l", "rieul"),
    ("ng", "other"),
    ("m", "other"),
    ("n", "other"),
    ("ck", "other"),
    ("k", "other"),
    ("p", "other"),
    ("b", "other"),
    ("t", "other"),
)
# A closing parenthetical is skipped whole: the particle follows the word before it,
# 'R&D(과학기술)를', '오전 7시(한국 시간)로'.
_PARENTHETICAL = re.compile(r"(?<=\S)\s*\([^()]*\)\s*$")
_SKIPPED = re.compile(r"[\s'\"‘’“”()\[\]{}<>「」『』《》〈〉.,!?…·:;~\-_/%]+$")
_NUMBER = re.compile(r"(\d[\d,]*)(?:\.(\d+))?$")
_LATIN_RUN = re.compile(r"[A-Za-z]+$")


def coda(word: str) -> Coda:
    """How ``word`` ends when read aloud in Korean: no final consonant, ㄹ, another one, or
    ``unknown`` when the last readable character is neither Hangul, a digit nor a letter."""
    stripped = _SKIPPED.sub("", _PARENTHETICAL.sub("", word))
    if not stripped:
        return "unknown"
    last = stripped[-1]
    code = ord(last)
    if _HANGUL_BASE <= code <= _HANGUL_LAST:
        final = (code - _HANGUL_BASE) % 28
        return "none" if final == 0 else "rieul" if final == _RIEUL else "other"
    number = _NUMBER.search(stripped)
    if number is not None:
        return _number_coda(number.group(1).replace(",", ""), number.group(2))
    latin = _LATIN_RUN.search(stripped)
    if latin is not None:
        return _latin_coda(latin.group(0))
    return "unknown"


def _number_coda(integer: str, fraction: str | None) -> Coda:
    if fraction:  # 1.5 → 일 점 오: the last digit is read alone
        return _DIGIT[fraction[-1]]
    if not integer.strip("0"):
        return "other"  # 0, 00 → 영
    zeros = len(integer) - len(integer.rstrip("0"))
    if zeros == 0:
        return _DIGIT[integer[-1]]
    return _ZEROS_BY_COUNT.get(zeros, "other")  # 경 and beyond end in ㅇ


def _latin_coda(run: str) -> Coda:
    if run[-1].isupper():  # an acronym or a capitalised last letter (sLLM → 엠)
        return _LETTER[run[-1]]
    lower = run.lower()
    if len(lower) == 1:  # a lone lowercase letter is read by its name too
        return _LETTER[lower.upper()]
    for ending, result in _WORD_ENDINGS:
        if lower.endswith(ending):
            return result
    return "none"


def particle(word: str, pair: str) -> str:
    """The form of ``pair`` (e.g. ``"을/를"``, or either half) that follows ``word``."""
    key = pair if pair in PAIRS else _BY_FORM.get(pair)
    if key is None:
        raise ValueError(f"unknown particle {pair!r}; known: {', '.join(PAIRS)}")
    after_consonant, after_vowel = PAIRS[key]
    ending = coda(word)
    if ending == "unknown":
        if key == "으로/로":
            return "(으)로"
        return f"{after_consonant}({after_vowel})"
    if ending == "none" or (ending == "rieul" and key == "으로/로"):
        return after_vowel
    return after_consonant


def with_particle(word: str, pair: str) -> str:
    """``word`` followed by the right form of ``pair``: 반도체를, AI를, 서울로, 1을."""
    return word + particle(word, pair)


def is_particle_spec(spec: str) -> bool:
    return spec in PAIRS or spec in _BY_FORM
