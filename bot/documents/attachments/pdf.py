"""PDF → lines, with pypdfium2 (PDFium; Apache-2.0/BSD). Pure: the file's bytes in, lines out.

PDFium gives each page's text in reading order with the layout's line breaks. A release set
in 한글 and printed to PDF wraps every paragraph at the page width and starts a paragraph with
an indent or a bullet (□, ○, -, *), so a wrapped line is joined to the one before unless it
starts a new unit; a trailing space before the break is the word gap the layout took away.
Page numbers (``- 3 -``) are dropped. Tables come out as lines (PDF keeps no cells).
"""

from __future__ import annotations

import re

import pypdfium2 as pdfium

from bot.documents.attachments.errors import AttachmentError
from bot.documents.attachments.lines import clean_line
from bot.documents.blocks import ENDS_SENTENCE
from bot.documents.names import UNIT_END

MAX_PAGES = 300
MAX_CHARS = 2_000_000
_PAGE_NUMBER = re.compile(r"^\s*[-–—]?\s*\d{1,4}\s*[-–—]?\s*$|^\s*\d{1,4}\s*/\s*\d{1,4}\s*$")
_UNIT_START = re.compile(
    r"^\s|^[□■ㅇ○◦●◇◆▶▷►※*\-–•∙·‣▪➊-➓①-⑳(<\[【「『\"“‘'<＜]|^\d{1,2}[.)]\s|^[가-하][.)]\s"
)
_HANGUL = re.compile(r"[가-힣]")
_LABEL = re.compile(r"^(담당\s*부서|담당자|책임자|문의|붙임|참고|첨부)")
# PDFium sets a contact block's first row on the line of the sentence before it ("… 끝.
# 담당 부서 …"): a block label after a finished sentence starts a line of its own.
_BLOCK_AFTER_SENTENCE = re.compile(r"(?<=[다.!?])\s*(?=(?:담당\s*부서|문의처?)\s)")
# A letter-spaced word (과 장, 주 무 관) the layout broke between two lines.
_SPACED_TAIL = re.compile(r"(?:^|\s)[가-힣]$")
_DEPARTMENT = re.compile(r"^담당\s*부서\b")
_ANY_PHONE = re.compile(r"\d{2,4}-\d{3,4}-?\d{0,4}")
_PHONE_END = re.compile(r"\d{3,4}-\d{4}\)?$")  # a contact row ends there, not a sentence
_SPACED_HEAD = re.compile(r"^[가-힣](?:\s|$)")


def pdf_lines(data: bytes) -> list[str]:
    """The document's lines, wrapped paragraphs joined again."""
    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise AttachmentError("not a PDF (no %PDF- header)")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise AttachmentError(f"PDF cannot be opened ({e})") from None
    try:
        pages = len(document)
        if pages > MAX_PAGES:
            raise AttachmentError(f"PDF has {pages} pages (more than {MAX_PAGES})")
        raw: list[str] = []
        size = 0
        for index in range(pages):
            try:
                page = document[index]
                textpage = page.get_textpage()
                text = textpage.get_text_bounded()
                textpage.close()
                page.close()
            except pdfium.PdfiumError as e:
                raise AttachmentError(f"PDF page {index + 1} cannot be read ({e})") from None
            size += len(text)
            if size > MAX_CHARS:
                raise AttachmentError(f"PDF text longer than {MAX_CHARS} characters")
            text = _BLOCK_AFTER_SENTENCE.sub("\n", text.replace("\r\n", "\n").replace("\r", "\n"))
            raw.extend(text.split("\n"))
            raw.append("")  # a page break ends a paragraph only if the text says so
    finally:
        document.close()
    if not any(line.strip() for line in raw):
        raise AttachmentError("PDF has no text layer (scanned image?)")
    return join_units(join_wrapped(raw))


def join_units(lines: list[str]) -> list[str]:
    """A contact block's department set over two lines (``담당 부서 중소기업정책실`` /
    ``기업구조개선과``) as one line again: a line of unit names only (words ending like
    과, 실, 국, 팀, 센터 …) goes onto a 담당 부서 line that has no phone yet (pure)."""
    out: list[str] = []
    for line in lines:
        words = line.split()
        units_only = 0 < len(words) <= 3 and all(
            len(w) >= 3 and w.endswith(UNIT_END) and re.fullmatch(r"[가-힣·]+", w) for w in words
        )
        previous = out[-1] if out else ""
        if units_only and _DEPARTMENT.match(previous) and not _ANY_PHONE.search(previous):
            out[-1] = f"{previous} {line}"
        else:
            out.append(line)
    return out


def _joint(before: str, after: str, gap: bool) -> str:
    """A wrap inside a Korean word joins without a space; any other wrap was a word gap."""
    if gap:
        return " "
    return "" if _HANGUL.match(before[-1]) and _HANGUL.match(after[0]) else " "


def join_wrapped(raw: list[str]) -> list[str]:
    """Lines as PDFium gives them → one line per paragraph (pure; see module doc)."""
    out: list[str] = []
    gap = False  # the line before ended with a space: the wrap took a word gap
    joinable = False
    for piece in raw:
        if _PAGE_NUMBER.match(piece):
            continue
        if not piece.strip():
            continue  # page ends; a paragraph may go on onto the next page
        line = clean_line(piece)
        if out and _SPACED_TAIL.search(out[-1]) and _SPACED_HEAD.match(line):
            out[-1] = f"{out[-1]} {line}"
        elif out and joinable and not _UNIT_START.match(piece) and not _LABEL.match(line):
            out[-1] = out[-1] + _joint(out[-1], line, gap) + line
        else:
            out.append(line)
        gap = piece.endswith((" ", "\u3000"))
        last = out[-1]
        joinable = (
            len(last) >= 25 and not ENDS_SENTENCE.search(last) and not _PHONE_END.search(last)
        )
    return out
