"""Every sentence a user reads, in one place per language: ``ko.py`` (the default) and ``en.py``.

Copy is reviewed as a whole here, not hunted through the code. Korean is written in 해요체.
Templates are ``str.format`` strings; a Korean particle is a format spec, chosen by how the
value ends when read aloud (``"{items:을/를} 구독했어요"`` → ``AI를 구독했어요``; see
:mod:`bot.locales.particles`). Both catalogs have the same keys and the same fields (a test
checks), so a missing English line is a failing test, not a Korean fallback at run time.
"""

from __future__ import annotations

import string
from datetime import date
from typing import Any, Literal, cast

from bot.locales.en import MESSAGES as _EN
from bot.locales.ko import MESSAGES as _KO
from bot.locales.particles import is_particle_spec, with_particle

Language = Literal["ko", "en"]
LANGUAGES: tuple[Language, ...] = ("ko", "en")
DEFAULT: Language = "ko"

CATALOGS: dict[Language, dict[str, str]] = {"ko": _KO, "en": _EN}

# What people type to choose a language (/lang 영어, /lang english, …).
_LANGUAGE_WORDS: dict[str, Language] = {
    "ko": "ko",
    "kr": "ko",
    "kor": "ko",
    "korean": "ko",
    "한국어": "ko",
    "한글": "ko",
    "한국말": "ko",
    "en": "en",
    "eng": "en",
    "english": "en",
    "영어": "en",
}


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec and is_particle_spec(format_spec):
            return with_particle(str(value), format_spec)
        return str(super().format_field(value, format_spec))


_FORMATTER = _Formatter()


def language(value: str | None, default: Language = DEFAULT) -> Language:
    """``value`` as a supported language code, or ``default``."""
    if value == "en":
        return "en"
    if value == "ko":
        return "ko"
    return default


def parse_language(word: str) -> Language | None:
    """The language a user means by ``word`` (``en``, ``영어``, ``English``), or None."""
    return _LANGUAGE_WORDS.get(word.strip().lower())


def t(lang: str, key: str, /, **values: Any) -> str:
    """The message ``key`` in ``lang`` (Korean when ``lang`` is unknown), filled with ``values``."""
    catalog = CATALOGS.get(cast(Language, lang), CATALOGS[DEFAULT])
    return _FORMATTER.vformat(catalog[key], (), values)


def has(key: str) -> bool:
    return key in CATALOGS[DEFAULT]


def weekday(lang: str, index: int) -> str:
    """Short weekday name, Monday = 0 (월, Mon)."""
    return t(lang, "date.weekdays").split()[index]


def date_values(lang: str, day: date) -> dict[str, Any]:
    """Every field a catalog date may name (``{month}월 {day}일``, ``{month_name} {day}``)."""
    return {
        "year": day.year,
        "month": day.month,
        "month_name": day.strftime("%b"),
        "day": day.day,
        "weekday": weekday(lang, day.weekday()),
    }
