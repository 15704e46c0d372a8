"""The digests as an Atom 1.0 feed (RFC 4287). Pure: stories in, bytes out.

Built with ElementTree so every string from a feed or the LLM is escaped by the serializer;
the entry content is the digest as a small HTML fragment (itself escaped once more as text
of a ``type="html"`` element, as the RFC asks).
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.render.common import fact_text, safe_url
from bot.render.text import contact_line
from bot.web.queries import StoryView

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(url: str, label: str) -> str:
    """A link where the URL passes the renderers' one rule; the label alone otherwise."""
    target = safe_url(url)
    if target is None:
        return html.escape(label)
    return f'<a href="{html.escape(target, quote=True)}">{html.escape(label)}</a>'


def digest_html(view: StoryView) -> str:
    """The digest as HTML for a feed reader: bullets, facts, contacts, sources."""
    s = view.summary
    parts = []
    if s.bullets:
        parts.append("<ul>" + "".join(f"<li>{html.escape(b)}</li>" for b in s.bullets) + "</ul>")
    facts = [fact_text(f) for f in (*s.key_dates, *s.amounts)]
    if facts:
        parts.append("<p>" + "<br>".join(html.escape(f) for f in facts) + "</p>")
    contacts = [line for line in (contact_line(c) for c in view.contacts) if line]
    if contacts:
        parts.append("<p>" + "<br>".join(html.escape(c) for c in contacts) + "</p>")
    links = [_link(src.url, src.feed) for src in view.sources] or [_link(view.url, "원문")]
    names = view.source_names
    label = f"출처 {len(names)}곳" if len(names) > 1 else "원문"
    parts.append(f"<p>{label}: " + " · ".join(links) + "</p>")
    return "".join(parts)


def atom_feed(
    views: Sequence[StoryView],
    *,
    title: str,
    base_url: str,
    self_url: str,
    feed_id: str,
    now: datetime,
) -> bytes:
    """An Atom document of ``views`` (newest first); ``base_url`` has no trailing slash."""
    root = ET.Element(f"{{{ATOM}}}feed")
    root.set("xml:lang", "ko")
    _el(root, "id", feed_id)
    _el(root, "title", title)
    _el(root, "subtitle", "정책 보도자료 요약 — 속보(sokbo)")
    # never in the future, whatever a story row holds: readers would skip every later change
    newest = min(max((v.published_at for v in views), default=now), now)
    _el(root, "updated", _time(newest))
    _el(root, "link", rel="self", type="application/atom+xml", href=self_url)
    _el(root, "link", rel="alternate", type="text/html", href=f"{base_url}/")
    author = _el(root, "author")
    _el(author, "name", "속보 sokbo")
    _el(root, "generator", "sokbo")
    for view in views:
        entry = _el(root, "entry")
        page = f"{base_url}/stories/{view.id}"
        _el(entry, "id", page)
        _el(entry, "title", view.summary.headline or view.title)
        _el(entry, "link", rel="alternate", type="text/html", href=page)
        if (source := safe_url(view.url)) is not None:
            _el(entry, "link", rel="related", href=source)
        _el(entry, "published", _time(view.published_at))
        _el(entry, "updated", _time(min(view.published_at, now)))
        names = view.summary.agencies or list(dict.fromkeys(s.feed for s in view.sources))
        writer = _el(entry, "author")
        _el(writer, "name", ", ".join(names) or "속보 sokbo")
        for topic in view.summary.topics:
            _el(entry, "category", term=topic, label=topic)
        _el(entry, "summary", " ".join(view.summary.bullets) or view.title, type="text")
        _el(entry, "content", digest_html(view), type="html")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body
