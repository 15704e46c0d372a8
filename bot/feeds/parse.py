"""Feed documents → articles. Pure: bytes, headers, base URL and "now" in; articles, error out.

feedparser reads RSS 0.9x/2.0, RSS 1.0/RDF and Atom. Around it sit what real Korean feeds
need: decoding when the declared encoding is wrong (EUC-KR/CP949 vs UTF-8), Korean and
dotted date forms with zone-less times taken as Asia/Seoul, HTML turned into clean text
(also when it was escaped twice), stable ids for items without a GUID, and a tolerant second
pass that recovers items from truncated documents.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import feedparser

from bot.clock import KST
from bot.documents import article_text, markup_lines
from bot.hygiene import clean_text
from bot.types import Article


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What one document gave: its articles and, when something was wrong, why in words."""

    articles: tuple[Article, ...]
    error: str | None = None
    title: str | None = None


def parse_feed(
    body: bytes,
    *,
    feed_id: int,
    base_url: str,
    now: datetime,
    headers: Mapping[str, str] | None = None,
) -> ParsedFeed:
    """Parse one fetched document; never raises for bad input (the error is returned)."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    if not body.strip():
        return ParsedFeed((), "empty response body")
    text, encoding_note = decode(body, headers.get("content-type", ""))
    text = clean_text(text)  # XML forbids C0 controls: a NUL would cost feedparser the document
    if _looks_like_html_page(text):
        return ParsedFeed((), "not a feed (HTML page)")
    parsed = feedparser.parse(
        _as_utf8_document(text),
        response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    channel_date = _first_date(parsed.feed)
    raw_entries = list(parsed.entries)
    bozo = bool(parsed.get("bozo")) and not isinstance(
        parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride
    )
    if bozo:
        raw_entries = _merge_tolerant(raw_entries, _tolerant_items(text))
    if not parsed.get("version") and not raw_entries:
        if re.search(r"<html[\s>]", text[:5000], re.I):
            return ParsedFeed((), "not a feed (HTML page)")
        reason = _bozo_reason(parsed) if bozo else "no RSS or Atom elements found"
        return ParsedFeed((), f"not a feed: {reason}")
    articles: list[Article] = []
    seen: set[str] = set()
    for entry in raw_entries:
        article = _article(entry, feed_id=feed_id, base_url=base_url, default_date=channel_date)
        if article is None or article.guid in seen:
            continue
        seen.add(article.guid)
        if article.published_at is _UNDATED:
            article = _with_date(article, now)
        articles.append(article)
    errors = []
    if encoding_note:
        errors.append(encoding_note)
    if bozo:
        errors.append(
            f"malformed document: {_bozo_reason(parsed)}; recovered {len(articles)} items"
        )
    title = clean_title(str(parsed.feed.get("title", ""))) or None
    return ParsedFeed(tuple(articles), "; ".join(errors) or None, title)


# --- encoding ----------------------------------------------------------------------------

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", re.I)
_XML_DECL_TEXT = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.I)


def decode(body: bytes, content_type: str = "") -> tuple[str, str | None]:
    """Decode with the declared encoding, else UTF-8, else CP949; say so when the declaration lied.

    EUC-KR is read as CP949 (its superset) because Korean servers label CP949 text EUC-KR.
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), None
    declared: list[str] = []
    if m := _CHARSET.search(content_type):
        declared.append(m.group(1))
    if m2 := _XML_DECL.search(body[:400]):
        declared.append(m2.group(1).decode("ascii"))
    candidates = [_normal_codec(name) for name in declared] + ["utf-8", "cp949"]
    first_declared = _normal_codec(declared[0]) if declared else None
    for codec in dict.fromkeys(c for c in candidates if c):
        try:
            text = body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        note = None
        if first_declared and codec != first_declared:
            note = f"declared encoding {declared[0]} is wrong; decoded as {codec}"
        return text, note
    return _utf8_replacing(body)


_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")


def _utf8_replacing(body: bytes) -> tuple[str, str]:
    """No encoding fits: UTF-8 with each run of invalid bytes replaced by U+FFFD, and how
    many runs there were (a stray byte costs one character, not the document)."""
    text = body.decode("utf-8", errors="surrogateescape")
    bad = len(_ESCAPED_BYTES.findall(text))
    note = f"undecodable bytes replaced ({bad} invalid UTF-8 sequence{'s' if bad > 1 else ''})"
    return _ESCAPED_BYTES.sub("\ufffd", text), note


def _normal_codec(name: str) -> str | None:
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return "cp949" if codec in {"euc_kr", "cp949", "ks_c_5601-1987"} else codec


