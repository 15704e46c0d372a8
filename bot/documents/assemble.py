"""Blocks → :class:`Document`: header fields, title, lead, sections, contact block, attachments.

Blocks are sorted by what they are, not where they stand: a ``담당 부서`` heading or a row
with a designation and a phone starts the contact block, a file name or a ``첨부`` heading is
an attachment, the header table and ``보도시점: …`` lines are fields, the rest is the body.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.clock import KST
from bot.documents.blocks import ENDS_SENTENCE
from bot.documents.model import FIELD_NAMES, Block, Document, Section, field_key
from bot.documents.names import is_title_word
from bot.documents.phones import PHONE_IN_BLOCK
from bot.documents.titles import FIELD, same_title, split_title, title_like
from bot.korean import respace_letter_spaced, vocabulary

_URL = re.compile(r"https?://[^\s)<>\"']+")
_CONTACT_HEADING = re.compile(
    r"^[\s<\[(]*(담당\s*부서|담당\s*기관|문의\s*처?|연락처|보도\s*담당)\s*[>\])]*\s*:?\s*$"
)
_ATTACHMENT_HEADING = re.compile(r"^[\s<\[(]*(첨부\s*파일|첨부)\s*[>\])]*\s*$")
_ATTACHMENT_FILE = re.compile(r"\.(hwpx?|pdf|docx?|xlsx?|zip|jpe?g|png)\s*$", re.I)
_CONTACT_CELL = re.compile(
    r"^\s*(담당\s*부서|담당자|책임자|담당\s*기관)\s*[:：]?\s*$|^\s*(담당\s*부서|책임자|담당자)\b"
)


def _header_fields(blocks: list[Block]) -> list[tuple[str, str]]:
    """Header fields from the first blocks: ``- 부처: …`` lines, ``보도시점: … / 배포: …`` and
    the header table (``| 보 도 일 시 | 2021년 4월 23일 … |``)."""
    found: list[tuple[str, str]] = []
    for block in blocks[:40]:
        if block.kind in ("item", "paragraph"):
            for piece in _pieces(block.text):
                if (m := FIELD.match(piece)) and field_key(m.group(1)) in FIELD_NAMES.values():
                    found.append((field_key(m.group(1)), m.group(2).strip()))
        elif block.kind == "table":
            for row in block.rows:
                for i, cell in enumerate(row[:-1]):
                    key = field_key(cell.split("\n")[0])
                    if key in ("보도시점", "배포") and row[i + 1].strip():
                        found.append((key, row[i + 1].replace("\n", " ").strip()))
    return found


_SLASH = re.compile(r"\s+/\s+")


def _pieces(text: str) -> list[str]:
    """``text`` split at each spaced slash (``보도시점: … / 배포: …``)."""
    return _SLASH.split(text) if "/" in text else [text]


def _is_field_block(block: Block) -> bool:
    if block.kind not in ("item", "paragraph"):
        return False
    pieces = _pieces(block.text)
    return all(
        (m := FIELD.match(p)) is not None and field_key(m.group(1)) in FIELD_NAMES.values()
        for p in pieces
    )


def _contact_table(block: Block) -> bool:
    if block.kind != "table":
        return False
    cells = [c for row in block.rows for c in row]
    return any(_CONTACT_CELL.match(c) for c in cells) and any(
        PHONE_IN_BLOCK.search(c) for c in cells
    )


_DESK_FIELD = re.compile(r"^\s*<?\s*(담당\s*부서|담당\s*기관|책임자|담당자)\s*>?\s*[:：/]")
_ENDS_LIKE_SENTENCE = re.compile(r"(다|요)\s*[.!]?\s*$")
_DESK_CUE = re.compile(r"문의|담당|연락|☎")
_DESIGNATION = re.compile(r"(책임자|담당자)\s*[:：/]?\s")


def _contact_line(block: Block) -> bool:
    """A list item or paragraph of a contact block (``담당 부서: … / 책임자 과장 … / (044-…)``)."""
    if block.kind not in ("item", "paragraph") or len(block.text) > 300:
        return False
    text = block.text
    if _DESK_FIELD.match(text):
        return True
    if _ENDS_LIKE_SENTENCE.search(text) and not _DESK_CUE.search(text):
        return False  # a sentence of the body with a number in it, not a desk
    if _DESIGNATION.search(text) and PHONE_IN_BLOCK.search(text):
        return True
    # "주무관 / 노태훈 / (044-201-3248)", "<총괄>: 재정담당관 / 담당자 …"
    return bool(PHONE_IN_BLOCK.search(text)) and (
        is_title_word(text) or text.lstrip().startswith("<")
    )


def assemble(blocks: list[Block], *, title: str, url: str, source: str | None) -> Document:
    """Sort blocks into header, lead, sections, contact block and attachments."""
    fields = _header_fields(blocks)
    found_title = title
    if not found_title:
        first = next(
            (i for i, b in enumerate(blocks)
             if b.kind == "heading" and b.level == 1 and title_like(b.text)),
            None,
        )  # fmt: skip
        # the title under the header wins over a banner heading above it (the first
        # heading stays when both are the same title: it is usually the cleaner copy)
        heading = blocks[first].text if first is not None else ""
        after = _title_after_header(blocks)
        found_title = heading if not after or same_title(heading, after) else after
    if not found_title:
        found_title = next(
            (b.text for b in blocks[:60] if b.kind == "heading" and title_like(b.text)), ""
        )
    if not found_title:
        found_title = next(
            (b.text for b in blocks if b.kind in ("heading", "paragraph") and title_like(b.text)),
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
            if block.level == 1 and same_title(block.text, found_title):
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


def _is_header(block: Block) -> bool:
    """A block of the release's header: 보도시점/배포 fields (a line, a bare label or a
    table)."""
    if block.kind == "table":
        return any(
            field_key(c.split("\n")[0]) in ("보도시점", "배포") for r in block.rows for c in r
        )
    text = block.text.strip()
    if _is_field_block(block) or field_key(text) in ("보도시점", "배포"):
        return True
    return bool(re.match(r"^\s*(보\s*도\s*시\s*점|배\s*포)\b", text)) and len(text) < 120


def _title_after_header(blocks: list[Block]) -> str:
    """The release's own title where the header says it is: the first title-like heading,
    line or box right after the 보도시점/배포 header at the top (letter-spaced conversion
    text re-spaced into the document's words; a 【관련 …】 note after it left out).
    Banners above the header and attachment headings further down are not it."""
    top = blocks[:20]
    ends = [i for i, b in enumerate(top) if _is_header(b)]
    if not ends:
        return ""
    words: frozenset[str] | None = None
    for block in top[ends[-1] + 1 : ends[-1] + 6]:
        if block.kind == "table":
            if len(block.rows[0]) != 1:
                continue
            line = block.rows[0][0].split("\n")[0]
        elif block.kind in ("heading", "paragraph"):
            line = block.text
        else:
            continue
        if _LETTER_SPACED.search(line):
            if words is None:
                words = vocabulary("\n".join(b.plain for b in blocks))
            line = _SPACE_BEFORE_MARK.sub(r"\1", respace_letter_spaced(line, words))
        line = re.split(r"\s*【", line, maxsplit=1)[0]
        if title_like(line):
            return line
        if ENDS_SENTENCE.search(line):
            break  # the body began: no title between header and text
    return ""


_LETTER_SPACED = re.compile(r"(?:(?<![가-힣])[가-힣] ){4,}")
_SPACE_BEFORE_MARK = re.compile(r"\s+([,.)])")


def _header_table(block: Block) -> bool:
    """The header table of a release (보도일시, 배포, 담당 …): fields, not body."""
    keys = {field_key(row[0].split("\n")[0]) for row in block.rows if row}
    return bool(keys & {"보도시점", "배포"}) and len(block.rows) <= 6


def _lead(sections: list[Section], headline: str) -> tuple[str, ...]:
    """The subtitle lines right after the title (``- 중동상황의 … 신속 추가 편성``)."""
    out: list[str] = []
    for section in sections[:2]:
        if section.heading and not same_title(section.heading, headline) and out:
            break
        for block in section.blocks:
            if block.kind == "table":
                continue
            text = block.text.strip(" -–")
            if ENDS_SENTENCE.search(text) or len(text) > 120 or text.startswith(("□", "ㅇ")):
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
