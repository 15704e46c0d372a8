"""Document → text: the canonical markdown that is stored, and the text the LLM reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.documents.model import Block, Document


def llm_text(doc: Document, *, max_rows: int = 30) -> str:
    """The release for the LLM: header dates, lead, sections with their headings, items and
    table rows — and no contact block or attachments (contacts come from the rules only)."""
    out: list[str] = []
    for key in ("보도시점", "배포"):
        if value := doc.field(key):
            out.append(f"{key}: {value}")
    for section in doc.sections:
        if section.heading:
            out += ["", f"## {section.heading}"]
        for block in section.blocks:
            if block.kind == "item":
                out.append(f"- {block.text}")
            elif block.kind == "table":
                out += [
                    " | ".join(c.replace("\n", " ") for c in row) for row in block.rows[:max_rows]
                ]
            elif block.kind == "paragraph":
                out.append(block.text)
    return "\n".join(out).strip()


def _block_markdown(block: Block) -> list[str]:
    if block.kind == "heading":
        return ["#" * max(2, min(block.level, 6)) + " " + block.text]
    if block.kind == "item":
        return ["- " + block.text]
    if block.kind == "table":
        return [
            "| " + " | ".join(c.replace("|", "│").replace("\n", "<br>") for c in row) + " |"
            for row in block.rows
        ]
    if block.kind == "rule":
        return ["---"]
    return [block.text]


def _body_gap(previous: str, kind: str) -> bool:
    """A blank line between body blocks: around tables, between kinds, after a paragraph."""
    return kind == "table" or previous == "table" or kind != previous or previous == "paragraph"


def _contact_gap(previous: str, kind: str) -> bool:
    """A blank line in the contact block only where a table starts or ends."""
    return (kind == "table") != (previous == "table")


def _blocks_markdown(blocks: Iterable[Block], gap: Callable[[str, str], bool]) -> list[str]:
    out: list[str] = []
    previous: str | None = None
    for block in blocks:
        if previous is not None and gap(previous, block.kind):
            out.append("")
        out += _block_markdown(block)
        previous = block.kind
    return out


def serialize(doc: Document) -> str:
    """The canonical markdown of ``doc``; :func:`build_document` reads it back unchanged."""
    out: list[str] = []
    if doc.title:
        title = f"[{doc.tag}] {doc.title}" if doc.tag else doc.title
        out += [f"# {title}", ""]
    for key, value in doc.fields:
        out.append(f"- {key}: {value}")
    if doc.fields:
        out.append("")
    for section in doc.sections:
        if section.heading:
            out += ["#" * max(2, min(section.level or 2, 6)) + " " + section.heading, ""]
        out += _blocks_markdown(section.blocks, _body_gap)
        out.append("")
    if doc.contact_block:
        out += ["## 담당 부서", ""]
        out += _blocks_markdown(doc.contact_block, _contact_gap)
        out.append("")
    if doc.attachments:
        out += ["## 첨부파일", ""]
        out += [f"- {a}" for a in doc.attachments]
    return "\n".join(out).strip("\n")
