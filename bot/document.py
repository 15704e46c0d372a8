"""One press release as a typed value: built once from the feed's HTML, markdown or plain text.

Contacts, both summarizers, matching and search read this one :class:`Document`. Whatever
separates items in the source (``<li>``, ``<br>``, ``<p>``, blank lines, table cells, ``|``)
the result is the same: a title, header fields (보도시점, 배포, 부처), a lead, sections of
headings, paragraphs, list items and tables (rows of cells), the contact block and the
attachments. Angle-bracket text that is not HTML (``<TIPS 프로그램>``, ``&lt;AI 기본법&gt;``,
``<총괄>``) stays text.

The canonical serialization (:meth:`Document.to_markdown`) is what ingest stores as an
article's text; :func:`build_document` reads it back to the same structure, so the stored
copy and the value the pipeline works on never diverge. Pure and never raises for odd input.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from html.parser import HTMLParser
from typing import Literal

from bot.types import Contact

BlockKind = Literal["heading", "paragraph", "item", "table", "rule"]
MAX_INPUT = 400_000  # characters read from one source; the rest is ignored


@dataclass(frozen=True, slots=True)
class Block:
    """A heading, a paragraph, a list item (one line each) or a table (rows of cells)."""

    kind: BlockKind
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    level: int = 0

    @property
    def plain(self) -> str:
        if self.kind == "table":
            return "\n".join(" | ".join(c.replace("\n", " ") for c in row) for row in self.rows)
        return self.text


@dataclass(frozen=True, slots=True)
class Section:
    """A heading (empty for the part before the first heading) and the blocks under it."""

    heading: str
    blocks: tuple[Block, ...]
    level: int = 0


@dataclass(frozen=True, slots=True)
class Document:
    """What a digest is made from (a story's article, or a file for ``sokbo summarize``)."""

    title: str
    text: str = ""  # the canonical markdown (see module doc); built from the structure
    url: str = ""
    published_at: datetime | None = None
    source: str | None = None  # feed name or 부처
    content_hash: str = ""
    story_id: int | None = None
    tag: str = ""  # 보도참고자료, 참고, 설명 … from the title
    fields: tuple[tuple[str, str], ...] = ()  # header: (보도시점, …), (배포, …), (부처, …)
    lead: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    contact_block: tuple[Block, ...] = ()
    attachments: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] | None = None  # None: not extracted yet
    structured: bool = field(default=False, compare=False)

    def field(self, name: str) -> str | None:
        key = _field_key(name)
        return next((v for k, v in self.fields if k == key), None)

    @property
    def organization(self) -> str | None:
        """The releasing 부처 from the header (``부처: 국토교통부``), if given."""
        return self.field("부처")

    def body_blocks(self) -> Iterator[Block]:
        for section in self.sections:
            yield from section.blocks

    def body_text(self) -> str:
        """Headings, paragraphs and items, one per line; no tables, contacts or attachments."""
        lines: list[str] = []
        for section in self.sections:
            if section.heading:
                lines.append(section.heading)
            lines += [b.text for b in section.blocks if b.kind in ("paragraph", "item")]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        return serialize(self)


