"""Any source → :class:`Document`: the entry points every caller uses.

``markup → lines → blocks → Document``; the Document's canonical markdown (:func:`serialize`)
is what ingest stores as an article's text, and :func:`build_document` reads it back to the
same structure, so the stored copy and the value the pipeline works on never diverge.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from bot.documents.assemble import assemble
from bot.documents.blocks import parse_lines
from bot.documents.markup import markup_lines
from bot.documents.model import Document
from bot.documents.text import serialize
from bot.types import Contact

MAX_INPUT = 400_000  # characters read from one source; the rest is ignored
_FRONT_MATTER = re.compile(r"\A\s*---\s*\n(.*?)\n---\s*\n", re.S)
_SOURCE_LINE = re.compile(r"\ASOURCE:[^\n]*\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\ufeff]")


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
    return stored_text(build_document(markup, title=title))


def stored_text(doc: Document) -> str:
    """:func:`article_text` of a Document already built."""
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
    return replace(built, content_hash=doc.content_hash or built.content_hash, author=doc.author)
