"""Release attachments (HWPX, HWP 5, PDF) → the markdown text a :class:`Document` is built from.

Pure: bytes in, text out; every parser caps what it inflates. The kind is read from the bytes
(zip, OLE or ``%PDF``), the file name only breaking ties, so a ``download.do`` URL without an
extension reads as well. :func:`text_from_attachment` is the entry point for any source that
holds an attachment's bytes (a release page's link, the OpenAPI's file URLs); running it under a
time and memory limit is :mod:`bot.fulltext.attachments`' job.
"""

from __future__ import annotations

from typing import Literal

from bot.documents.attachments.errors import AttachmentError
from bot.documents.attachments.lines import to_text

__all__ = ["AttachmentError", "AttachmentKind", "attachment_kind", "text_from_attachment"]

AttachmentKind = Literal["hwpx", "hwp", "pdf"]
_EXTENSIONS: dict[str, AttachmentKind] = {".hwpx": "hwpx", ".hwp": "hwp", ".pdf": "pdf"}


def attachment_kind(data: bytes, filename: str = "") -> AttachmentKind | None:
    """What the bytes are (None: not an attachment this module reads)."""
    head = data[:1024]
    lowered = filename.lower()
    if head.startswith(b"PK\x03\x04"):  # a zip: HWPX names its mimetype first
        hwpx = b"hwp+zip" in head or b"Contents/section" in data or lowered.endswith(".hwpx")
        return "hwpx" if hwpx else None
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "hwp"
    if b"%PDF-" in head:
        return "pdf"
    for extension, kind in _EXTENSIONS.items():
        if lowered.endswith(extension):
            return kind  # named so, but the bytes say otherwise: the parser will say why
    return None


def text_from_attachment(data: bytes, filename: str = "") -> str:
    """The attachment as markdown (paragraph lines, ``| … |`` table rows), ready for
    :func:`bot.documents.build_document`. Raises AttachmentError with a plain reason."""
    kind = attachment_kind(data, filename)
    if kind is None:
        raise AttachmentError(f"not an HWPX, HWP or PDF file ({filename or 'no name'})")
    return to_text(lines_of(kind, data))


def lines_of(kind: AttachmentKind, data: bytes) -> list[str]:
    """The parser of ``kind`` over ``data`` (imported when needed: pdfium is a large library)."""
    if kind == "hwpx":
        from bot.documents.attachments.hwpx import hwpx_lines

        return hwpx_lines(data)
    if kind == "hwp":
        from bot.documents.attachments.hwp import hwp_lines

        return hwp_lines(data)
    from bot.documents.attachments.pdf import pdf_lines

    return pdf_lines(data)
