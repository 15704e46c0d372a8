"""OPML 2.0 for the feed list: export what sokbo follows, import what another reader exported.

Pure: text in, values out. Readers differ in how they write OPML — Miniflux nests feeds in a
category outline and sets ``type="rss"``, newsboat writes a flat list and sometimes only
``title``, some omit ``version`` or ``text`` — so every ``outline`` with an ``xmlUrl`` at any
depth is a feed, and everything else is either a folder (it has children) or an entry we
name and skip. A document that is not OPML at all is refused whole.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime

from bot.errors import FeedError

MAX_OPML_BYTES = 5_000_000
MAX_NAME = 100  # FeedSource.name
MAX_URL = 2000


class OpmlError(FeedError, ValueError):
    """The document is not OPML (nothing is imported)."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    title: str
    xml_url: str
    html_url: str | None = None


@dataclass(frozen=True, slots=True)
class OpmlDocument:
    feeds: tuple[OpmlFeed, ...]
    # (where, why) of each outline that names a feed we cannot use, in document order
    invalid: tuple[tuple[str, str], ...] = field(default=())


def export_opml(feeds: Sequence[OpmlFeed], *, title: str, now: datetime) -> str:
    """An OPML 2.0 document listing ``feeds`` (``type="rss"``, title, xmlUrl, htmlUrl)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now)
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.title, "title": feed.title, "xmlUrl": feed.xml_url}
        if feed.html_url:
            attrs["htmlUrl"] = feed.html_url
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def parse_opml(data: bytes) -> OpmlDocument:
    """The feeds an OPML document lists (nested outlines too) and the entries we skip.

    Raises OpmlError when ``data`` is not an OPML document.
    """
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"file is larger than {MAX_OPML_BYTES:,} bytes")
    if b"<!ENTITY" in data[:4096].upper():
        raise OpmlError("document declares XML entities; OPML does not need them")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise OpmlError(f"not well-formed XML ({e})") from e
    if _local(root.tag) != "opml":
        raise OpmlError(f"root element is <{_local(root.tag)}>, not <opml>")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise OpmlError("no <body> element")
    feeds: list[OpmlFeed] = []
    invalid: list[tuple[str, str]] = []
    _walk(body, feeds, invalid)
    return OpmlDocument(feeds=tuple(feeds), invalid=tuple(invalid))


# Folder names shown in a skipped entry's "where": the first few and the last, so an
# outline nested 1,000 deep costs a short line, not a 1,000-name one per entry.
MAX_PATH_SHOWN = 4


def _walk(
    body: ET.Element,
    feeds: list[OpmlFeed],
    invalid: list[tuple[str, str]],
) -> None:
    """Every outline in document order, with an explicit stack: nesting depth costs memory,
    never Python recursion (an OPML nested 1,000 deep used to end in RecursionError)."""
    stack: list[tuple[Iterator[ET.Element], tuple[str, ...], list[int]]] = [(iter(body), (), [0])]
    while stack:
        children, path, counter = stack[-1]
        outline = next((c for c in children if _local(c.tag) == "outline"), None)
        if outline is None:
            stack.pop()
            continue
        counter[0] += 1
        attrs = {_local(k).lower(): (v or "").strip() for k, v in outline.attrib.items()}
        name = attrs.get("title") or attrs.get("text") or ""
        label = name or f"outline {counter[0]}"
        where = _where((*path, label))
        url = attrs.get("xmlurl", "")
        has_children = any(_local(c.tag) == "outline" for c in outline)
        if url:
            reason = _url_problem(url)
            if reason:
                invalid.append((where, reason))
            else:
                title = " ".join(name.split())[:MAX_NAME] or _host(url)
                feeds.append(
                    OpmlFeed(title=title, xml_url=url, html_url=attrs.get("htmlurl") or None)
                )
        elif not has_children and attrs.get("type", "").lower() in ("rss", "atom"):
            invalid.append((where, "no xmlUrl attribute"))
        if has_children:
            shown = path if len(path) <= MAX_PATH_SHOWN else (*path[: MAX_PATH_SHOWN - 1], "…")
            stack.append((iter(outline), (*shown, label[:MAX_NAME]), [0]))


def _where(path: tuple[str, ...]) -> str:
    if len(path) > MAX_PATH_SHOWN + 1:
        path = (*path[: MAX_PATH_SHOWN - 1], "…", path[-1])
    return " > ".join(path)


def _url_problem(url: str) -> str | None:
    if len(url) > MAX_URL:
        return f"xmlUrl longer than {MAX_URL} characters"
    if any(ch.isspace() for ch in url):
        return f"xmlUrl {url[:80]!r} contains spaces"
    if not url.startswith(("http://", "https://")):
        return f"xmlUrl {url[:80]!r} is not an http:// or https:// address"
    if not _host(url):
        return f"xmlUrl {url[:80]!r} has no host"
    return None


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]


def _local(tag: str) -> str:
    """A tag or attribute name without its namespace."""
    return tag.rsplit("}", 1)[-1]
