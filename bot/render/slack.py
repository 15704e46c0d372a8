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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.locales import date_values, t
from bot.messages import Alert, DailyDigest, DigestEntry, Message, Notice, Reply, SearchPage
from bot.render.common import (
    alert_prefix,
    contact_overview,
    contact_texts,
    first_contact,
    safe_url,
    sources_text,
    stamp,
)
from bot.types import Contact, Labeled

Block = dict[str, Any]

SECTION_LIMIT = 2900  # Slack rejects section text of 3,000+; keep a margin
HEADER_LIMIT = 150
BLOCK_LIMIT = 50
FALLBACK_LIMIT = 3000


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


def link(url: str, label: str) -> str:
    """A mrkdwn link with an escaped label, or just the escaped label for unusable URLs."""
    target = safe_url(url)
    label = escape(" ".join(label.split())) or t("ko", "render.link")
    return f"<{target.replace('&', '&amp;')}|{label}>" if target else label


def _all_contacts(contacts: Sequence[Contact], lang: str = "ko") -> Block:
    """Every person, in a context block (≤ 10 elements of ≤ 3,000 characters each)."""
    lines = [escape(line) for line in contact_texts(contacts)]
    chunks: list[str] = []
    title = t(lang, "render.all_contacts_count", count=len(lines))
    for line in [f"*{title}*", *lines]:
        if chunks and len(chunks[-1]) + len(line) + 1 <= 2900:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line[:2900])
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": c} for c in chunks[:10]]}