# --- building --------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A\s*---\s*\n(.*?)\n---\s*\n", re.S)
_SOURCE_LINE = re.compile(r"\ASOURCE:[^\n]*\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_URL = re.compile(r"https?://[^\s)<>\"']+")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[image\]|<그림>")
_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:https?:|/|#)[^)]*\)")


def build_document(
    raw: str,
    *,
    title: str = "",
    url: str = "",
    published_at: datetime | None = None,
    source: str | None = None,
    story_id: int | None = None,
    contacts: Iterable[Contact] | None = None,
) -> Document:
    """The Document of one HTML / markdown / plain source; never raises for odd input."""
    raw = _CONTROL.sub("", raw[:MAX_INPUT].replace("\r\n", "\n").replace("\r", "\n"))
    raw = _SOURCE_LINE.sub("", raw, count=1)
    front_title = ""
    if m := _FRONT_MATTER.match(raw):
        for line in m.group(1).splitlines():
            if line.startswith("title:"):
                front_title = line.split(":", 1)[1].strip().strip("'\"")
        raw = raw[m.end() :]
    lines = markup_lines(raw)
    blocks = parse_lines(lines)
    doc = assemble(blocks, title=title or front_title, url=url, source=source)
    doc = replace(
        doc,
        published_at=published_at or doc.published_at,
        story_id=story_id,
        contacts=tuple(contacts) if contacts is not None else None,
    )
    text = serialize(doc)
    digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
    return replace(doc, text=text, content_hash=digest, structured=True)


def article_text(markup: str, *, title: str = "") -> str:
    """The stored text of a feed item: its Document as canonical markdown without the
    ``# title`` line (the article keeps its title apart), so every later step rebuilds the
    same structure from the stored copy."""
    doc = build_document(markup, title=title)
    return serialize(replace(doc, title="", tag=""))


def structure(doc: Document) -> Document:
    """``doc`` with its structure, parsed from ``doc.text`` when it was built from text only."""
    if doc.structured:
        return doc
    built = build_document(
        doc.text,
        title=doc.title,
        url=doc.url,
        published_at=doc.published_at,
        source=doc.source,
        story_id=doc.story_id,
        contacts=doc.contacts,
    )
    return replace(built, content_hash=doc.content_hash or built.content_hash)


# --- HTML → lines ----------------------------------------------------------------------------

_ELEMENTS = frozenset(
    [
        "a",
        "abbr",
        "address",
        "article",
        "aside",
        "b",
        "big",
        "blockquote",
        "body",
        "br",
        "button",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "font",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hr",
        "html",
        "i",
        "iframe",
        "img",
        "input",
        "ins",
        "kbd",
        "label",
        "li",
        "link",
        "main",
        "mark",
        "meta",
        "nav",
        "noscript",
        "object",
        "ol",
        "p",
        "picture",
        "pre",
        "q",
        "s",
        "script",
        "section",
        "select",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "style",
        "sub",
        "sup",
        "svg",
        "table",
        "tbody",
        "td",
        "template",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "tt",
        "u",
        "ul",
        "video",
        "wbr",
    ]
)
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
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "blockquote",
        "pre",
        "ul",
        "ol",
        "dl",
        "dd",
        "dt",
        "address",
        "center",
        "figcaption",
        "caption",
        "header",
        "footer",
        "nav",
        "aside",
        "figure",
        "hr",
    ]
)


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
        text = _SPACES.sub(" ", "".join(self.current)).strip()
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
    parts = [_SPACES.sub(" ", p).strip() for p in cell.replace("|", "│").split("\n")]
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
    parser = _Lines()
    # Markdown line structure survives: newlines outside tags become line breaks.
    parser.feed(_protect_text_brackets(raw).replace("\n", "<br>"))
    parser.close()
    return [line.replace("\u2028", "<br>") for line in parser.lines]


# --- lines → blocks --------------------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+•∙·]|\d{1,2}[.)])\s+(.*)$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|^\s*\|")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_ENDS_SENTENCE = re.compile(r"(?:다|요|음|임|함|됨|까|니다)\s*[.!?]?[\"'”’)]*$|[.!?:：]$")
_CONTINUES = re.compile(r"[,․·‧、]$")
_UNIT_START = re.compile(r"^[□■ㅇ○◦●◇◆▶▷►※*\-–•∙·➊-➓①-⑳(<\[【「『\"“‘'0-9]")


