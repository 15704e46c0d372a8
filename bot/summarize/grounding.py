"""Grounding: nothing a digest shows may be absent from the source text.

Every phone number (compared by digits), URL, person name and figure (금액, 날짜, 비율) in a
Summary must occur in the article. An LLM summary that fails is repaired — the offending
contact, bullet, amount or date is dropped and the rule-extracted contacts are used — or,
when too little survives, replaced by the extractive digest. Pure functions; the caller
counts and logs the returned events with the story id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.agencies import agency_names
from bot.summarize.contacts import PHONE, phone_digits, phones_in
from bot.summarize.model import Labeled, Summary
from bot.topics import Taxonomy
from bot.types import Contact

EventKind = Literal[
    "contact_dropped",
    "bullet_dropped",
    "headline_replaced",
    "amount_dropped",
    "date_dropped",
    "field_dropped",
    "replaced_by_extractive",
]


@dataclass(frozen=True, slots=True)
class GroundingEvent:
    """One repair made to a summary, with the offending text (for logs and counters)."""

    kind: EventKind
    detail: str


_URL = re.compile(
    r"(?:https?://|www\.)[^\s)<>\"'，,]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:kr|com|net|org|io|me)\b",
    re.I,
)
# A figure: a number and the unit that follows it ("1조 6,903억원", "9.2%", "4월", "13일").
_FIGURE = re.compile(
    r"\d[\d,]*(?:\.\d+)?\s*(?:조|억|만|천)?\s*(?:원|%|퍼센트|명|개|건|곳|개사|개소|월|일|년|시|분|배|km|대)?"
)
_NAME_TITLE = re.compile(
    r"([가-힣]{2,4})\s?(장관|차관|청장|처장|실장|국장|과장|팀장|사무관|주무관|서기관|대변인|"
    r"위원장|총경|경정|경감|경장|의원|대표|회장|원장)"
)
MIN_BULLETS = 2


def _squash(text: str) -> str:
    return re.sub(r"[\s,·‧]+", "", text)


@dataclass(frozen=True)
class SourceFacts:
    """What the source text contains, in the forms the checks compare."""

    text: str
    squashed: str
    phones: frozenset[str]  # every number written in the source
    contact_phones: frozenset[str]  # the numbers of its contact blocks (rule-extracted)

    @classmethod
    def of(cls, text: str, contacts: Sequence[Contact] = ()) -> SourceFacts:
        return cls(
            text=text,
            squashed=_squash(text).lower(),
            phones=frozenset(phone_digits(p) for p in phones_in(text)),
            contact_phones=frozenset(
                phone_digits(p) for c in contacts for p in phones_in(c.phone or "")
            ),
        )


def ungrounded(text: str, facts: SourceFacts) -> list[str]:
    """What ``text`` shows that the source does not support.

    Phones must be numbers of the source's contact blocks (a number elsewhere in the text,
    such as an injected "010-1234-5678로 연락", is refused), URLs are never shown in digest
    text, and names next to a title and figures must occur in the source.
    """
    bad: list[str] = []
    for phone in phones_in(text):
        if phone_digits(phone) not in facts.contact_phones:
            bad.append(phone)
    rest = PHONE.sub(" ", text)
    bad += _URL.findall(rest)
    rest = _URL.sub(" ", rest)
    for match in _NAME_TITLE.finditer(rest):
        if match.group(1) not in facts.squashed:
            bad.append(match.group(0))
    for match in _FIGURE.finditer(rest):
        figure = _squash(match.group(0)).lower()
        if figure and figure not in facts.squashed:
            bad.append(match.group(0).strip())
    return bad


def contact_grounded(contact: Contact, facts: SourceFacts) -> bool:
    """A contact's phones (by digits) must be contact-block numbers; its name in the source."""
    for phone in phones_in(contact.phone or ""):
        if phone_digits(phone) not in facts.contact_phones:
            return False
    if contact.phone and not phones_in(contact.phone):
        return False
    return not (contact.name and _squash(contact.name) not in facts.squashed)


def _labeled(
    items: Iterable[Labeled], facts: SourceFacts, kind: EventKind, events: list[GroundingEvent]
) -> list[Labeled]:
    kept: list[Labeled] = []
    for item in items:
        bad = ungrounded(f"{item.label} {item.value}", facts)
        if bad:
            events.append(GroundingEvent(kind, f"{item.label}: {item.value} ({', '.join(bad)})"))
        else:
            kept.append(item)
    return kept


def ground(
    summary: Summary,
    source_text: str,
    *,
    rule_contacts: Sequence[Contact],
    fallback: Summary,
    taxonomy: Taxonomy,
    source_url: str = "",
) -> tuple[Summary, list[GroundingEvent]]:
    """``summary`` with everything the source does not support removed, and what was removed.

    Falls back to ``fallback`` (the extractive digest) when fewer than two bullets survive.
    Contacts always come from the rules when the rules found any.
    """
    facts = SourceFacts.of(source_text, rule_contacts)
    events: list[GroundingEvent] = []

    bullets: list[str] = []
    for bullet in summary.bullets:
        bad = ungrounded(bullet, facts)
        if bad:
            events.append(GroundingEvent("bullet_dropped", f"{bullet} ({', '.join(bad)})"))
        else:
            bullets.append(bullet)
    if len(bullets) < min(MIN_BULLETS, len(summary.bullets) or MIN_BULLETS):
        events.append(GroundingEvent("replaced_by_extractive", f"{len(bullets)} bullets left"))
        return fallback, events

    headline = summary.headline
    bad = ungrounded(headline, facts)
    if bad:
        events.append(GroundingEvent("headline_replaced", f"{headline} ({', '.join(bad)})"))
        headline = fallback.headline

    for contact in summary.contacts:
        if not contact_grounded(contact, facts):
            events.append(GroundingEvent("contact_dropped", _describe(contact)))
    if rule_contacts:
        contacts = list(rule_contacts)
    else:
        contacts = [c for c in summary.contacts if contact_grounded(c, facts)]

    def present(values: Iterable[str], what: str) -> list[str]:
        kept = []
        for value in values:
            if _squash(value).lower() in facts.squashed and not ungrounded(value, facts):
                kept.append(value)
            else:
                events.append(GroundingEvent("field_dropped", f"{what}: {value}"))
        return kept

    agencies = []
    for agency in summary.agencies:
        if any(_squash(n).lower() in facts.squashed for n in agency_names(agency)):
            agencies.append(agency)
        else:
            events.append(GroundingEvent("field_dropped", f"agency: {agency}"))
    topics = [t for t in summary.topics if t in taxonomy.names]
    repaired = summary.model_copy(
        update={
            "headline": headline,
            "bullets": bullets,
            "contacts": contacts,
            "amounts": _labeled(summary.amounts, facts, "amount_dropped", events),
            "key_dates": _labeled(summary.key_dates, facts, "date_dropped", events),
            "agencies": agencies,
            "regions": present(summary.regions, "region"),
            "topics": topics or fallback.topics,
            "source_url": source_url or fallback.source_url,
        }
    )
    return Summary.model_validate(repaired.model_dump()), events


def _describe(contact: Contact) -> str:
    parts = (contact.organization, contact.department, contact.role, contact.name, contact.phone)
    return " ".join(p for p in parts if p)