# --- building blocks --------------------------------------------------------------------


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, HEADER_LIMIT)}}


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _context(*parts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": p} for p in parts][:10]}


def _button(url: str, lang: str = "ko") -> Block | None:
    target = safe_url(url)
    if target is None:
        return None
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": t(lang, "render.open_original")},
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


def _source_label(alert: Alert, lang: str) -> str:
    if len(alert.sources) > 1:
        return escape(sources_text(alert.source, alert.sources, lang))
    return f"{t(lang, 'render.source')}: {escape(alert.source)}"


def _fact(fact: Labeled) -> str:
    label = fact.label.strip()
    return f"• *{escape(label)}*: {escape(fact.value)}" if label else f"• {escape(fact.value)}"


def render_alert(
    alert: Alert, lang: str = "ko", *, now: datetime | None = None
) -> list[SlackMessage]:
    """The alert in blocks; the notification ``text`` starts with ``[속보]`` only for a fresh
    release (:func:`bot.render.common.alert_prefix`, as on the console)."""
    summary = alert.summary
    lines = [f"• {escape(b)}" for b in summary.bullets if b.strip()]
    lines += [_fact(x) for x in (*summary.key_dates, *summary.amounts)]
    blocks: list[Block] = [_header(summary.headline)]
    blocks += _sections(lines or ["• " + escape(summary.headline)])
    context = [
        _source_label(alert, lang),
        stamp(alert.published_at, lang=lang),
    ]
    shown, more = contact_overview(summary.contacts, lang)
    if shown:
        contacts = escape(", ".join(shown))
        context.append(f"{t(lang, 'render.contacts')}: {contacts}" + (f" {more}" if more else ""))
    blocks.append(_context(*context))
    if more:  # the whole list, where Slack allows it: a context block under the alert
        blocks.append(_all_contacts(summary.contacts, lang))
    if button := _button(alert.url, lang):
        blocks.append(button)
    first = summary.bullets[0] if summary.bullets else ""
    prefix = alert_prefix(alert.published_at, now, lang)
    text = _fallback(f"{prefix}{escape(plain(summary.headline, 200))}", escape(first))
    return _paginate(text, blocks, text)


def _digest_entry(entry: DigestEntry, year: int, lang: str) -> str:
    line = f"• {link(entry.url, entry.headline)}"
    details = []
    if entry.agencies:
        details.append(escape(", ".join(entry.agencies)))
    if entry.source_count > 1:
        details.append(t(lang, "render.digest.sources", count=entry.source_count))
    details.append(stamp(entry.published_at, year, lang))
    line += f"  _{' · '.join(details)}_"
    if contact := first_contact(entry.contacts):
        line += f"\n   {t(lang, 'render.contacts')}: {escape(contact)}"
    return line


def digest_title(digest: DailyDigest, lang: str = "ko") -> str:
    day = digest.day
    return t(lang, "render.digest.title_slack", **date_values(lang, day))


def render_digest(digest: DailyDigest, lang: str = "ko") -> list[SlackMessage]:
    title = digest_title(digest, lang)
    count = sum(len(s.entries) for s in digest.sections)
    blocks: list[Block] = [_header(title)]
    if count == 0:
        blocks.append(_section(t(lang, "render.digest.empty")))
    for section in digest.sections:
        if not section.entries:
            continue
        blocks.append({"type": "divider"})
        heading = t(lang, "render.digest.section_count", count=len(section.entries))
        blocks += _sections(
            [f"*{escape(section.topic)}* ({heading})"]
            + [_digest_entry(e, digest.day.year, lang) for e in section.entries]
        )
    total = t(lang, "render.digest.total", count=count + digest.omitted)
    footer = [total]
    if digest.omitted:
        footer.append(t(lang, "render.digest.omitted_search", count=digest.omitted))
    footer.append(t(lang, "render.digest.timezone", zone=escape(digest.timezone)))
    blocks.append(_context(*footer))
    all_count = t(lang, "render.digest.section_count", count=count + digest.omitted)
    text = _fallback(f"{title}: {all_count}")
    return _paginate(text, blocks, f"{title} {t(lang, 'render.continued')}")


def render_notice(notice: Notice) -> list[SlackMessage]:
    body = escape(notice.text.strip()) or " "
    return _paginate(_fallback(body), _sections(body.split("\n")), _fallback(body))


def render_search(page: SearchPage) -> list[Block]:
    """Search hits as blocks; matched snippet segments are bolded after escaping."""
    if not page.hits:
        return [_section(t("ko", "render.search.none", query=escape(page.query)))]
    title = t("ko", "render.search.title_quoted", query=escape(page.query))
    lines = [f"*{title}* ({page.offset + 1}–{page.offset + len(page.hits)})"]
    for hit in page.hits:
        snippet = "".join(
            f"*{escape(t).replace('*', '')}*" if matched and t.strip() else escape(t)
            for t, matched in hit.snippet
        )
        meta = " · ".join(x for x in (escape(hit.agency or ""), stamp(hit.published_at)) if x)
        lines.append(f"• {link(hit.url, hit.headline)}  _{meta}_\n   {snippet}")
    blocks = _sections(lines)
    if page.has_more:
        blocks.append(_context(t("ko", "render.search.more_slack")))
    return blocks[:BLOCK_LIMIT]


def reply_messages(reply: Reply) -> list[SlackMessage]:
    """Ephemeral command answers: a ``/digest`` in as many messages as the scheduled digest
    has; otherwise one, the text plus search hits when there are some."""
    if reply.digest is not None:
        return render_digest(reply.digest)
    body = escape(reply.text.strip()) or " "
    blocks = _sections(body.split("\n"))
    if reply.search is not None:
        blocks += render_search(reply.search)
    return [SlackMessage(_fallback(body), blocks[:BLOCK_LIMIT])]


def render_reply(reply: Reply) -> SlackMessage:
    """The first of :func:`reply_messages`."""
    return reply_messages(reply)[0]


def render(message: Message, *, now: datetime | None = None) -> list[SlackMessage]:
    """Any outgoing message; the first element goes to the channel, the rest to its thread
    (``now``: an alert older than :data:`bot.render.common.FRESH` gets no ``[속보]``)."""
    if isinstance(message, Alert):
        return render_alert(message, now=now)
    if isinstance(message, DailyDigest):
        return render_digest(message)
    return render_notice(message)
