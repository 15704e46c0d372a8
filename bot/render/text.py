"""Messages → readable plain text (console adapter, logs, `sokbo digest`). Pure.

Times are shown in KST. Strings from feeds or the LLM are printed as they are, with control
characters removed so an article cannot rewrite the terminal. Labels come from the catalog
(:mod:`bot.locales`), Korean unless a language is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from bot.locales import date_values, t
from bot.messages import Alert, DailyDigest, Message, Notice, Reply, SearchPage
from bot.render.common import (
    alert_prefix,
    contact_text,
    fact_text,
    first_contact,
    sources_text,
    stamp,
)
from bot.types import Contact

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x1b\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Drop control characters (ANSI escapes included) and bidi controls; keep newlines."""
    return _CONTROL.sub("", text)


def contact_line(contact: Contact, lang: str = "ko") -> str:
    """``문의: 기관 부서 직함 이름 전화`` (see :func:`bot.render.common.contact_text`)."""
    text = clean(contact_text(contact))
    return f"{t(lang, 'render.contact')}: {text}" if text else ""


def contact_lines(contacts: Iterable[Contact], lang: str = "ko") -> list[str]:
    return [line for line in (contact_line(c, lang) for c in contacts) if line]


def render_alert(
    alert: Alert, lang: str = "ko", *, now: datetime | None = None, time_known: bool = True
) -> str:
    """The alert as text. The header gives the release's own time (``시각 미상`` when the
    release says none); ``[속보]`` only for a fresh release
    (:func:`bot.render.common.alert_prefix`: always when ``now`` is not given)."""
    s = alert.summary
    prefix = alert_prefix(alert.published_at, now, lang, time_known=time_known)
    when = stamp(alert.published_at, lang=lang) if time_known else t(lang, "render.time_unknown")
    lines = [
        f"{prefix}{clean(s.headline)}",
        f"{clean(sources_text(alert.source, alert.sources, lang))} · {when}",
    ]
    if s.agencies:
        lines.append(f"{t(lang, 'render.agencies')}: " + ", ".join(clean(a) for a in s.agencies))
    if s.topics:
        lines.append(f"{t(lang, 'render.topics')}: " + ", ".join(clean(x) for x in s.topics))
    lines.append("")
    lines.extend(f"• {clean(b)}" for b in s.bullets)
    facts = [clean(fact_text(f)) for f in (*s.key_dates, *s.amounts)]
    if facts:
        lines.append("")
        lines.extend(f"- {fact}" for fact in facts)
    contacts = contact_lines(s.contacts, lang)
    if contacts:
        lines.append("")
        lines.extend(contacts)
    url = alert.url or s.source_url
    if url:
        lines.append(f"{t(lang, 'render.original')}: {clean(url)}")
    return "\n".join(lines)


def render_digest(digest: DailyDigest, lang: str = "ko") -> str:
    day = digest.day
    date = t(lang, "render.digest.date", **date_values(lang, day))
    lines = [t(lang, "render.digest.title", date=date)]
    if not digest.sections:
        lines.append("")
        lines.append(t(lang, "render.digest.empty"))
    number = 0
    for section in digest.sections:
        lines.append("")
        lines.append(f"■ {clean(section.topic)}")
        for entry in section.entries:
            number += 1
            meta = [", ".join(clean(a) for a in entry.agencies)] if entry.agencies else []
            meta.append(stamp(entry.published_at, day.year, lang))
            if entry.source_count > 1:
                meta.append(t(lang, "render.digest.reports", count=entry.source_count))
            lines.append(f"{number}. {clean(entry.headline)} ({' · '.join(meta)})")
            if contact := clean(first_contact(entry.contacts)):
                lines.append(f"   {t(lang, 'render.contact')}: {contact}")
            lines.append(f"   {clean(entry.url)}")
    if digest.omitted:
        lines.append("")
        lines.append(t(lang, "render.digest.omitted", count=digest.omitted))
    return "\n".join(lines)


def render_notice(notice: Notice) -> str:
    return clean(notice.text)


def render_search(page: SearchPage, lang: str = "ko") -> str:
    """A page of results on its own, with a header line."""
    if not page.hits:
        return t(lang, "render.search.none", query=clean(page.query))
    return "\n".join([t(lang, "render.search.title", query=clean(page.query)), *_hit_lines(page)])


def _hit_lines(page: SearchPage, lang: str = "ko") -> list[str]:
    lines = []
    for number, hit in enumerate(page.hits, start=page.offset + 1):
        meta = [clean(hit.agency)] if hit.agency else []
        meta.append(stamp(hit.published_at, lang=lang))
        lines.append(f"{number}. {clean(hit.headline)} ({' · '.join(meta)})")
        snippet = "".join(f"[{clean(t)}]" if matched else clean(t) for t, matched in hit.snippet)
        if snippet:
            lines.append(f"   {snippet}")
        lines.append(f"   {clean(hit.url)}")
    if page.has_more:
        lines.append(t(lang, "render.search.more"))
    return lines


def render_reply(reply: Reply) -> str:
    parts = [clean(reply.text)]
    if reply.topic_choices:
        parts.append(
            "\n".join(f"[{'✔' if on else ' '}] {clean(topic)}" for topic, on in reply.topic_choices)
        )
    if reply.search is not None and reply.search.hits:  # reply.text already says how many
        parts.append("\n".join(_hit_lines(reply.search, reply.language)))
    return "\n\n".join(p for p in parts if p)


def render(message: Message, *, now: datetime | None = None) -> str:
    """Any outgoing message as text (``now``: an alert older than
    :data:`bot.render.common.FRESH` gets no ``[속보]``)."""
    if isinstance(message, Alert):
        return render_alert(message, now=now)
    if isinstance(message, DailyDigest):
        return render_digest(message)
    return render_notice(message)
