"""Phone numbers as Korean releases write them, and how to compare them (by digits).

Two spellings of "a phone" are in use, on purpose: running text (``PHONE``: ``044-201-3398``,
``02)2110-7096``, ``+82-2-…`` or a local ``2110-7096``) — what grounding and the line rules
of :mod:`bot.documents.contact_lines` look for — and a contact block (``PHONE_IN_BLOCK``),
which also writes the area code in parentheses (``(044)201-3398``). A year range
(``2024-2026``) is never a phone.
"""

from __future__ import annotations

import re

LOCAL = r"\d{3,4}-\d{4}"
AREA = r"(?:\+82[-\s]?)?0\d{1,2}[-.)]\s?\d{3,4}[-.]\d{4}"
BLOCK_AREA = r"(?:\+82[-\s]?)?(?:\(0\d{1,2}\)\s?|0\d{1,2}[-.)]\s?)\d{3,4}[-.]\d{4}"
PHONE = re.compile(rf"(?<![\d-])(?:{AREA}|{LOCAL})(?![\d-])")
PHONE_IN_BLOCK = re.compile(rf"(?<![\d-])(?:{BLOCK_AREA}|{LOCAL})(?![\d-])")
YEAR_RANGE = re.compile(r"^(19|20)\d\d-(19|20)\d\d$")


def phone_digits(phone: str) -> str:
    """Digits only, for comparing numbers written in different ways (+82 → 0)."""
    digits = re.sub(r"\D", "", phone)
    return "0" + digits[2:] if digits.startswith("82") and len(digits) >= 11 else digits


def phones_in(text: str) -> list[str]:
    """Every phone number written in ``text`` (with or without an area code)."""
    return [m.group(0) for m in PHONE.finditer(text) if not YEAR_RANGE.match(m.group(0))]
