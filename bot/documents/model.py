"""The typed model of one press release: blocks, sections and the :class:`Document`.

A value, nothing more: built by :mod:`bot.documents.build`, written back to markdown by
:mod:`bot.documents.text`. ``Document.fields`` use the header vocabulary of :data:`FIELD_NAMES`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.types import Contact

BlockKind = Literal["heading", "paragraph", "item", "table", "rule"]

# Header field names as releases spell them (spaces squashed) → the name a Document keeps.
FIELD_NAMES = {
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


def field_key(name: str) -> str:
    """The Document's name of a header field (``보 도 일 시`` → ``보도시점``)."""
    squashed = re.sub(r"\s+", "", name)
    return FIELD_NAMES.get(squashed, squashed)


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
    author: str = ""  # who issued it per the feed item or OpenAPI (Article.author)
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
        key = field_key(name)
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
        from bot.documents.text import serialize  # text.py renders this model

        return serialize(self)