def _as_utf8_document(text: str) -> bytes:
    """Re-encode as UTF-8 with a matching declaration so feedparser trusts our decoding."""
    text = _XML_DECL_TEXT.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1)
    return text.encode("utf-8")


_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])", re.I | re.S)


def _looks_like_html_page(text: str) -> bool:
    return bool(_HTML_START.match(text[:2000]))


def _bozo_reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    message = getattr(exc, "getMessage", lambda: str(exc))()
    line = getattr(exc, "getLineNumber", lambda: None)()
    return f"{message} at line {line}" if line else str(message)


# --- entries -----------------------------------------------------------------------------

_UNDATED = datetime(1970, 1, 1, tzinfo=UTC)


def _article(
    entry: Mapping[str, Any], *, feed_id: int, base_url: str, default_date: datetime | None
) -> Article | None:
    # Character references (&#0;, &#x202E;) survive the document's cleaning: clean each field.
    title = " ".join(clean_text(clean_title(str(entry.get("title", "")))).split())
    link = clean_text(str(entry.get("link", "") or "")).strip()
    url = urljoin(base_url, link) if link else ""
    body_html = _best_content(entry)
    text = clean_text(article_text(body_html, title=title))
    if not title and not text:
        return None
    if not title:
        title = text.split("\n", 1)[0][:80]
    guid = clean_text(str(entry.get("id", "") or "")).strip()
    if not guid:
        guid = stable_id(url, title)
    published = _first_date(entry) or default_date or _UNDATED
    return Article(
        feed_id=feed_id,
        guid=guid[:1000],
        url=(url or base_url)[:2000],
        title=title,
        text=text,
        published_at=published,
        content_hash=content_hash(title, text),
    )


def _with_date(article: Article, when: datetime) -> Article:
    return dataclasses.replace(article, published_at=when)


def _best_content(entry: Mapping[str, Any]) -> str:
    """``content:encoded`` / Atom content when present (usually the full body), else description."""
    best = ""
    for content in entry.get("content") or []:
        value = str(content.get("value", "") or "")
        if len(value.strip()) > len(best.strip()):
            best = value
    summary = str(entry.get("summary", "") or "")
    return best if best.strip() else summary


def stable_id(url: str, title: str) -> str:
    """An id for items without a GUID: the same link and title always give the same id."""
    digest = hashlib.sha256(f"{url}\n{title}".encode()).hexdigest()[:32]
    return f"sokbo:{digest}"


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def clean_title(raw: str) -> str:
    """Titles may arrive with markup or entities escaped twice (``&amp;gt;``); angle-bracket
    text that is not HTML (``<TIPS 프로그램>``) is part of the title and stays."""
    text = raw
    for _ in range(3):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    if "<" in text:
        text = " ".join(markup_lines(text))
    return " ".join(text.split())


# --- dates -------------------------------------------------------------------------------

_KOREAN_DATE = re.compile(
    r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일"
    r"(?:\s*\(?\s*[월화수목금토일]\s*\)?\s*(?:요일)?)?"
    r"(?:\s*(오전|오후)?\s*(\d{1,2})\s*[:시]\s*(\d{1,2})?\s*분?(?::(\d{2}))?)?"
)
_DOTTED_DATE = re.compile(
    r"^(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})\.?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*$"
)


def parse_date(raw: str) -> datetime | None:
    """RFC 822, ISO 8601, ``YYYY.MM.DD``, ``2020년 01월 22일 (수)요일 06:00``; no zone → KST."""
    value = " ".join(raw.split())
    if not value:
        return None
    try:
        if m := _KOREAN_DATE.search(value):
            year, month, day, ampm, hour, minute, second = m.groups()
            h = int(hour or 0)
            if ampm == "오후" and h < 12:
                h += 12
            if ampm == "오전" and h == 12:
                h = 0
            return datetime(
                int(year), int(month), int(day), h, int(minute or 0), int(second or 0), tzinfo=KST
            ).astimezone(UTC)
        if m := _DOTTED_DATE.match(value):
            y, mo, d, hh, mi, ss = m.groups()
            return datetime(
                int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), tzinfo=KST
            ).astimezone(UTC)
    except ValueError:
        return None
    for parse in (_rfc822, _iso8601):
        try:
            when = parse(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=KST)
            return when.astimezone(UTC)
    return None


def _rfc822(value: str) -> datetime | None:
    return parsedate_to_datetime(value)


def _iso8601(value: str) -> datetime | None:
    return datetime.fromisoformat(value.replace("z", "Z"))


