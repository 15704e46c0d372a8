"""HWP 5 (the binary 한글 format) → lines. Pure: the file's bytes in, markdown-like lines out.

An HWP 5 file is an OLE compound file (read with ``olefile``). ``FileHeader`` says whether
the sections are zlib-compressed (raw deflate) or encrypted; ``BodyText/Section<n>`` streams
hold tagged records (a 32-bit header: tag, nesting level, size). Paragraph text is in
``HWPTAG_PARA_TEXT`` (UTF-16LE with inline control codes); a table is a ``HWPTAG_CTRL_HEADER``
``tbl `` followed by one ``HWPTAG_LIST_HEADER`` per cell (its row/column address) and the
cell's paragraphs one level deeper than the control. Text boxes and footnotes are read in
place; page headers and footers are left out. Inflation is capped (a zlib bomb is refused).
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import olefile

from bot.documents.attachments.errors import AttachmentError
from bot.documents.attachments.lines import Cell, Table, clean_line, table_lines

MAX_SECTION = 40_000_000  # bytes of one inflated section
MAX_TOTAL = 120_000_000
MAX_SECTIONS = 512
_SIGNATURE = b"HWP Document File"
_TAG_PARA_HEADER = 0x42
_TAG_PARA_TEXT = 0x43
_TAG_CTRL_HEADER = 0x47
_TAG_LIST_HEADER = 0x48
# Control characters that occupy 8 UTF-16 units (the code, 6 units of data, the code again).
_EXTENDED = frozenset({1, 2, 3, 11, 12, 14, 15, 16, 17, 18, 21, 22, 23})
_INLINE = frozenset({4, 5, 6, 7, 8, 9, 19, 20})
_SKIPPED_CONTROLS = frozenset({b"head", b"foot"})  # page headers and footers
_SECTION = re.compile(r"^Section(\d+)$")


@dataclass(frozen=True, slots=True)
class Record:
    tag: int
    level: int
    data: bytes


def records(stream: bytes) -> Iterator[Record]:
    """The tagged records of one (inflated) section stream; a truncated tail ends the list."""
    at = 0
    end = len(stream)
    while at + 4 <= end:
        (header,) = struct.unpack_from("<I", stream, at)
        at += 4
        tag = header & 0x3FF
        level = (header >> 10) & 0x3FF
        size = (header >> 20) & 0xFFF
        if size == 0xFFF:
            if at + 4 > end:
                return
            (size,) = struct.unpack_from("<I", stream, at)
            at += 4
        if at + size > end:
            return
        yield Record(tag, level, stream[at : at + size])
        at += size


def para_text(data: bytes) -> str:
    """The text of a ``HWPTAG_PARA_TEXT`` record: control codes out, tab and line break kept."""
    units = len(data) // 2
    chars = struct.unpack_from(f"<{units}H", data)
    out: list[str] = []
    i = 0
    while i < units:
        code = chars[i]
        if code >= 32:
            if not 0xD800 <= code <= 0xDFFF:
                out.append(chr(code))
            elif 0xD800 <= code <= 0xDBFF and i + 1 < units:  # a surrogate pair
                low = chars[i + 1]
                if 0xDC00 <= low <= 0xDFFF:
                    out.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
                    i += 1
            i += 1
            continue
        if code in _EXTENDED or code in _INLINE:
            if code == 9:
                out.append("\t")
            i += 8
            continue
        if code == 10:
            out.append("\n")
        elif code in (24, 30, 31):  # hyphen, non-breaking space, fixed-width space
            out.append("-" if code == 24 else " ")
        i += 1
    return "".join(out)


def section_streams(data: bytes) -> list[bytes]:
    """The inflated ``BodyText`` sections in order; raises AttachmentError saying why not."""
    if not data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise AttachmentError("not an HWP 5 file (no OLE signature; HWP 3 is not supported)")
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, struct.error, IndexError) as e:
        raise AttachmentError(f"HWP OLE container is damaged ({e})") from None
    try:
        if not ole.exists("FileHeader"):
            raise AttachmentError("not an HWP 5 file (no FileHeader stream)")
        header = ole.openstream("FileHeader").read(256)
        if not header.startswith(_SIGNATURE) or len(header) < 40:
            raise AttachmentError("not an HWP 5 file (bad FileHeader signature)")
        (flags,) = struct.unpack_from("<I", header, 36)
        if flags & 0x2:
            raise AttachmentError("HWP is password-protected")
        if flags & 0x4:
            raise AttachmentError("HWP is a distribution document (배포용 문서; text is encrypted)")
        compressed = bool(flags & 0x1)
        names = []
        for entry in ole.listdir(streams=True, storages=False):
            if len(entry) == 2 and entry[0] == "BodyText" and (m := _SECTION.match(entry[1])):
                names.append((int(m.group(1)), "/".join(entry)))
        if not names:
            raise AttachmentError("HWP has no BodyText sections")
        if len(names) > MAX_SECTIONS:
            raise AttachmentError(f"HWP has more than {MAX_SECTIONS} sections")
        total = 0
        out = []
        for _, name in sorted(names):
            raw = ole.openstream(name).read()
            body = _inflate(raw, MAX_SECTION) if compressed else raw[: MAX_SECTION + 1]
            total += len(body)
            if len(body) > MAX_SECTION or total > MAX_TOTAL:
                raise AttachmentError(f"HWP section larger than {MAX_SECTION} bytes inflated")
            out.append(body)
        return out
    except (OSError, ValueError, struct.error, IndexError) as e:
        raise AttachmentError(f"HWP OLE container is damaged ({e})") from None
    finally:
        ole.close()


def _inflate(raw: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(-15)
    try:
        body = inflater.decompress(raw, limit + 1)
    except zlib.error as e:
        raise AttachmentError(f"HWP section is not valid deflate data ({e})") from None
    if len(body) > limit:
        raise AttachmentError(f"HWP section larger than {limit} bytes inflated")
    return body


def hwp_lines(data: bytes) -> list[str]:
    """The document's lines: one per paragraph, tables as ``| … |`` rows."""
    lines: list[str] = []
    for stream in section_streams(data):
        recs = list(records(stream))
        lines.extend(_lines(recs, 0, len(recs), base=None))
    return lines