def _clean_inline(text: str) -> str:
    text = re.sub(r"\\([~*_#|\[\]()`>+-])", r"\1", text)  # markdown escapes: ’14년\~’15년
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text)
    text = text.replace("**", "")
    return _SPACES.sub(" ", text).strip()


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
    if _UNIT_START.match(text) or _ENDS_SENTENCE.search(prev.text):
        return False
    if len(prev.text) < 20:
        return False
    return bool(_CONTINUES.search(prev.text)) or (
        re.search(r"[가-힣]$", prev.text) is not None
        and re.match(r"^[가-힣]", text) is not None
        and re.search(r"(고|며|여|해|서|면|나|및|의|와|과|는|을|를|에|로)$", prev.text) is not None
    )


# --- blocks → document -----------------------------------------------------------------------

_FIELD_NAMES = {
    "보도시점": "보도시점",
    "보도일시": "보도시점",
    "보도일자": "보도시점",
    "보도": "보도시점",
    "배포": "배포",
    "배포일시": "배포",
    "배포일자": "배포",
    "부처": "부처",
    "출처": "출처",
    "게시시각": "게시 시각",
    "등록일": "게시 시각",
    "기사URL": "기사 URL",
    "HWPX첨부": "첨부",
    "PDF첨부": "첨부",
}
_FIELD = re.compile(r"^\s*([^:：|/]{1,12}?)\s*[:：]\s*(.+?)\s*$")
_TAG_PREFIX = re.compile(
    r"^\s*[\[(<【]\s*(보도\s*참고\s*자료|보도\s*자료|참고\s*자료|참고|설명\s*자료|설명|해명\s*자료|"
    r"해명|보도\s*해명|정정|알림|사진|사전\s*배포|보도\s*설명)\s*[\])>】]\s*"
)
# Date/edition prefixes: [4.14.화.조간], [4월 14일(화) 석간], (4.14) …
_EDITION_PREFIX = re.compile(
    r"^\s*[\[(【]\s*(?=[^\])】]*(?:\d|조간|석간|즉시|엠바고|온라인))"
    r"[0-9.\s월일()/~·,:화수목금토일월요조간석간즉시보도엠바고온라인시분오전후-]{1,30}[\])】]\s*"
)
_TAG_ONLY = re.compile(
    r"^[\s\[(<]*(보\s*도\s*(참\s*고\s*)?자\s*료|참\s*고\s*자\s*료|설\s*명\s*자\s*료)[\s\])>]*$"
)
_CONTACT_HEADING = re.compile(
    r"^[\s<\[(]*(담당\s*부서|담당\s*기관|문의\s*처?|연락처|보도\s*담당)\s*[>\])]*\s*:?\s*$"
)
_ATTACHMENT_HEADING = re.compile(r"^[\s<\[(]*(첨부\s*파일|첨부)\s*[>\])]*\s*$")
_ATTACHMENT_FILE = re.compile(r"\.(hwpx?|pdf|docx?|xlsx?|zip|jpe?g|png)\s*$", re.I)
_CONTACT_CELL = re.compile(
    r"^\s*(담당\s*부서|담당자|책임자|담당\s*기관)\s*[:：]?\s*$|^\s*(담당\s*부서|책임자|담당자)\b"
)


def _field_key(name: str) -> str:
    squashed = re.sub(r"\s+", "", name)
    return _FIELD_NAMES.get(squashed, squashed)


def split_title(title: str) -> tuple[str, str]:
    """(tag, headline): ``[4.14.화.조간]`` prefixes dropped, ``[보도참고자료]`` kept as a tag."""
    title = _SPACES.sub(" ", title).strip().lstrip("#").strip()
    tag = ""
    for _ in range(3):
        if m := _EDITION_PREFIX.match(title):
            title = title[m.end() :]
            continue
        if (m := _TAG_PREFIX.match(title)) and not tag:
            tag = re.sub(r"\s+", "", m.group(1))
            title = title[m.end() :]
            continue
        break
    return tag, title.strip()


