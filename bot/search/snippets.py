"""Pure: the few words of a document around the first match, with the matches marked."""

from __future__ import annotations

import re

SNIPPET_CHARS = 120


_SPACES = re.compile(r"\s+")


def snippet(
    text: str, pattern: re.Pattern[str] | None, width: int = SNIPPET_CHARS
) -> tuple[tuple[str, bool], ...]:
    """About ``width`` characters of ``text`` around the first match, as (text, matched)
    segments; the start of the text when nothing matches."""
    text = _SPACES.sub(" ", text).strip()
    first = pattern.search(text) if pattern else None
    start = 0 if first is None else max(0, first.start() - width // 3)
    end = min(len(text), start + width)
    if start > 0:  # begin at a word boundary when one is near
        space = text.find(" ", start, first.start() if first else end)
        start = space + 1 if space >= 0 else start
    window = text[start:end]
    segments: list[tuple[str, bool]] = []
    if start > 0:
        segments.append(("…", False))
    pos = 0
    for match in pattern.finditer(window) if pattern else ():
        if match.start() > pos:
            segments.append((window[pos : match.start()], False))
        if match.end() > match.start():
            segments.append((match.group(0), True))
        pos = match.end()
    if pos < len(window):
        segments.append((window[pos:], False))
    if end < len(text):
        segments.append(("…", False))
    return tuple(segments)
