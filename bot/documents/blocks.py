"""Lines → blocks: headings, paragraphs, list items, tables (rows of cells) and rules.

Markdown syntax is read once here (``#``, ``-``/``1.``, ``|`` rows, ``---``), inline marks
(``**bold**``, links, images, escapes) are dropped, and a sentence a converter broke over two
lines is joined again.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.documents.markup import SPACES
from bot.documents.model import Block

_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[image\]|<그림>")
_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:https?:|/|#)[^)]*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+•∙·]|\d{1,2}[.)])\s+(.*)$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|^\s*\|")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
ENDS_SENTENCE = re.compile(r"(?:다|요|음|임|함|됨|까|니다)\s*[.!?]?[\"'”’)]*$|[.!?:：]$")
_CONTINUES = re.compile(r"[,․·‧、]$")
_UNIT_START = re.compile(r"^[□■ㅇ○◦●◇◆▶▷►※*\-–•∙·➊-➓①-⑳(<\[【「『\"“‘'0-9]")


_ESCAPE = re.compile(r"\\([~*_#|\[\]()`>+-])")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")


def _clean_inline(text: str) -> str:
    # each step only where its mark is in the text: most lines have none of them
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)  # markdown escapes: ’14년\~’15년
    if "[" in text or "<그림>" in text:
        text = _MD_IMAGE.sub("", text)
        text = _MD_LINK.sub(r"\1", text)
    if "**" in text or "__" in text:
        text = _BOLD.sub(lambda m: m.group(1) or m.group(2), text)
        text = text.replace("**", "")
    return SPACES.sub(" ", text).strip()


def _cells(line: str) -> tuple[str, ...]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") else body
    cells = []
    for cell in body.split("|"):
        parts = [_clean_inline(p) for p in re.split(r"<br\s*/?>", cell, flags=re.I)]
        cells.append("\n".join(p for p in parts if p))
    return tuple(cells)


def parse_lines(lines: list[str]) -> list[Block]:
    """Blocks from markdown-like lines; a sentence broken over two lines is joined again."""
    blocks: list[Block] = []
    rows: list[tuple[str, ...]] = []
    blank_before = True

    def end_table() -> None:
        if rows:
            blocks.append(Block("table", rows=tuple(rows)))
            rows.clear()

    for raw_line in lines:
        line = raw_line.rstrip()
        if not line.strip():
            end_table()
            blank_before = True
            continue
        if _TABLE_ROW.match(line):
            if not _TABLE_RULE.match(line):
                cells = _cells(line)
                if any(cells):
                    rows.append(cells)
            blank_before = False
            continue
        end_table()
        if _RULE.match(line):
            blocks.append(Block("rule"))
        elif m := _HEADING.match(line):
            text = _clean_inline(m.group(2))
            if text:
                blocks.append(Block("heading", text, level=len(m.group(1))))
        elif m := _ITEM.match(line):
            text = _clean_inline(m.group(1))
            if text:
                blocks.append(Block("item", text, level=len(line) - len(line.lstrip())))
        else:
            text = _clean_inline(line.lstrip("> "))
            if not text:
                continue
            prev = blocks[-1] if blocks else None
            if prev is not None and prev.kind in ("paragraph", "item") and _continues(prev, text):
                blocks[-1] = replace(prev, text=f"{prev.text} {text}")
            else:
                blocks.append(Block("paragraph", text))
        blank_before = False
    end_table()
    del blank_before
    return blocks


def _continues(prev: Block, text: str) -> bool:
    """A line that continues the previous unit (a sentence the converter broke in two)."""
    if _UNIT_START.match(text) or ENDS_SENTENCE.search(prev.text):
        return False
    if len(prev.text) < 20:
        return False
    return bool(_CONTINUES.search(prev.text)) or (
        _ENDS_HANGUL.search(prev.text) is not None
        and _STARTS_HANGUL.match(text) is not None
        and _ENDS_JOINING.search(prev.text) is not None
    )


_ENDS_HANGUL = re.compile(r"[가-힣]$")
_STARTS_HANGUL = re.compile(r"^[가-힣]")
_ENDS_JOINING = re.compile(r"(고|며|여|해|서|면|나|및|의|와|과|는|을|를|에|로)$")
