"""Messages → Telegram HTML (pure).

Every string from a feed, an LLM or a user is escaped here, and only the tags this module
writes itself appear in the output, so an article cannot inject markup or links. Messages
are built as blocks of styled spans and only turned into HTML at the end: a message longer
than Telegram's 4,096 characters is cut between blocks (paragraphs), a block that is too long
on its own is cut between lines or words, and every chunk re-opens its own tags — so no cut
ever falls inside a tag or an entity.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.documents.contacts import overview
from bot.hygiene import strip_bidi
from bot.locales import date_values, t
from bot.messages import Alert, DailyDigest, Message, Notice, Reply, SearchPage
from bot.render.common import (
    contact_overview,
    contact_texts,
    fact_text,
    first_contact,
    safe_url,
    sources_text,
    stamp,
)
from bot.types import Contact

LIMIT = 4096  # characters after entity parsing (Telegram counts UTF-16 code units)
PARAGRAPH = "\n\n"


@dataclass(frozen=True, slots=True)
class Span:
    """A run of plain text with at most one style; ``href`` makes it a link."""

    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None


Block = tuple[Span, ...]


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def span_html(span: Span) -> str:
    body = html.escape(strip_bidi(span.text), quote=False)  # \u202egnp.exe must not read exe.png
    if span.bold:
        body = f"<b>{body}</b>"
    if span.italic:
        body = f"<i>{body}</i>"
    if span.href is not None:
        body = f'<a href="{html.escape(span.href, quote=True)}">{body}</a>'
    return body


def block_html(block: Block) -> str:
    return "".join(span_html(span) for span in block)


def block_units(block: Block) -> int:
    return sum(units(span.text) for span in block)


def _cut(text: str, limit: int) -> tuple[str, str]:
    """Cut ``text`` to at most ``limit`` units, preferring a line break, then a space."""
    used = end = 0
    for end, char in enumerate(text):  # noqa: B007 - ``end`` is used after the loop
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            break
    else:
        return text, ""
    head = text[: max(1, end)]
    if len(head) == len(text):
        return text, ""
    for sep in ("\n", " "):
        at = head.rfind(sep)
        if at > len(head) // 3:
            return text[:at], text[at + 1 :]
    return head, text[len(head) :]


def split_block(block: Block, limit: int) -> list[Block]:
    """Split one over-long block into blocks of at most ``limit`` units, spans re-styled."""
    out: list[Block] = []
    current: list[Span] = []
    room = limit
    queue = list(block)
    while queue:
        span = queue.pop(0)
        size = units(span.text)
        if size <= room:
            current.append(span)
            room -= size
            continue
        if current and room < limit // 4:  # too little room left: start the next block
            out.append(tuple(current))
            current, room = [], limit
            queue.insert(0, span)
            continue
        head, tail = _cut(span.text, room)
        if head.strip():
            current.append(Span(head, span.bold, span.italic, span.href))
        out.append(tuple(current))
        current, room = [], limit
        if tail:
            queue.insert(0, Span(tail, span.bold, span.italic, span.href))
    if current:
        out.append(tuple(current))
    return [b for b in out if block_units(b) > 0]


def pack(blocks: Iterable[Block], limit: int = LIMIT) -> list[str]:
    """Join blocks into as few messages as fit in ``limit`` units, cutting only between blocks."""
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    sep = units(PARAGRAPH)
    for block in blocks:
        pieces = [block] if block_units(block) <= limit else split_block(block, limit)
        for piece in pieces:
            size = block_units(piece)
            if current and used + sep + size > limit:
                chunks.append(PARAGRAPH.join(current))
                current, used = [], 0
            used += size + (sep if current else 0)
            current.append(block_html(piece))
    if current:
        chunks.append(PARAGRAPH.join(current))
    return chunks


# --- building blocks -------------------------------------------------------------------------


def contacts_block(contacts: Sequence[Contact], lang: str = "ko") -> Block | None:
    """The responsible person and the first 담당자, then ``외 N명`` (the button shows all)."""
    lines, more = contact_overview(contacts, lang)
    if not lines:
        return None
    if more:
        lines.append(more)
    label = Span(f"☎ {t(lang, 'render.contacts')}", bold=True)
    if len(lines) == 1:
        return (label, Span(f": {lines[0]}"))
    return (label, Span("\n" + "\n".join(f"- {line}" for line in lines)))


def has_more_contacts(message: Message) -> bool:
    """Whether an alert leaves people out (then it gets the 문의처 전체 button)."""
    return isinstance(message, Alert) and overview(message.summary.contacts)[1] > 0


def all_contacts_blocks(
    headline: str, contacts: Sequence[Contact], lang: str = "ko"
) -> list[Block]:
    """The whole contact list of one story, the answer to the 문의처 전체 button."""
    title = t(lang, "render.all_contacts_count", count=len(contacts))
    blocks: list[Block] = [(Span(f"☎ {title}", bold=True),)]
    if headline.strip():
        blocks.append((Span(headline.strip(), italic=True),))
    lines = contact_texts(contacts)
    for start in range(0, len(lines), 20):
        blocks.append((Span("\n".join(f"- {line}" for line in lines[start : start + 20])),))
    return blocks


def alert_blocks(alert: Alert, lang: str = "ko") -> list[Block]:
    s = alert.summary
    blocks: list[Block] = [(Span(s.headline.strip() or t(lang, "render.untitled"), bold=True),)]
    bullets = [b.strip() for b in s.bullets if b.strip()]
    if bullets:
        blocks.append(tuple(Span(("\n" if i else "") + f"• {b}") for i, b in enumerate(bullets)))
    facts = [fact_text(f) for f in [*s.key_dates, *s.amounts]]
    if facts:
        blocks.append((Span("\n".join(f"▪ {fact}" for fact in facts)),))
    if (contacts := contacts_block(s.contacts, lang)) is not None:
        blocks.append(contacts)
    blocks.append(
        _source_line(
            sources_text(alert.source, alert.sources, lang), alert.published_at, alert.url, lang
        )
    )
    return blocks


def _source_line(source: str, published_at: datetime, url: str, lang: str) -> Block:
    line: list[Span] = [Span(f"{source.strip()} · {stamp(published_at, lang=lang)}", italic=True)]
    href = safe_url(url)
    if href is not None:
        line += [Span("\n"), Span(t(lang, "render.open_original"), href=href)]
    elif url.strip():
        line += [Span(f"\n{url.strip()}")]
    return tuple(line)


def digest_blocks(digest: DailyDigest, lang: str = "ko") -> list[Block]:
    day = digest.day
    title = t(lang, "render.digest.title_short", **date_values(lang, day))
    blocks: list[Block] = [(Span(title, bold=True),)]
    if not digest.sections:
        blocks.append((Span(t(lang, "render.digest.empty")),))
    number = 0
    for section in digest.sections:
        blocks.append((Span(f"[{section.topic}]", bold=True),))
        for entry in section.entries:
            number += 1
            meta = [*entry.agencies, stamp(entry.published_at, day.year, lang)]
            if entry.source_count > 1:
                meta.append(t(lang, "render.digest.sources", count=entry.source_count))
            spans: list[Span] = [
                Span(f"{number}. "),
                Span(entry.headline.strip(), href=safe_url(entry.url)),
                Span("\n" + " · ".join(meta), italic=True),
            ]
            if contact := first_contact(entry.contacts):
                spans.append(Span(f"\n☎ {contact}"))
            blocks.append(tuple(spans))
    if digest.omitted:
        blocks.append((Span(t(lang, "render.digest.omitted", count=digest.omitted)),))
    return blocks


def search_blocks(page: SearchPage, lang: str = "ko") -> list[Block]:
    start = page.offset + 1
    end = page.offset + len(page.hits)
    if not page.hits:
        return [(Span(t(lang, "render.search.none", query=page.query)),)]
    title = t(lang, "render.search.title_range", query=page.query, start=start, end=end)
    blocks: list[Block] = [(Span(title, bold=True),)]
    for number, hit in enumerate(page.hits, start):
        meta = " · ".join(
            [*([hit.agency] if hit.agency else []), stamp(hit.published_at, lang=lang)]
        )
        spans: list[Span] = [
            Span(f"{number}. "),
            Span(hit.headline.strip(), bold=True, href=safe_url(hit.url)),
            Span(f"\n{meta}\n"),
        ]
        spans += [Span(text, bold=matched) for text, matched in hit.snippet if text]
        blocks.append(tuple(spans))
    return blocks


def text_blocks(text: str) -> list[Block]:
    return [(Span(p.strip("\n")),) for p in text.split("\n\n") if p.strip()]


# --- public ----------------------------------------------------------------------------------


def render_message(message: Message, limit: int = LIMIT) -> list[str]:
    """One or more Telegram HTML texts (parse_mode HTML), each within ``limit``."""
    if isinstance(message, Alert):
        return pack(alert_blocks(message), limit)
    if isinstance(message, DailyDigest):
        return pack(digest_blocks(message), limit)
    if isinstance(message, Notice):
        return pack(text_blocks(message.text), limit) or [t("ko", "render.empty")]
    raise TypeError(f"cannot render {type(message).__name__} for Telegram")


def reply_messages(reply: Reply, limit: int = LIMIT) -> list[str]:
    """A command reply as Telegram messages: a ``/digest`` in as many parts as the scheduled
    digest has; a search page or a text in one message (the rest is cut off)."""
    if reply.digest is not None:
        blocks, parts = digest_blocks(reply.digest), None
    elif reply.search is not None:
        blocks, parts = search_blocks(reply.search), 1
    else:
        blocks, parts = text_blocks(reply.text), 1
    return (pack(blocks, limit) or [t("ko", "render.empty")])[:parts]


def render_reply(reply: Reply, limit: int = LIMIT) -> str:
    """The first message of :func:`reply_messages` (a search page, a text)."""
    return reply_messages(reply, limit)[0]
