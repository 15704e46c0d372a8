"""Korean text helpers on kiwipiepy: one Kiwi per process, created on first use (~1.5 s)."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

_lock = threading.Lock()
# Kiwi tags for punctuation and symbols (SL/SN/SH, Latin, numbers and Hanja, are kept).
_MARKS = frozenset({"SF", "SP", "SS", "SSO", "SSC", "SE", "SO", "SW", "SB"})
_kiwi: Any = None


def kiwi() -> Any:
    """The process-wide Kiwi analyser (thread-safe lazy creation)."""
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, stripped, empty ones dropped."""
    return [s.text.strip() for s in kiwi().split_into_sents(text) if s.text.strip()]


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """The word without a trailing particle: 반도체를 → 반도체, 딥테크의 → 딥테크."""
    tokens = kiwi().tokenize(word)
    kept = [t.form for t in tokens if not t.tag.startswith(("J", "E")) and t.tag not in _MARKS]
    return "".join(kept) or word


# Trailing morphemes a searcher does not mean: particles, endings, 하다/되다 suffixes, marks.
_ENDING_TAGS = ("J", "E", "XSV", "XSA")


@lru_cache(maxsize=4096)
def strip_endings(word: str) -> str:
    """``word`` cut before its trailing particles and verb endings, by surface position.

    딥테크를 → 딥테크, 지원한다 → 지원, 300억을 → 300억. Unlike :func:`stem` the result is always
    a prefix of ``word`` (so it can be found as a substring of the text the word came from);
    a Korean cut shorter than two syllables is refused (경로 stays 경로).
    """
    tokens = kiwi().tokenize(word)
    cut = len(word)
    for token in reversed(tokens):
        if token.tag.startswith(_ENDING_TAGS) or token.tag in _MARKS:
            cut = min(cut, token.start)
        else:
            break
    head = word[:cut]
    if not head or head == word:
        return word
    if len(head) < 2 and "가" <= head[-1] <= "힣":
        return word
    return head
