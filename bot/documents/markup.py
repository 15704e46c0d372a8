"""Markup → lines: HTML becomes markdown-like lines, markdown and plain text stay as they are.

One :class:`html.parser.HTMLParser` pass turns ``<h2>`` into ``## …``, ``<li>`` into ``- …``,
``<br>``/``<p>`` into line breaks and a table into ``| a | b |`` rows (a ``<br>`` inside a
cell kept as ``<br>``), so every later step reads one line syntax. A ``<`` that does not open
a known element with ASCII attributes is text (``<TIPS 프로그램>``, ``<총괄>``).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

SPACES = re.compile(r"[ \t\u00a0\u3000]+")

_ELEMENTS = frozenset(
    {"a", "abbr", "address", "article", "aside", "b", "big", "blockquote", "body", "br", "button",
     "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "div", "dl", "dt", "em",
     "figcaption", "figure", "font", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head",
     "header", "hr", "html", "i", "iframe", "img", "input", "ins", "kbd", "label", "li", "link",
     "main", "mark", "meta", "nav", "noscript", "object", "ol", "p", "picture", "pre", "q", "s",
     "script", "section", "select", "small", "source", "span", "strike", "strong", "style", "sub",
     "sup", "svg", "table", "tbody", "td", "template", "tfoot", "th", "thead", "title", "tr", "tt",
     "u", "ul", "video", "wbr"}
)  # fmt: skip
# A real tag: a known element name, then only ASCII attributes. Anything else is text.
_REAL_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9]*)"
    r"((?:\s+[a-zA-Z_:@][-a-zA-Z0-9_:.@]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>`]+))?)*)"
    r"\s*(/?)>"
)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_SKIP = frozenset(
    {"script", "style", "noscript", "template", "head", "svg", "iframe", "select", "nav",
     "header", "footer", "aside", "form", "button", "object", "figure"}
)  # fmt: skip
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_LINE_BREAKING = frozenset(
    {"p", "div", "section", "article", "main", "blockquote", "pre", "ul", "ol", "dl", "dd", "dt",
     "address", "center", "figcaption", "caption", "header", "footer", "nav", "aside", "figure",
     "hr"}
)  # fmt: skip


def has_markup(raw: str) -> bool:
    return any(m.group(2).lower() in _ELEMENTS for m in _REAL_TAG.finditer(raw[:200_000]))


def _protect_text_brackets(raw: str) -> str:
    """Escape every ``<`` that does not open a real tag, so the parser keeps it as text."""
    out: list[str] = []
    at = 0
    for m in re.finditer(r"<", raw):
        if m.start() < at:
            continue
        tag = _REAL_TAG.match(raw, m.start())
        if tag and tag.group(2).lower() in _ELEMENTS:
            out.append(raw[at : tag.end()])
            at = tag.end()
            continue
        if raw.startswith("<!--", m.start()):
            continue
        out.append(raw[at : m.start()] + "&lt;")
        at = m.start() + 1
    out.append(raw[at:])
    return "".join(out)


class _Lines(HTMLParser):
    """HTML → markdown-like lines: ``#`` headings, ``-`` items, ``| a | b |`` table rows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.prefix = ""
        self.skip = 0
        self.tables: list[list[list[str]]] = []  # open tables: rows of cells
        self.cell: list[str] | None = None
        self.cells: list[list[str]] = []  # cell buffers of open tables

    def _flush(self) -> None:
        text = SPACES.sub(" ", "".join(self.current)).strip()
        if text:
            self.lines.append(self.prefix + text)
        self.current = []
        self.prefix = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if self.tables:
            if tag == "table":  # nested table: its text joins the cell
                self.tables.append([])
                return
            if tag == "tr":
                self.tables[-1].append([])
            elif tag in ("td", "th"):
                self.cells.append([])
            elif tag in ("br", "p", "div", "li"):
                self._cell_text("\n")
            return
        if tag == "table":
            self._flush()
            self.tables.append([])
        elif tag == "br":
            self._flush()
        elif tag in _HEADINGS:
            self._flush()
            self.prefix = "#" * _HEADINGS[tag] + " "
        elif tag == "li":
            self._flush()
            self.prefix = "- "
        elif tag == "hr":
            self._flush()
            self.lines.append("---")
        elif tag in _LINE_BREAKING or tag == "tr":
            self._flush()
            self.lines.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr", "img", "td", "th", "tr", "li", "table"):
            self.handle_endtag(tag)

    def _cell_text(self, text: str) -> None:
        if self.cells:
            self.cells[-1].append(text)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if self.tables:
            if tag in ("td", "th") and self.cells:
                cell = "".join(self.cells.pop())
                if not self.tables[-1]:
                    self.tables[-1].append([])
                self.tables[-1][-1].append(cell)
            elif tag == "table":
                rows = self.tables.pop()
                if self.tables:  # nested: flatten into the enclosing cell
                    self._cell_text("\n".join(" ".join(r) for r in rows))
                else:
                    self._emit_table(rows)
            return
        if tag in _HEADINGS or tag == "li" or tag in _LINE_BREAKING:
            self._flush()
            if tag in _LINE_BREAKING:
                self.lines.append("")

    def _emit_table(self, rows: list[list[str]]) -> None:
        self.lines.append("")
        for row in rows:
            cells = [_cell_markdown(c) for c in row]
            if any(cells):
                self.lines.append("| " + " | ".join(cells) + " |")
        self.lines.append("")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.tables:
            self._cell_text(data)
        else:
            self.current.append(data.replace("\n", " "))

    def close(self) -> None:
        super().close()
        while self.tables:
            rows = self.tables.pop()
            if not self.tables:
                self._emit_table(rows)
        self._flush()


def _cell_markdown(cell: str) -> str:
    parts = [SPACES.sub(" ", p).strip() for p in cell.replace("|", "│").split("\n")]
    return "<br>".join(p for p in parts if p)


def markup_lines(raw: str) -> list[str]:
    """Lines of ``raw``: HTML turned into markdown-like lines, markdown and plain text kept."""
    if not has_markup(raw) and re.search(r"&lt;/?(?:p|div|br|li|h\d|table)\b", raw, re.I):
        raw = html.unescape(raw)  # HTML escaped once more than it should be
    if not has_markup(raw):
        return [html.unescape(line) if "&" in line else line for line in raw.split("\n")]
    raw = _COMMENT.sub("", raw)
    raw = re.sub(r"<[a-zA-Z/][^<>]*\Z", "", raw)  # a document cut off inside a tag
    # A markdown table row keeps its <br> inside its cells: it is one row, not several lines.
    raw = re.sub(
        r"(?m)^[ \t]*\|.*$", lambda m: re.sub(r"<br\s*/?>", "\u2028", m.group(0), flags=re.I), raw
    )
    # A markdown heading is one line: its <br> (a title set on two lines) is a space.
    raw = re.sub(r"(?m)^[ \t]*#{1,6}[ \t].*$", lambda m: re.sub(r"<br\s*/?>", " ", m.group(0)), raw)
    parser = _Lines()
    # Markdown line structure survives: newlines outside tags become line breaks.
    parser.feed(_protect_text_brackets(raw).replace("\n", "<br>"))
    parser.close()
    return [line.replace("\u2028", "<br>") for line in parser.lines]