def _lines(recs: list[Record], start: int, stop: int, base: int | None) -> Iterator[str]:
    """Lines of the paragraphs in ``recs[start:stop]``; ``base`` is their level (the first
    paragraph header's when None). Controls inside a paragraph are read where they stand."""
    i = start
    while i < stop:
        rec = recs[i]
        if base is None and rec.tag == _TAG_PARA_HEADER:
            base = rec.level
        if rec.tag == _TAG_PARA_TEXT and (base is None or rec.level == base + 1):
            yield from _split(para_text(rec.data))
            i += 1
        elif rec.tag == _TAG_CTRL_HEADER and (base is None or rec.level == base + 1):
            end = _subtree_end(recs, i, stop)
            control = rec.data[:4][::-1]  # the id is stored as a little-endian integer
            if control == b"tbl ":
                yield from table_lines(_table(recs, i, end))
            elif control not in _SKIPPED_CONTROLS:
                yield from _lines(recs, i + 1, end, base=None)
            i = end
        else:
            i += 1


def _subtree_end(recs: list[Record], at: int, stop: int) -> int:
    level = recs[at].level
    end = at + 1
    while end < stop and recs[end].level > level:
        end += 1
    return end


def _table(recs: list[Record], at: int, end: int) -> Table:
    """Cells of the table control at ``recs[at]``: each list header starts a cell."""
    level = recs[at].level + 1
    starts = [j for j in range(at + 1, end) if recs[j].tag == _TAG_LIST_HEADER
              and recs[j].level == level]  # fmt: skip
    table = Table()
    for n, first in enumerate(starts):
        last = starts[n + 1] if n + 1 < len(starts) else end
        data = recs[first].data
        col, row, col_span, row_span = n, 0, 1, 1
        if len(data) >= 16:
            col, row, col_span, row_span = struct.unpack_from("<4H", data, 8)
        lines = [
            _flatten(line) for line in _lines(recs, first + 1, last, base=level) if line.strip()
        ]
        table.cells.append(Cell(row, col, lines, row_span, col_span))
    return table


def _flatten(line: str) -> str:
    """A line of a table nested in a cell, as plain words."""
    if line.startswith("| ") and line.endswith(" |"):
        cells = [c.strip() for c in line[2:-2].split(" | ") if c.strip()]
        return " ".join(cells).replace("<br>", " ")
    return line


def _split(text: str) -> Iterator[str]:
    for piece in text.split("\n"):
        line = clean_line(piece)
        if line:
            yield line