def _first_date(node: Mapping[str, Any]) -> datetime | None:
    for key in ("published", "updated", "created", "dc_date", "date", "pubdate"):
        raw = node.get(key)
        if raw and (when := parse_date(str(raw))):
            return when
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = node.get(key)
        if parsed:
            year, month, day, hour, minute, second = parsed[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None


# --- HTML → text -------------------------------------------------------------------------

_SKIP = frozenset(
    {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
     "svg", "button", "select", "template", "object", "embed", "head", "figure"}
)  # fmt: skip
_BLOCK = frozenset(
    {"p", "div", "section", "article", "main", "blockquote", "pre", "table", "tr", "ul", "ol",
     "dl", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "address", "li", "caption",
     "figcaption", "center"}
)  # fmt: skip
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "source", "wbr", "area", "col"})
_PARTIAL_TAG = re.compile(r"<[a-zA-Z/][^<>]*\Z")
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip_depth += 1
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")
            if tag == "li":
                self.parts.append("- ")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def html_to_text(markup: str, *, base_url: str = "") -> str:
    """Readable text with paragraph breaks; scripts, styles, images and navigation dropped.

    HTML that was escaped twice (``&lt;p&gt;`` after one unescape) is cleaned again.
    """
    text = _PARTIAL_TAG.sub("", markup)  # a document cut off inside a tag
    for _ in range(3):
        if not _TAG.search(text) and "&" not in text:
            break
        extractor = _TextExtractor()
        extractor.feed(text)
        extractor.close()
        cleaned = "".join(extractor.parts)
        if cleaned == text:
            break
        text = cleaned
        if not _TAG.search(text):
            break
    return _tidy(text)


def _tidy(text: str) -> str:
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.replace("\r", "").replace("\xa0", " ")):
        lines = [" ".join(line.split()) for line in block.split("\n")]
        joined = "\n".join(line for line in lines if line)
        if joined:
            paragraphs.append(joined)
    return "\n\n".join(paragraphs)


# --- tolerant pass for truncated documents -----------------------------------------------

_ITEM = re.compile(r"<(item|entry)\b[^>]*>(.*?)(?:</\1\s*>|(?=<(?:item|entry)\b)|\Z)", re.S | re.I)
_FIELD = r"<{tag}\b[^>]*>(.*?)(?:</{tag}\s*>|\Z)"
_ATOM_LINK = re.compile(r"<link\b[^>]*href\s*=\s*[\"']([^\"']+)[\"']", re.I)


def _field(block: str, *tags: str) -> str:
    for tag in tags:
        m = re.search(_FIELD.format(tag=re.escape(tag)), block, re.S | re.I)
        if m and m.group(1).strip():
            return _uncdata(m.group(1))
    return ""


def _uncdata(value: str) -> str:
    value = value.strip()
    if value.startswith("<![CDATA["):
        value = value[len("<![CDATA[") :]
        end = value.find("]]>")
        return value if end < 0 else value[:end]
    return html.unescape(value)


def _tolerant_items(text: str) -> list[dict[str, Any]]:
    """Items read with regular expressions, for documents the XML parsers gave up on."""
    items = []
    for m in _ITEM.finditer(text):
        block = m.group(2)
        link = _field(block, "link")
        if not link and (lm := _ATOM_LINK.search(block)):
            link = lm.group(1)
        item: dict[str, Any] = {
            "title": _field(block, "title"),
            "link": link.strip(),
            "id": _field(block, "guid", "id").strip(),
            "summary": _field(block, "description", "summary"),
            "content": [{"value": _field(block, "content:encoded", "content")}],
            "published": _field(block, "pubDate", "dc:date", "published", "updated"),
        }
        if item["title"] or item["summary"] or item["content"][0]["value"]:
            items.append(item)
    return items


def _merge_tolerant(entries: list[Any], recovered: list[dict[str, Any]]) -> list[Mapping[str, Any]]:
    """Keep feedparser's entries, fill their missing bodies, and add items it lost."""
    merged: list[Mapping[str, Any]] = []
    by_key = {(r["link"] or r["title"]): r for r in recovered}
    used: set[str] = set()
    for entry in entries:
        key = str(entry.get("link", "") or entry.get("title", ""))
        extra = by_key.get(key)
        if extra is not None:
            used.add(key)
            if len(_best_content(extra).strip()) > len(_best_content(entry).strip()):
                entry = dict(entry)
                entry["summary"] = extra["summary"]
                entry["content"] = extra["content"]
        merged.append(entry)
    for key, extra in by_key.items():
        if key not in used and extra["title"]:
            merged.append(extra)
    return merged
