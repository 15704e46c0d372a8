"""The contacts of a release: the one place they are extracted.

A document with a contact block (``담당 부서`` …) gives everyone in it, read from its structure
(:mod:`bot.documents.people`); without a block, the ``문의`` lines and inline desk numbers of
its text (:mod:`bot.documents.contact_lines`); neither gives no contacts. Ingest extracts them
once per article and stores them; both summarizers and grounding use the stored ones.
:func:`overview` picks the two a short message shows. To read a new contact-block format,
change :mod:`bot.documents.people` (rows → atoms → people) and add the release to
``tests/data/press`` with its expected contacts.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.documents.build import build_document
from bot.documents.contact_lines import contacts_in_lines
from bot.documents.model import Document
from bot.documents.people import people_from_rows, rows_of
from bot.types import Contact

__all__ = ["contacts_of", "extract_contacts", "overview", "people_from_rows", "rows_of"]


def extract_contacts(text: str, *, organization: str | None = None) -> list[Contact]:
    """Contacts in ``text`` (plain, markdown or HTML): 책임자 first, then source order.

    ``organization`` (the releasing 부처) fills contacts whose text names no organization.
    """
    try:
        return contacts_of(build_document(text), organization=organization, raw=text)
    except RecursionError:  # pathological input: no contacts rather than a crash
        return []


def contacts_of(
    doc: Document, *, organization: str | None = None, raw: str | None = None
) -> list[Contact]:
    """The people of ``doc``'s contact block; without a block, the 문의 lines and inline
    desk numbers of its text (``문의: 지역경제과 ☎054-…``)."""
    organization = organization or doc.organization
    if doc.contact_block:
        found = people_from_rows(rows_of(doc.contact_block), organization=organization)
        if found:
            return found
    try:
        return contacts_in_lines(raw if raw is not None else doc.text, organization)
    except RecursionError:
        return []


def overview(contacts: Sequence[Contact]) -> tuple[list[Contact], int]:
    """What a short message shows: the responsible person (책임자) and the first 담당자 (the
    first other named person when no one is marked), and how many more there are (외 N명)."""
    if not contacts:
        return [], 0
    responsible = next((c for c in contacts if (c.role or "").startswith("책임자")), contacts[0])
    rest = [c for c in contacts if c is not responsible]
    officer = next((c for c in rest if (c.role or "").startswith("담당자")), None)
    if officer is None:
        officer = next((c for c in rest if c.name), rest[0] if rest else None)
    shown = [responsible] + ([officer] if officer is not None else [])
    return shown, len(contacts) - len(shown)