def _header_fields(blocks: list[Block]) -> list[tuple[str, str]]:
    """Header fields from the first blocks: ``- 부처: …`` lines, ``보도시점: … / 배포: …`` and
    the header table (``| 보 도 일 시 | 2021년 4월 23일 … |``)."""
    found: list[tuple[str, str]] = []
    for block in blocks[:40]:
        if block.kind in ("item", "paragraph"):
            for piece in re.split(r"\s+/\s+", block.text):
                if (m := _FIELD.match(piece)) and _field_key(m.group(1)) in _FIELD_NAMES.values():
                    found.append((_field_key(m.group(1)), m.group(2).strip()))
        elif block.kind == "table":
            for row in block.rows:
                for i, cell in enumerate(row[:-1]):
                    key = _field_key(cell.split("\n")[0])
                    if key in ("보도시점", "배포") and row[i + 1].strip():
                        found.append((key, row[i + 1].replace("\n", " ").strip()))
    return found


def _is_field_block(block: Block) -> bool:
    if block.kind not in ("item", "paragraph"):
        return False
    pieces = re.split(r"\s+/\s+", block.text)
    return all(
        (m := _FIELD.match(p)) is not None and _field_key(m.group(1)) in _FIELD_NAMES.values()
        for p in pieces
    )


def _contact_table(block: Block) -> bool:
    if block.kind != "table":
        return False
    cells = [c for row in block.rows for c in row]
    from bot.contacts import PHONE  # a leaf module: no import cycle at run time

    return any(_CONTACT_CELL.match(c) for c in cells) and any(PHONE.search(c) for c in cells)


def _contact_line(block: Block) -> bool:
    """A list item or paragraph of a contact block (``담당 부서: … / 책임자 과장 … / (044-…)``)."""
    from bot.contacts import PHONE, is_title_word

    if block.kind not in ("item", "paragraph") or len(block.text) > 300:
        return False
    text = block.text
    if re.match(r"^\s*<?\s*(담당\s*부서|담당\s*기관|책임자|담당자)\s*>?\s*[:：/]", text):
        return True
    if re.search(r"(책임자|담당자)\s*[:：/]?\s", text) and PHONE.search(text):
        return True
    # "주무관 / 노태훈 / (044-201-3248)", "<총괄>: 재정담당관 / 담당자 …"
    return bool(PHONE.search(text)) and (is_title_word(text) or text.lstrip().startswith("<"))


def assemble(blocks: list[Block], *, title: str, url: str, source: str | None) -> Document:
    """Sort blocks into header, lead, sections, contact block and attachments."""
    fields = _header_fields(blocks)
    found_title = title
    if not found_title:
        found_title = next(
            (
                b.text
                for b in blocks
                if b.kind == "heading" and b.level == 1 and _title_like(b.text)
            ),
            "",
        )
    if not found_title:
        found_title = next(
            (b.text for b in blocks[:60] if b.kind == "heading" and _title_like(b.text)), ""
        )
    if not found_title:
        found_title = next(
            (b.text for b in blocks if b.kind in ("heading", "paragraph") and _title_like(b.text)),
            "",
        )[:200]
    tag, headline = split_title(found_title)
    if not tag:
        tag = next((f"{v}" for k, v in fields if k == "구분"), "")
    contact: list[Block] = []
    attachments: list[str] = []
    sections: list[Section] = []
    heading, level = "", 0
    body: list[Block] = []
    mode = "body"  # or "contacts" / "attachments" after such a heading
    for block in blocks:
        if block.kind == "heading":
            if block.level == 1 and _same_title(block.text, found_title):
                continue
            if _CONTACT_HEADING.match(block.text):
                mode = "contacts"
                continue
            if _ATTACHMENT_HEADING.match(block.text):
                mode = "attachments"
                continue
            if mode == "contacts" and _contact_line(Block("paragraph", block.text)):
                contact.append(Block("item", block.text))
                continue
            mode = "body"
            if body or heading:
                sections.append(Section(heading, tuple(body), level))
            heading, level, body = block.text, block.level, []
            continue
        if block.kind == "rule":
            if mode != "body":
                mode = "body"
            continue
        if _is_field_block(block):
            continue
        is_line = block.kind in ("item", "paragraph")
        if is_line and (mode == "attachments" or _ATTACHMENT_FILE.search(block.text)):
            attachments.append(block.text)
            continue
        if mode == "contacts" or _contact_table(block) or _contact_line(block):
            contact.append(block)
            continue
        if _is_field_block(block):
            continue
        if block.kind == "table" and _header_table(block):
            continue
        body.append(block)
    if body or heading:
        sections.append(Section(heading, tuple(body), level))
    for key, value in fields:
        if key == "첨부" and value not in attachments:
            attachments.append(value)
    if not url:
        url_value = next((v for k, v in fields if k == "기사 URL"), "")
        url = m.group(0) if (m := _URL.search(url_value)) else ""
    organization = next((v for k, v in fields if k == "부처"), None)
    published = _published(fields)
    lead = _lead(sections, headline)
    return Document(
        title=headline,
        url=url,
        source=source or organization,
        published_at=published,
        tag=tag,
        fields=tuple(fields),
        lead=lead,
        sections=tuple(sections),
        contact_block=tuple(contact),
        attachments=tuple(attachments),
    )


