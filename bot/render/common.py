"""What every renderer shows the same way, whatever its markup: times, contacts, links. Pure.

The console (text.py), Telegram (telegram.py) and Slack (slack.py) differ only in markup and
limits; the words come from here so a reader sees one format on every platform:

- a moment is shown in KST, ``4월 11일 08:30 KST``, with the year in front
  (``2024년 6월 10일 09:30 KST``) when it is not in the reference year the caller knows (the
  digest's day) or when the caller knows none (an alert, a search result);
- a contact is ``organisation department role name phone``, fields the source left out
  skipped; a short message shows the responsible person and the first 담당자, then
  ``외 N명`` (:func:`bot.documents.contacts.overview` chooses them);
- a link target is an http(s) address without anything a markup could read as its own
  syntax (one rule, :func:`safe_url`; the web pages use it too);
- an alert is marked ``[속보]`` only when its release is news: published within
  :data:`FRESH` of now (one rule, :func:`alert_prefix`).

Strings come back unescaped: each renderer escapes for its own markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.clock import KST
from bot.documents.contacts import overview
from bot.hygiene import is_clean
from bot.locales import date_values, t, weekday
from bot.locales.particles import with_particle
from bot.story_features import figure_display
from bot.types import Contact, Labeled

URL_LIMIT = 3000  # Slack refuses longer link targets; no real press-release URL comes close
_URL_FORBIDDEN = frozenset("<>|\"'`\\\n\r\t")  # markup delimiters (HTML, mrkdwn), line breaks


def stamp(moment: datetime, year: int | None = None, lang: str = "ko") -> str:
    """``4월 11일 08:30 KST``; ``2024년 6월 10일 09:30 KST`` when ``moment`` is not in ``year``
    (or no ``year`` is known)."""
    local = moment.astimezone(KST)
    key = "render.time" if local.year == year else "render.time_year"
    return t(lang, key, **date_values(lang, local), hhmm=f"{local:%H:%M}")


FRESH = timedelta(days=2)  # an alert older than this is not news: no [속보] in front


def alert_prefix(
    published_at: datetime, now: datetime | None, lang: str = "ko", *, time_known: bool = True
) -> str:
    """``[속보] `` for a release published within :data:`FRESH` of ``now`` (always when
    ``now`` is not given: a live alert), "" for an older one or one whose time is unknown."""
    fresh = now is None or (time_known and now - published_at <= FRESH)
    return f"{t(lang, 'render.alert.prefix')} " if fresh else ""


def full_stamp(moment: datetime, lang: str = "ko") -> str:
    """``2026-04-11 (토) 07:18 KST``: the full form, for pages and lines that stand alone."""
    local = moment.astimezone(KST)
    return f"{local:%Y-%m-%d} ({weekday(lang, local.weekday())}) {local:%H:%M} KST"


def fact_text(fact: Labeled) -> str:
    """``신청 기간: 4월 13일~5월 8일``, or the value alone when the source names no label."""
    label = fact.label.strip()
    return f"{label}: {fact.value}" if label else fact.value


def contact_text(contact: Contact) -> str:
    """``기관 부서 직함 이름 전화``, leaving out what the source did not give ("" if nothing)."""
    fields = (
        contact.organization,
        contact.department,
        contact.role,
        contact.name,
        contact.phone,
    )
    return " ".join(f.strip() for f in fields if f and f.strip())


def contact_texts(contacts: Iterable[Contact]) -> list[str]:
    """Every contact that says something, in the source's order."""
    return [text for text in (contact_text(c) for c in contacts) if text]


def first_contact(contacts: Iterable[Contact]) -> str:
    """The one contact a digest entry shows (the entry lists the responsible person first)."""
    return next(iter(contact_texts(contacts)), "")


def contact_overview(contacts: Sequence[Contact], lang: str = "ko") -> tuple[list[str], str]:
    """What a short message shows: the responsible person and the first 담당자, and
    ``외 N명`` for the rest ("" when everyone is shown)."""
    shown, more = overview(contacts)
    return contact_texts(shown), more_people(more, lang)


def more_people(count: int, lang: str = "ko") -> str:
    return t(lang, "render.more_people", count=count) if count > 0 else ""


def safe_url(url: str) -> str | None:
    """``url`` when it is a plain http(s) address that is safe to write as a link target in
    HTML or mrkdwn, a space inside written ``%20`` as browsers do; None for anything else
    (``javascript:``, ``data:``, quotes, ``<>|``, control or bidi characters, no host, over
    3,000 characters)."""
    url = url.strip().replace(" ", "%20")
    if not url or len(url) > URL_LIMIT or not is_clean(url):
        return None
    if any(c in _URL_FORBIDDEN for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url


# A message lists this many sources by name; the rest are counted (외 N곳).
SOURCES_SHOWN = 5


def sources_text(first: str, sources: Sequence[str], lang: str = "ko") -> str:
    """Where a story comes from: the one feed, or ``출처 5곳: 중기부, 뉴스1, … 외 N곳``."""
    names = [n.strip() for n in sources if n.strip()] or [first.strip()]
    if len(names) <= 1:
        return names[0] if names else ""
    shown = ", ".join(names[:SOURCES_SHOWN])
    more = len(names) - SOURCES_SHOWN
    if more > 0:
        shown += " " + t(lang, "render.sources_more", count=more)
    return t(lang, "render.sources_list", count=len(names), names=shown)


def why_grouped(
    reason: str, via: int | None, similarity: float | None, shared: dict[str, list[str]]
) -> str:
    """Why an article is in its story, in Korean, from its ``story_links`` row."""
    if reason == "near":
        parts = [
            f"기사 {with_particle(f'#{via}', '과/와')} 내용이 비슷함 (유사도 {similarity or 0:.2f})"
        ]
        if figures := shared.get("figures"):
            parts.append("같은 수치: " + ", ".join(figure_display(f) for f in figures[:6]))
        if agencies := shared.get("agencies"):
            parts.append("같은 기관: " + ", ".join(agencies))
        if words := shared.get("words"):
            parts.append("같은 낱말: " + ", ".join(words[:8]))
        return "; ".join(parts)
    return {
        "first": "처음 들어온 기사",
        "url": "같은 주소의 기사",
        "title": "제목이 같은 기사",
        "text": "본문이 같은 기사",
        "split": "다른 소식에서 나눈 기사 (sokbo stories split)",
    }.get(reason, reason)
