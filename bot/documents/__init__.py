"""One press release as a typed value, built once from the feed's HTML, markdown or plain text.

The steps, one module each (pure; odd input never raises)::

    markup.py    markup → lines (HTML parsed into markdown-like lines; text brackets stay text)
    blocks.py    lines → blocks (heading, paragraph, item, table, rule)
    assemble.py  blocks → Document (header fields, lead, sections, contact block, attachments)
    titles.py    the title (tag and edition prefixes, which heading reads like a title)
    text.py      Document → text (the stored canonical markdown; the LLM's view)
    build.py     build_document / article_text / structure: the entry points
    model.py     Block, Section, Document

Contacts live beside them: :mod:`bot.documents.contacts` is the one place they are extracted
(the block's people in ``people.py`` with ``names.py`` and ``phones.py``; releases without a
block in ``contact_lines.py``). ``source.py`` reads a raw file the old way (plain text).

Whatever separates items in the source (``<li>``, ``<br>``, ``<p>``, blank lines, table cells,
``|``) the result is the same; the canonical markdown (:meth:`Document.to_markdown`) is what
ingest stores as an article's text, and :func:`build_document` reads it back unchanged.
"""

from bot.documents.assemble import assemble
from bot.documents.blocks import parse_lines
from bot.documents.build import MAX_INPUT, article_text, build_document, stored_text, structure
from bot.documents.markup import has_markup, markup_lines
from bot.documents.model import Block, BlockKind, Document, Section
from bot.documents.text import llm_text, serialize
from bot.documents.titles import split_title

__all__ = [
    "MAX_INPUT",
    "Block",
    "BlockKind",
    "Document",
    "Section",
    "article_text",
    "assemble",
    "build_document",
    "has_markup",
    "llm_text",
    "markup_lines",
    "parse_lines",
    "serialize",
    "split_title",
    "stored_text",
    "structure",
]
