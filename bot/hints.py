"""The closest known word to a keyword nobody's stories contain (``반도채`` → ``반도체``). Pure.

Distance is counted in jamo (initial, medial, final of each syllable), so one wrong vowel
(채/체) is one edit, not a whole syllable. Used by /subscribe: a keyword no stored story ever
contained gets a Korean hint naming the closest indexed word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_HANGUL_START, _HANGUL_END = 0xAC00, 0xD7A3


def jamo(word: str) -> str:
    """``반도체`` → its 7 jamo as code points (other characters kept as they are)."""
    out = []
    for ch in word:
        code = ord(ch)
        if _HANGUL_START <= code <= _HANGUL_END:
            index = code - _HANGUL_START
            out.append(chr(0x1100 + index // 588))
            out.append(chr(0x1161 + (index % 588) // 28))
            if index % 28:
                out.append(chr(0x11A7 + index % 28))
        else:
            out.append(ch.lower())
    return "".join(out)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or ``limit + 1`` as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def closest_word(word: str, known: Iterable[str]) -> str | None:
    """The known word nearest to ``word`` (at most one jamo edit per two syllables, at least
    one), or None. Ties go to the word seen first (callers pass the most frequent first)."""
    target = jamo(word)
    limit = max(1, len(word) // 2)
    best: tuple[int, str] | None = None
    for candidate in known:
        if candidate == word or abs(len(candidate) - len(word)) > 1:
            continue
        distance = edit_distance(target, jamo(candidate), limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def words_of(texts: Iterable[str]) -> list[str]:
    """Words of ``texts`` (Hangul runs of two syllables or more, Latin words of three letters
    or more), most frequent first."""
    counts: dict[str, int] = {}
    for text in texts:
        for w in re.findall(r"[가-힣]{2,}|[A-Za-z][A-Za-z0-9]{2,}", text):
            counts[w.lower()] = counts.get(w.lower(), 0) + 1
    return sorted(counts, key=lambda w: -counts[w])
