"""A release page → its main text and the attachments it links. Pure: HTML in, text out.

The main text is trafilatura's (Apache-2.0): it drops the menus, breadcrumbs' neighbours,
side bars and footer a ministry's board page wraps around a release and keeps tables, as
markdown rows the Document builder reads (so a 담당 부서 table still gives its contacts).
Attachment links are anchors whose link text or address names an ``.hwpx``/``.hwp``/``.pdf``
file; ``download.do?fileId=…`` links name the file only in their text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from bot.documents.attachments import AttachmentKind

MAX_LINKS = 200
_FILE = re.compile(r"\.(hwpx|hwp|pdf)(?![a-z0-9])", re.I)
_PREFERENCE: dict[AttachmentKind, int] = {"hwpx": 0, "hwp": 1, "pdf": 2}
_LINE_NOISE = re.compile(r"^\s*(?:홈|HOME|Home)\s*[>›»]")  # a breadcrumb trail


@dataclass(frozen=True, slots=True)
class AttachmentLink:
    url: str
    name: str
    kind: AttachmentKind


def main_text(html: str, url: str = "") -> str:
    """The page's main text as markdown ("" when the page has none)."""
    if not html.strip():
        return ""
    import trafilatura  # at the first page: ~15 MB with lxml, unused by cycles of feed text

    found = trafilatura.extract(
        html,
        url=url or None,
        output_format="markdown",
        include_tables=True,
        include_comments=False,
        include_links=False,
        include_images=False,
        deduplicate=False,
        # a short release page otherwise falls to the fallback extractors, which keep the
        # menus and flatten the contact table (bench/sources.py measures the settings)
        favor_precision=True,
    )
    if not found:
        return ""
    lines = [line.rstrip() for line in found.split("\n") if not _LINE_NOISE.match(line)]
    return "\n".join(lines).strip()


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a" or len(self.links) >= MAX_LINKS:
            return
        values = dict(attrs)
        self._href = values.get("href") or None
        self._text = [values.get("download") or "", values.get("title") or ""]

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join(" ".join(self._text).split())))
            self._href = None


def attachment_links(html: str, base_url: str) -> list[AttachmentLink]:
    """Links to HWPX/HWP/PDF files, best first (HWPX keeps tables best, PDF least)."""
    parser = _Anchors()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # HTMLParser on broken markup: keep what was read
        pass
    found: dict[str, AttachmentLink] = {}
    for href, text in parser.links:
        if href.lower().startswith(("javascript:", "mailto:", "#")):
            continue
        m = _FILE.search(text) or _FILE.search(href)
        if not m:
            continue
        kind: AttachmentKind = m.group(1).lower()  # type: ignore[assignment]
        url = urljoin(base_url, href)
        if url.startswith(("http://", "https://")) and url not in found:
            found[url] = AttachmentLink(url, text or href.rsplit("/", 1)[-1], kind)
    return sorted(found.values(), key=lambda link: _PREFERENCE[link.kind])


def is_thin(text: str, min_chars: int) -> bool:
    """Less text than any release has: nothing, the title alone, or one short line."""
    return len(" ".join(text.split())) < min_chars