def _header_table(block: Block) -> bool:
    """The header table of a release (보도일시, 배포, 담당 …): fields, not body."""
    keys = {_field_key(row[0].split("\n")[0]) for row in block.rows if row}
    return bool(keys & {"보도시점", "배포"}) and len(block.rows) <= 6


def _title_like(line: str) -> bool:
    from bot.agencies import resolve_agency

    line = split_title(line.strip())[1]  # [보도참고자료], [4.14.화.조간] are not the title
    if _TAG_ONLY.match(line) or _FIELD.match(line):
        return False  # a field or a tag, not a title
    # a title starts with a word, a quote or a year (2026년, ’26년) — not a bullet, a bracket
    # note (【관련 국정과제】), a table fragment (△37.9%) …) or a number
    if not re.match(r"^(?:[가-힣A-Za-z‘’'\"“「『]|\d{2,4}\s*년|\d{1,2}\s*월)", line):
        return False
    digits = len(re.findall(r"\d", line))
    if digits > 0.4 * len(line) or re.search(r"[*※]|\s{2,}|(?:[가-힣] ){4,}", line):
        return False  # figures, footnote marks or letter-spaced conversion text
    if re.search(r"보도\s*시점|배\s*포|보\s*도\s*일\s*시|다\.$", line):
        return False
    return (
        6 <= len(line) <= 120
        and len(re.findall(r"[가-힣]", line)) >= 6
        and bool(re.search(r"[가-힣]", line))
        and not re.search(r"바로가기|누리집|영역$|메뉴|^SOURCE:|^Last Updated|로그인", line)
        and resolve_agency(line) is None
    )


def _bigrams(text: str) -> set[str]:
    s = re.sub(r"[^0-9A-Za-z가-힣]", "", text)
    return {s[i : i + 2] for i in range(len(s) - 1)}


def _same_title(a: str, b: str) -> bool:
    ga, gb = _bigrams(a), _bigrams(b)
    return bool(ga and gb) and len(ga & gb) >= 0.7 * min(len(ga), len(gb))


def _lead(sections: list[Section], headline: str) -> tuple[str, ...]:
    """The subtitle lines right after the title (``- 중동상황의 … 신속 추가 편성``)."""
    out: list[str] = []
    for section in sections[:2]:
        if section.heading and not _same_title(section.heading, headline) and out:
            break
        for block in section.blocks:
            if block.kind == "table":
                continue
            text = block.text.strip(" -–")
            if _ENDS_SENTENCE.search(text) or len(text) > 120 or text.startswith(("□", "ㅇ")):
                return tuple(out)
            if len(out) < 3 and re.search(r"[가-힣]", text):
                out.append(text)
    return tuple(out)


