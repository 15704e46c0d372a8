"""Reading what people type, purely: a command and its words, rule lists, modes, and whether a
plain message reads like a search. Text in, values out (or a :class:`CommandError` carrying a
catalog key); nothing here touches the store or the clock."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.commands.names import COMMAND_NAMES, CommandSpec
from bot.errors import CommandError
from bot.korean import tokens

MAX_INPUT = 1000  # characters of a whole command we read at all
MAX_KEYWORD = 40
MAX_SEARCH = 200
MAX_WORDS = 60  # rules read from one /subscribe
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_TOKEN = re.compile(r'"([^"]*)"|“([^”]*)”|(\S+)')
# Lists people type: 반도체,AI · 반도체、AI · 반도체·AI (the dot only when the whole is no name)
_LIST_SEPARATORS = re.compile(r"[,，、;]+")
_MIDDLE_DOT = re.compile(r"[·•ㆍ]+")

Mode = Literal["instant", "daily", "both"]
_MODES: dict[str, Mode] = {
    "instant": "instant",
    "즉시": "instant",
    "즉시알림": "instant",
    "바로": "instant",
    "바로알림": "instant",
    "실시간": "instant",
    "실시간알림": "instant",
    "알림": "instant",
    "daily": "daily",
    "매일": "daily",
    "매일요약": "daily",
    "하루한번": "daily",
    "요약": "daily",
    "일간": "daily",
    "both": "both",
    "둘다": "both",
    "모두": "both",
    "전부": "both",
    "다": "both",
    "즉시알림+매일요약": "both",
    "즉시+매일": "both",
}
_ALL = ("all", "전체", "모두", "전부", "다")


@dataclass(frozen=True, slots=True)
class Parsed:
    """A command split into its name and argument words; ``slash`` when typed with ``/``."""

    name: str
    args: tuple[str, ...]
    raw_args: str
    slash: bool = True

    @property
    def spec(self) -> CommandSpec | None:
        """The command this name means (any of its names, any case); None when none."""
        return COMMAND_NAMES.get(self.name)


def parse_command(text: str) -> Parsed:
    """The command in ``text``; CommandError (with a catalog key) when it cannot be read."""
    if len(text) > MAX_INPUT:
        raise CommandError(key="input.too_long", limit=MAX_INPUT)
    cleaned = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    if not cleaned:
        raise CommandError(key="input.empty")
    slash = cleaned.startswith("/")
    head, _, rest = cleaned.partition(" ")
    name = head.removeprefix("/").split("@", 1)[0].lower()  # Telegram: /subscribe@sokbo_bot
    args = tuple(next(g for g in m.groups() if g is not None) for m in _TOKEN.finditer(rest))
    return Parsed(
        name=name,
        args=tuple(a for a in (x.strip() for x in args) if a),
        raw_args=rest,
        slash=slash,
    )


def split_words(raw_args: str, is_name: Callable[[str], bool]) -> list[str]:
    """Rule words as typed: spaces, commas and ``、`` separate; a middle dot separates too,
    unless the whole word is a name the bot knows (``창업·벤처``); ``"…"`` keeps a phrase."""
    words: list[str] = []
    for match in _TOKEN.finditer(raw_args):
        in_quotes = match.group(3) is None
        token = next(g for g in match.groups() if g is not None).strip()
        if in_quotes:
            words.append(" ".join(token.split()))
            continue
        for piece in _LIST_SEPARATORS.split(token):
            if not piece or is_name(piece):
                words.append(piece)
            else:
                words.extend(_MIDDLE_DOT.split(piece))
    return [w for w in (w.strip() for w in words) if w and w != "-"]


def means_all(word: str) -> bool:
    """``/unsubscribe all`` (전체, 모두, …): every rule at once."""
    return word.lower() in _ALL


def parse_mode(args: tuple[str, ...]) -> Mode | None:
    """The delivery mode /mode's words name (``즉시 알림``, ``매일``, ``both``), or None."""
    typed = "".join(args).lower()
    return _MODES.get(typed) if typed else None


def shown(value: str, limit: int = 20) -> str:
    """User input echoed back: short, one line."""
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def quoted(value: str, limit: int = 20) -> str:
    return f"'{shown(value, limit)}'"


# Tags (mecab-ko-dic) of words that make a message a sentence to someone rather than a
# search: verbs, adjectives, endings, interjections; and anything the analyser cannot read.
_CHAT_TAGS = ("V", "E", "IC", "XSV", "XSA", "UNKNOWN")


def looks_like_search(text: str) -> bool:
    """True for short noun phrases (``반도체 지원사업``, ``AI 예산``); False for greetings,
    questions and requests (``안녕하세요``, ``뭐해``, ``반도체 뉴스 알려줘``)."""
    if "?" in text or len(text) > 60 or len(text.split()) > 6:
        return False
    found = tokens(text)
    if not found:
        return False
    for token in found:
        for tag in token.tag.split("+"):
            if tag.startswith(_CHAT_TAGS):
                return False
    return any(tok.tag.startswith(("NN", "SL", "SN", "NR")) for tok in found)
