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