_DATE_IN = re.compile(
    r"(\d{4})\s*[.년-]\s*(\d{1,2})\s*[.월-]\s*(\d{1,2})\s*[.일]?"
    r"(?:\s*\(?[월화수목금토일]\)?)?(?:\s*(\d{1,2}):(\d{2}))?"
)
_US_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})\s+(\d{1,2}):(\d{2})")


def _published(fields: list[tuple[str, str]]) -> datetime | None:
    """When the release was published: 게시 시각, else 배포, else 보도시점 (KST)."""
    from bot.clock import KST

    order = {"게시 시각": 0, "배포": 1, "보도시점": 2}
    for _, value in sorted((f for f in fields if f[0] in order), key=lambda f: order[f[0]]):
        try:
            if m := _US_DATE.match(value):
                mo, d, y, h, mi = (int(x) for x in m.groups())
                return datetime(y, mo, d, h, mi, tzinfo=KST)
            if m2 := _DATE_IN.search(value):
                y, mo, d = int(m2.group(1)), int(m2.group(2)), int(m2.group(3))
                h = int(m2.group(4) or 0)
                mi = int(m2.group(5) or 0)
                return datetime(y, mo, d, h, mi, tzinfo=KST)
        except ValueError:
            continue
    return None


def llm_text(doc: Document, *, max_rows: int = 30) -> str:
    """The release for the LLM: header dates, lead, sections with their headings, items and
    table rows — and no contact block or attachments (contacts come from the rules only)."""
    out: list[str] = []
    for key in ("보도시점", "배포"):
        if value := doc.field(key):
            out.append(f"{key}: {value}")
    for section in doc.sections:
        if section.heading:
            out += ["", f"## {section.heading}"]
        for block in section.blocks:
            if block.kind == "item":
                out.append(f"- {block.text}")
            elif block.kind == "table":
                out += [
                    " | ".join(c.replace("\n", " ") for c in row) for row in block.rows[:max_rows]
                ]
            elif block.kind == "paragraph":
                out.append(block.text)
    return "\n".join(out).strip()


# --- serialization ---------------------------------------------------------------------------


def _block_markdown(block: Block) -> list[str]:
    if block.kind == "heading":
        return ["#" * max(2, min(block.level, 6)) + " " + block.text]
    if block.kind == "item":
        return ["- " + block.text]
    if block.kind == "table":
        return [
            "| " + " | ".join(c.replace("|", "│").replace("\n", "<br>") for c in row) + " |"
            for row in block.rows
        ]
    if block.kind == "rule":
        return ["---"]
    return [block.text]


def serialize(doc: Document) -> str:
    """The canonical markdown of ``doc``; :func:`build_document` reads it back unchanged."""
    out: list[str] = []
    if doc.title:
        title = f"[{doc.tag}] {doc.title}" if doc.tag else doc.title
        out += [f"# {title}", ""]
    for key, value in doc.fields:
        out.append(f"- {key}: {value}")
    if doc.fields:
        out.append("")
    for section in doc.sections:
        if section.heading:
            out += ["#" * max(2, min(section.level or 2, 6)) + " " + section.heading, ""]
        previous: str | None = None
        for block in section.blocks:
            if (
                (previous is not None and (block.kind == "table" or previous == "table"))
                or (previous is not None and block.kind != previous)
                or previous == "paragraph"
            ):
                out.append("")
            out += _block_markdown(block)
            previous = block.kind
        out.append("")
    if doc.contact_block:
        out += ["## 담당 부서", ""]
        previous = None
        for block in doc.contact_block:
            if previous is not None and (block.kind == "table") != (previous == "table"):
                out.append("")
            out += _block_markdown(block)
            previous = block.kind
        out.append("")
    if doc.attachments:
        out += ["## 첨부파일", ""]
        out += [f"- {a}" for a in doc.attachments]
    return "\n".join(out).strip("\n")
