"""HWPX (OWPML, KS X 6101) → lines. Pure: the file's bytes in, markdown-like lines out.

An HWPX file is a zip of XML parts; the body is ``Contents/section*.xml``. Text lives only in
``hp:t`` elements of ``hp:p`` paragraphs (so picture captions such as "그림입니다. 원본 그림의
이름…" in ``hp:shapeComment`` never reach the text); a ``hp:tbl`` becomes a table of cells at
their ``hp:cellAddr`` positions; text boxes and footnotes are read in place; page headers and
footers are left out. Sizes are capped before anything is inflated (a zip bomb is refused).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree as ET

from bot.documents.attachments.errors import AttachmentError
from bot.documents.attachments.lines import Cell, Table, clean_line, table_lines

MAX_PART = 40_000_000  # bytes of one inflated section
MAX_TOTAL = 120_000_000  # bytes of all inflated sections
_SECTION = re.compile(r"^Contents/section(\d+)\.xml$", re.I)
_SKIPPED = frozenset({"header", "footer", "shapeComment", "caption", "fieldBegin", "fieldEnd"})
_SPACE_LIKE = {"tab": "\t", "lineBreak": "\n", "fwSpace": " ", "nbSpace": " ", "hyphen": "-"}


def _local(tag: object) -> str:
    name = tag if isinstance(tag, str) else ""
    return name.rsplit("}", 1)[-1]


def sections(data: bytes) -> list[bytes]:
    """The section XML parts in reading order; raises AttachmentError saying why not."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as e:
        raise AttachmentError(f"HWPX is not a readable zip ({e})") from None
    with archive:
        found = []
        for info in archive.infolist():
            m = _SECTION.match(info.filename)
            if m:
                found.append((int(m.group(1)), info))
        if not found:
            raise AttachmentError("HWPX has no Contents/section*.xml (not an HWPX document?)")
        total = 0
        parts = []
        for _, info in sorted(found, key=lambda pair: pair[0]):
            if info.flag_bits & 0x1:
                raise AttachmentError("HWPX is encrypted")
            total += info.file_size
            if info.file_size > MAX_PART or total > MAX_TOTAL:
                raise AttachmentError(f"HWPX section larger than {MAX_PART} bytes inflated")
            try:
                with archive.open(info) as part:
                    body = part.read(MAX_PART + 1)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as e:
                raise AttachmentError(f"HWPX section {info.filename} is damaged ({e})") from None
            if len(body) > MAX_PART:  # the declared size lied
                raise AttachmentError(f"HWPX section larger than {MAX_PART} bytes inflated")
            parts.append(body)
    return parts


def hwpx_lines(data: bytes) -> list[str]:
    """The document's lines: one per paragraph, tables as ``| … |`` rows."""
    lines: list[str] = []
    for part in sections(data):
        if b"<!DOCTYPE" in part[:4096] or b"<!ENTITY" in part[:4096]:
            raise AttachmentError("HWPX section declares a DTD (refused)")
        try:
            root = ET.fromstring(part)
        except ET.ParseError as e:
            raise AttachmentError(f"HWPX section is not well-formed XML ({e})") from None
        lines.extend(_block_lines(root))
    return lines


def _block_lines(container: ET.Element) -> Iterator[str]:
    """Lines of the paragraphs directly under ``container`` (a section or a subList)."""
    for child in container:
        if _local(child.tag) == "p":
            yield from _paragraph(child)


def _paragraph(p: ET.Element) -> Iterator[str]:
    text: list[str] = []
    for run in p:
        if _local(run.tag) != "run":
            continue
        for item in run:
            name = _local(item.tag)
            if name == "t":
                text.append(_t_text(item))
            elif name == "tbl":
                yield from _flush(text)
                yield from table_lines(_table(item))
            elif name not in _SKIPPED:  # text boxes, footnotes: their own paragraphs
                nested = list(_nested_lines(item))
                if nested:
                    yield from _flush(text)
                    yield from nested
    yield from _flush(text)


def _flush(text: list[str]) -> Iterator[str]:
    joined = "".join(text)
    text.clear()
    for piece in joined.split("\n"):
        line = clean_line(piece)
        if line:
            yield line


def _t_text(t: ET.Element) -> str:
    out = [t.text or ""]
    for child in t:
        out.append(_SPACE_LIKE.get(_local(child.tag), ""))
        out.append(child.tail or "")
    return "".join(out)


def _nested_lines(element: ET.Element) -> Iterator[str]:
    """Paragraphs in the subLists below ``element`` (not crossing into skipped parts)."""
    for child in element:
        name = _local(child.tag)
        if name in _SKIPPED:
            continue
        if name == "subList":
            yield from _block_lines(child)
        elif name == "tbl":
            yield from table_lines(_table(child))
        else:
            yield from _nested_lines(child)


def _table(tbl: ET.Element) -> Table:
    table = Table()
    for r, tr in enumerate(x for x in tbl if _local(x.tag) == "tr"):
        for c, tc in enumerate(x for x in tr if _local(x.tag) == "tc"):
            row, col, row_span, col_span = r, c, 1, 1
            lines: list[str] = []
            for part in tc:
                name = _local(part.tag)
                if name == "cellAddr":
                    row = _int(part.get("rowAddr"), r)
                    col = _int(part.get("colAddr"), c)
                elif name == "cellSpan":
                    row_span = _int(part.get("rowSpan"), 1)
                    col_span = _int(part.get("colSpan"), 1)
                elif name == "subList":
                    lines.extend(_cell_lines(part))
            table.cells.append(Cell(row, col, lines, row_span, col_span))
    return table


def _cell_lines(sub_list: ET.Element) -> list[str]:
    """A cell's lines; a table inside a cell is flattened to lines of its cells' text."""
    out = []
    for line in _block_lines(sub_list):
        if line.startswith("| ") and line.endswith(" |"):
            line = " ".join(c.strip() for c in line[2:-2].split(" | ") if c.strip())
            line = line.replace("<br>", " ")
        if line.strip():
            out.append(line)
    return out


def _int(value: str | None, default: int) -> int:
    try:
        return max(0, int(value or ""))
    except ValueError:
        return default
