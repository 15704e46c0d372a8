"""Text hygiene: what arrives from outside is cleaned once, at ingest, before it is stored.

Removed: NUL and the other C0 controls except newline and tab (PostgreSQL refuses NUL in
text; Telegram shows the rest as boxes), DEL and the C1 controls, and the bidirectional
overrides and isolates (U+202A–U+202E, U+2066–U+2069, with the LRM/RLM/ALM marks), which
make ``\\u202egnp.exe`` display as ``exe.png``. Lone surrogates (undecodable bytes carried
through) become U+FFFD. ``\\r\\n`` and lone ``\\r`` become ``\\n``.

Feed documents pass :func:`clean_text` in the parser; every renderer passes its output
through :func:`strip_bidi` as well, so text that did not come through a feed (an LLM's
answer, a user's search words, a feed name) cannot carry the same tricks to a chat.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_CONTROLS = frozenset(
    [*(c for c in range(0x20) if c not in (0x09, 0x0A)), 0x7F, *range(0x80, 0xA0)]
)
_DROP = dict.fromkeys(sorted(_CONTROLS | BIDI_CONTROLS), None)
_BIDI_ONLY = dict.fromkeys(sorted(BIDI_CONTROLS), None)
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNSAFE = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in sorted(_CONTROLS | BIDI_CONTROLS)) + "\ud800-\udfff]"
)


def clean_text(text: str) -> str:
    """``text`` without control, bidi-override and surrogate characters (see module doc)."""
    if not _UNSAFE.search(text) and "\r" not in text:
        return text  # the common case costs one scan
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _SURROGATE.sub("\ufffd", text.translate(_DROP))


def strip_bidi(text: str) -> str:
    """``text`` without bidi controls and NUL-like controls; for renderers' final output
    (newlines and tabs stay)."""
    if not _UNSAFE.search(text):
        return text
    return _SURROGATE.sub("\ufffd", text.translate(_DROP))


def is_clean(text: str) -> bool:
    return not _UNSAFE.search(text)
