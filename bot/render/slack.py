"""Messages → Slack Block Kit (pure).

Every string here may come from a feed or an LLM, so all of it is escaped before it reaches a
``mrkdwn`` field: ``&``, ``<`` and ``>`` become entities (no ``<!channel>``, ``<@U…>`` or
``<http://…|…>`` can be injected), and ``@channel``/``@here``/``@everyone`` get a zero-width
joiner so no client turns them into a mention either.

Slack's limits are kept here: header text ≤ 150, section text < 3,000 characters, ≤ 50 blocks
per message. A message that would not fit continues as thread replies: renderers return a list
of :class:`SlackMessage`, the first for the channel, the rest for its thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bot.clock import KST
from bot.contacts import overview
from bot.locales import t
from bot.messages import Alert, DailyDigest, DigestEntry, Message, Notice, Reply, SearchPage
from bot.types import Contact

Block = dict[str, Any]

SECTION_LIMIT = 2900  # Slack rejects section text of 3,000+; keep a margin
HEADER_LIMIT = 150
BLOCK_LIMIT = 50
FALLBACK_LIMIT = 3000
BUTTON_LABEL = "원문 보기"
WEEKDAYS = "월화수목금토일"


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One chat.postMessage: ``text`` is the notification fallback, ``blocks`` the layout."""

    text: str
    blocks: list[Block] = field(default_factory=list)


# --- escaping ---------------------------------------------------------------------------

