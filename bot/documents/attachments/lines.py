"""What every attachment parser hands back: markdown-like lines the Document builder reads.

Paragraphs are one line each; a table becomes ``| a | b |`` rows (a cell's own line breaks
as ``<br>``), so :mod:`bot.documents.blocks` sees the same table an HTML release gives and
the contact extractor reads a 담당 부서 table cell by cell. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.documents.source import joined_lines

_SPACES = re.compile(r"[ \t\u00a0\u3000\u2002-\u200a]+")


@dataclass(slots=True)
class Cell:
    """One table cell at its grid position (spans as the file gives them)."""

    row: int
    col: int
    lines: list[str]
    row_span: int = 1
    col_span: int = 1


@dataclass(slots=True)
class Table:
    cells: list[Cell] = field(default_factory=list)


def clean_line(text: str) -> str:
    """Runs of spaces (tabs, full-width spaces) squashed, ends trimmed."""
    return _SPACES.sub(" ", text).strip()


def _cell_markdown(lines: Sequence[str]) -> str:
    parts = [clean_line(line.replace("|", "│")) for line in lines]
    return "<br>".join(p for p in parts if p)


def table_lines(table: Table) -> list[str]:
    """A table as markdown rows. A one-cell table is a box around text (a title, a note, a
    whole body): its lines come out as paragraphs, not as a one-cell row."""
    cells = [c for c in table.cells if any(line.strip() for line in c.lines)]
    if not table.cells:
        return []
    if len(table.cells) == 1 or len({(c.row, c.col) for c in table.cells}) == 1:
        return [line for c in table.cells for line in c.lines if line.strip()]
    if not cells:
        return []
    height = max(c.row + max(1, c.row_span) for c in table.cells)
    width = max(c.col + max(1, c.col_span) for c in table.cells)
    if height * width > 20_000:  # nonsense addresses: keep the text in reading order
        return [_cell_markdown(c.lines) for c in cells]
    grid = [["" for _ in range(width)] for _ in range(height)]
    for c in cells:
        if 0 <= c.row < height and 0 <= c.col < width:
            grid[c.row][c.col] = _cell_markdown(c.lines)
    out = [""]
    for row in grid:
        if any(row):
            out.append("| " + " | ".join(row) + " |")
    out.append("")
    return out


def to_text(lines: Sequence[str]) -> str:
    """The lines as one markdown text, at most one blank line in a row."""
    return joined_lines(lines)
