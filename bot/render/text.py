"""Messages → readable Korean plain text (console adapter, logs, `sokbo digest`). Pure.

Times are shown in KST. Strings from feeds or the LLM are printed as they are, with control
characters removed so an article cannot rewrite the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from bot.clock import KST
from bot.messages import Alert, DailyDigest, Message, Notice, Reply, SearchPage
from bot.types import Contact

_WEEKDAYS = "월화수목금토일"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x1b]")


def clean(text: str) -> str:
    """Drop control characters (ANSI escapes included); keep newlines."""
    return _CONTROL.sub("", text)


def kst_time(when: datetime) -> str:
    """``2026-04-11 (토) 07:18 KST``."""
    local = when.astimezone(KST)
    return f"{local:%Y-%m-%d} ({_WEEKDAYS[local.weekday()]}) {local:%H:%M} KST"


def contact_line(contact: Contact) -> str:
    """``문의: 부서 직함 이름 (전화)``, leaving out what the source did not give."""
    parts = [
        clean(p)
        for p in (contact.organization, contact.department, contact.role, contact.name)
        if p
    ]
    line = " ".join(parts)
    if contact.phone:
        line = f"{line} ({clean(contact.phone)})" if line else clean(contact.phone)
    return f"문의: {line}" if line else ""


def contact_lines(contacts: Iterable[Contact]) -> list[str]:
    return [line for line in (contact_line(c) for c in contacts) if line]


def render_alert(alert: Alert) -> str:
    s = alert.summary
    lines = [
        f"[속보] {clean(s.headline)}",
        f"{clean(alert.source)} · {kst_time(alert.published_at)}",
    ]
    if s.agencies:
        lines.append("기관: " + ", ".join(clean(a) for a in s.agencies))
    if s.topics:
        lines.append("주제: " + ", ".join(clean(t) for t in s.topics))
    lines.append("")
    lines.extend(f"• {clean(b)}" for b in s.bullets)
    facts = [f"{clean(f.label)}: {clean(f.value)}" for f in (*s.key_dates, *s.amounts)]
    if facts:
        lines.append("")
        lines.extend(f"- {fact}" for fact in facts)
    contacts = contact_lines(s.contacts)
    if contacts:
        lines.append("")
        lines.extend(contacts)
    url = alert.url or s.source_url
    if url:
        lines.append(f"원문: {clean(url)}")
    return "\n".join(lines)


def render_digest(digest: DailyDigest) -> str:
    weekday = _WEEKDAYS[digest.day.weekday()]
    lines = [f"[오늘의 정책 브리핑] {digest.day:%Y년 %m월 %d일} ({weekday})"]
    if not digest.sections:
        lines.append("")
        lines.append("오늘은 구독하신 주제의 새 소식이 없습니다.")
    number = 0
    for section in digest.sections:
        lines.append("")
        lines.append(f"■ {clean(section.topic)}")
        for entry in section.entries:
            number += 1
            meta = [", ".join(clean(a) for a in entry.agencies)] if entry.agencies else []
            meta.append(entry.published_at.astimezone(KST).strftime("%m/%d %H:%M"))
            if entry.source_count > 1:
                meta.append(f"보도 {entry.source_count}건")
            lines.append(f"{number}. {clean(entry.headline)} ({' · '.join(meta)})")
            lines.extend(f"   {line}" for line in contact_lines(entry.contacts[:1]))
            lines.append(f"   {clean(entry.url)}")
    if digest.omitted:
        lines.append("")
        lines.append(f"외 {digest.omitted}건")
    return "\n".join(lines)


def render_notice(notice: Notice) -> str:
    return clean(notice.text)


def render_search(page: SearchPage) -> str:
    """A page of results on its own, with a header line."""
    if not page.hits:
        return f"'{clean(page.query)}' 검색 결과가 없습니다."
    return "\n".join([f"'{clean(page.query)}' 검색 결과", *_hit_lines(page)])


def _hit_lines(page: SearchPage) -> list[str]:
    lines = []
    for number, hit in enumerate(page.hits, start=page.offset + 1):
        meta = [clean(hit.agency)] if hit.agency else []
        meta.append(hit.published_at.astimezone(KST).strftime("%Y-%m-%d"))
        lines.append(f"{number}. {clean(hit.headline)} ({' · '.join(meta)})")
        snippet = "".join(f"[{clean(t)}]" if matched else clean(t) for t, matched in hit.snippet)
        if snippet:
            lines.append(f"   {snippet}")
        lines.append(f"   {clean(hit.url)}")
    if page.has_more:
        lines.append("(더 보기: 다음 페이지)")
    return lines


def render_reply(reply: Reply) -> str:
    parts = [clean(reply.text)]
    if reply.topic_choices:
        parts.append(
            "\n".join(f"[{'✔' if on else ' '}] {clean(topic)}" for topic, on in reply.topic_choices)
        )
    if reply.search is not None and reply.search.hits:  # reply.text already says how many
        parts.append("\n".join(_hit_lines(reply.search)))
    return "\n\n".join(p for p in parts if p)


def render(message: Message) -> str:
    """Any outgoing message as text."""
    if isinstance(message, Alert):
        return render_alert(message)
    if isinstance(message, DailyDigest):
        return render_digest(message)
    return render_notice(message)