_MENTION = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_SPECIAL = re.compile(r"<([!@#])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def escape(text: str) -> str:
    """Make feed text inert in mrkdwn: no links, no mentions, no control characters."""
    text = _CONTROL.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@\u2060\\1", text)


def plain(text: str, limit: int) -> str:
    """Text for plain_text fields (header, button): no markup is parsed there, only trimmed."""
    text = _MENTION.sub("@\u2060\\1", _CONTROL.sub("", " ".join(text.split())))
    text = _SPECIAL.sub("<\u2060\\1", text)  # "<!channel>" stays readable but inert
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_url(url: str) -> str | None:
    """The URL if it is a plain http(s) address Slack can link to, else None."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 3000:
        return None
    if any(c in url for c in "<>| \n\t\"'") or _CONTROL.search(url):
        return None
    return url


def link(url: str, label: str) -> str:
    """A mrkdwn link with an escaped label, or just the escaped label for unusable URLs."""
    target = safe_url(url)
    label = escape(" ".join(label.split())) or "링크"
    return f"<{target.replace('&', '&amp;')}|{label}>" if target else label


def kst(moment: datetime) -> str:
    local = moment.astimezone(KST)
    return f"{local.month}월 {local.day}일 {local:%H:%M} KST"


def contact_line(contact: Contact) -> str:
    parts = [contact.organization, contact.department, contact.name, contact.role]
    words = " ".join(p.strip() for p in parts if p and p.strip())
    if contact.phone:
        words = f"{words} ☎ {contact.phone}" if words else f"☎ {contact.phone}"
    return words


def _all_contacts(contacts: list[Contact] | tuple[Contact, ...]) -> Block:
    """Every person, in a context block (≤ 10 elements of ≤ 3,000 characters each)."""
    lines = [escape(line) for line in (contact_line(c) for c in contacts) if line]
    chunks: list[str] = []
    for line in [f"*문의처 전체 ({len(lines)}명)*", *lines]:
        if chunks and len(chunks[-1]) + len(line) + 1 <= 2900:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line[:2900])
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": c} for c in chunks[:10]]}


def contacts_text(contacts: list[Contact] | tuple[Contact, ...], limit: int = 3) -> str:
    lines = [line for line in (contact_line(c) for c in contacts[:limit]) if line]
    return ", ".join(lines)


# --- building blocks --------------------------------------------------------------------


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, HEADER_LIMIT)}}


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _context(*parts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": p} for p in parts][:10]}


def _button(url: str) -> Block | None:
    target = safe_url(url)
    if target is None:
        return None
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": BUTTON_LABEL},
                "url": target,
                "action_id": "open_source",
            }
        ],
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sections(lines: list[str]) -> list[Block]:
    """Pack lines into as few sections as fit under the section limit (long lines are cut)."""
    blocks: list[Block] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = _cut(line, SECTION_LIMIT)
        if current and size + 1 + len(line) > SECTION_LIMIT:
            blocks.append(_section("\n".join(current)))
            current, size = [], 0
        current.append(line)
        size += len(line) + (1 if size else 0)
    if current:
        blocks.append(_section("\n".join(current)))
    return blocks


def _fallback(*parts: str) -> str:
    return _cut("\n".join(p for p in parts if p), FALLBACK_LIMIT)


def _paginate(first_text: str, blocks: list[Block], thread_text: str) -> list[SlackMessage]:
    """Split blocks into messages of ≤ 50 blocks; continuations are thread replies."""
    if len(blocks) <= BLOCK_LIMIT:
        return [SlackMessage(first_text, blocks)]
    messages = [SlackMessage(first_text, blocks[:BLOCK_LIMIT])]
    rest = blocks[BLOCK_LIMIT:]
    while rest:
        messages.append(SlackMessage(thread_text, rest[:BLOCK_LIMIT]))
        rest = rest[BLOCK_LIMIT:]
    return messages


# --- messages ---------------------------------------------------------------------------


def render_alert(alert: Alert) -> list[SlackMessage]:
    summary = alert.summary
    lines = [f"• {escape(b)}" for b in summary.bullets if b.strip()]
    lines += [f"• *{escape(x.label)}*: {escape(x.value)}" for x in summary.key_dates]
    lines += [f"• *{escape(x.label)}*: {escape(x.value)}" for x in summary.amounts]
    blocks: list[Block] = [_header(summary.headline)]
    blocks += _sections(lines or ["• " + escape(summary.headline)])
    context = [f"출처: {escape(alert.source)}", kst(alert.published_at)]
    shown, more = overview(summary.contacts)
    if contacts := contacts_text(shown):
        context.append(f"문의처: {escape(contacts)}" + (f" 외 {more}명" if more else ""))
    blocks.append(_context(*context))
    if more:  # the whole list, where Slack allows it: a context block under the alert
        blocks.append(_all_contacts(summary.contacts))
    if button := _button(alert.url):
        blocks.append(button)
    first = summary.bullets[0] if summary.bullets else ""
    text = _fallback(f"[속보] {escape(plain(summary.headline, 200))}", escape(first))
    return _paginate(text, blocks, text)


def _digest_entry(entry: DigestEntry) -> str:
    line = f"• {link(entry.url, entry.headline)}"
    details = []
    if entry.agencies:
        details.append(escape(", ".join(entry.agencies)))
    if entry.source_count > 1:
        details.append(f"출처 {entry.source_count}곳")
    details.append(kst(entry.published_at))
    line += f"  _{' · '.join(details)}_"
    if contacts := contacts_text(entry.contacts, limit=1):
        line += f"\n   문의처: {escape(contacts)}"
    return line


def digest_title(digest: DailyDigest) -> str:
    day = digest.day
    return f"오늘의 정책 속보 — {day.month}월 {day.day}일 ({WEEKDAYS[day.weekday()]})"


def render_digest(digest: DailyDigest) -> list[SlackMessage]:
    title = digest_title(digest)
    count = sum(len(s.entries) for s in digest.sections)
    blocks: list[Block] = [_header(title)]
    if count == 0:
        blocks.append(_section(t("ko", "render.digest.empty")))
    for section in digest.sections:
        if not section.entries:
            continue
        blocks.append({"type": "divider"})
        blocks += _sections(
            [f"*{escape(section.topic)}* ({len(section.entries)}건)"]
            + [_digest_entry(e) for e in section.entries]
        )
    footer = [f"총 {count + digest.omitted}건"]
    if digest.omitted:
        footer.append(f"외 {digest.omitted}건은 `/sokbo search`로 찾아보세요")
    footer.append(f"시간대: {escape(digest.timezone)}")
    blocks.append(_context(*footer))
    text = _fallback(f"{title}: {count + digest.omitted}건")
    return _paginate(text, blocks, f"{title} (이어서)")


def render_notice(notice: Notice) -> list[SlackMessage]:
    body = escape(notice.text.strip()) or " "
    return _paginate(_fallback(body), _sections(body.split("\n")), _fallback(body))


def render_search(page: SearchPage) -> list[Block]:
    """Search hits as blocks; matched snippet segments are bolded after escaping."""
    if not page.hits:
        return [_section(t("ko", "render.search.none", query=escape(page.query)))]
    lines = [
        f"*‘{escape(page.query)}’ 검색 결과* ({page.offset + 1}–{page.offset + len(page.hits)})"
    ]
    for hit in page.hits:
        snippet = "".join(
            f"*{escape(t).replace('*', '')}*" if matched and t.strip() else escape(t)
            for t, matched in hit.snippet
        )
        meta = " · ".join(x for x in (escape(hit.agency or ""), kst(hit.published_at)) if x)
        lines.append(f"• {link(hit.url, hit.headline)}  _{meta}_\n   {snippet}")
    blocks = _sections(lines)
    if page.has_more:
        blocks.append(_context(t("ko", "render.search.more_slack")))
    return blocks[:BLOCK_LIMIT]


def render_reply(reply: Reply) -> SlackMessage:
    """An ephemeral command answer: the Korean text, plus search hits when there are some; a
    digest as the scheduled one looks (its first message)."""
    if reply.digest is not None:
        return render_digest(reply.digest)[0]
    body = escape(reply.text.strip()) or " "
    blocks = _sections(body.split("\n"))
    if reply.search is not None:
        blocks += render_search(reply.search)
    return SlackMessage(_fallback(body), blocks[:BLOCK_LIMIT])


def render(message: Message) -> list[SlackMessage]:
    """Any outgoing message; the first element goes to the channel, the rest to its thread."""
    if isinstance(message, Alert):
        return render_alert(message)
    if isinstance(message, DailyDigest):
        return render_digest(message)
    return render_notice(message)
