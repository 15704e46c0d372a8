"""Reading one source document (HTML, Jekyll/markdown, or plain text) into a Document.

Pure: text in, text out. Handles the shapes in data/: korea.kr markdown with ``- 출처:``
header lines and a ``## 본문`` section, blog posts with Jekyll front matter and HTML, and
scraped plain text. Table cells become `` | ``-separated rows so contact tables survive.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable

from bot.documents.model import Document

_FRONT_MATTER = re.compile(r"\A\s*---\s*\n(.*?)\n---\s*\n", re.S)
_HTML_HINT = re.compile(r"<(p|div|br|h[1-6]|td|th|tr|table|li|ul|span|b|a|img)\b", re.I)
_CELL_GAP = re.compile(r"</t[dh]>\s*<t[dh][^>]*>", re.I)
_BLOCK_END = re.compile(r"<br\s*/?>|</(p|div|h[1-6]|li|tr|table|thead|tbody|ul|ol)>", re.I)
_BLOCK_START = re.compile(r"<(h[1-6]|li|tr|p|div)\b[^>]*>", re.I)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]{0,2000}>")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\ufeff]")
_SOURCE_LINE = re.compile(r"\ASOURCE:[^\n]*\n")
_HEADER_FIELD = re.compile(r"^-\s*(출처|부처|게시 시각|기사 URL|HWPX 첨부|PDF 첨부)\s*:\s*(.*)$")
_URL = re.compile(r"https?://[^\s)<>\"']+")


def looks_like_html(raw: str) -> bool:
    return bool(_HTML_HINT.search(raw))


def html_to_text(raw: str) -> str:
    """Tags out, entities decoded, one line per block, table cells joined by `` | ``."""
    text = _SCRIPT.sub(" ", raw)
    text = _CELL_GAP.sub(" | ", text)
    text = _BLOCK_END.sub("\n", text)
    text = _BLOCK_START.sub("\n", text)
    text = _TAG.sub("", text)
    return html.unescape(text)


def tidy(text: str) -> str:
    """Control characters out, runs of spaces kept per line but trimmed, ≤ 1 blank line."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return joined_lines(line.rstrip().replace("\u00a0", " ") for line in text.split("\n"))


def joined_lines(lines: Iterable[str]) -> str:
    """The lines as one text with at most one blank line in a row, none at either end."""
    out: list[str] = []
    for line in lines:
        if not line.strip():
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(line)
    return "\n".join(out).strip("\n")


def plain_text(raw: str) -> str:
    """The readable text of ``raw`` (front matter removed, HTML converted, markdown kept)."""
    body = _FRONT_MATTER.sub("", raw, count=1)
    if looks_like_html(body):
        body = html_to_text(body)
    body = _MD_IMAGE.sub("", body)
    body = _MD_LINK.sub(r"\1", body)
    return tidy(body)


def _front_title(raw: str) -> str:
    m = _FRONT_MATTER.match(raw)
    if not m:
        return ""
    for line in m.group(1).splitlines():
        if line.startswith("title:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    return ""


_CHROME = re.compile(r"바로가기|누리집|영역$|메뉴|^SOURCE:|^Last Updated|로그인")


def _title_like(line: str) -> bool:
    """A line that can be a title: Korean, not site chrome, not a bare agency name."""
    from bot.agencies import resolve_agency

    line = line.strip()
    return (
        len(line) >= 6
        and bool(re.search(r"[가-힣]", line))
        and not _CHROME.search(line)
        and resolve_agency(line) is None
    )


def read_document(raw: str, *, url: str = "", title: str = "") -> Document:
    """A Document from one raw file or HTTP body; never raises for odd input."""
    raw = _SOURCE_LINE.sub("", raw.replace("\r\n", "\n"), count=1)
    front_title = _front_title(raw)
    text = plain_text(raw)
    lines = text.split("\n")
    source = None
    found_title = title or front_title
    if lines and lines[0].startswith("# "):
        found_title = found_title or lines[0][2:].strip()
    for line in lines[:12]:
        m = _HEADER_FIELD.match(line.strip())
        if not m:
            continue
        if m.group(1) == "기사 URL" and not url:
            url_match = _URL.search(m.group(2))
            url = url_match.group(0) if url_match else url
        elif m.group(1) == "부처":
            source = m.group(2).strip() or None
    if not found_title:
        found_title = next((ln.strip() for ln in lines if _title_like(ln)), "")[:200]
    digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
    return Document(
        title=found_title.lstrip("# ").strip(),
        text=text,
        url=url,
        source=source,
        content_hash=digest,
    )


def body_text(text: str) -> str:
    """The article body: the ``## 본문`` section when present, without header lines."""
    lines = text.split("\n")
    start = next((i + 1 for i, ln in enumerate(lines) if ln.strip() == "## 본문"), None)
    if start is None:
        kept = [ln for ln in lines if not _HEADER_FIELD.match(ln.strip())]
        if kept and kept[0].startswith("# "):
            kept = kept[1:]
        return "\n".join(kept)
    end = len(lines)
    for i in range(start, len(lines)):
        if re.match(r"^##\s*(담당\s*부서|첨부파일)\s*$", lines[i].strip()):
            end = i
            break
    return "\n".join(lines[start:end])
