"""Feed documents → articles. Pure: bytes, headers, base URL and "now" in; articles, error out.

feedparser reads RSS 0.9x/2.0, RSS 1.0/RDF and Atom. Around it sit what real Korean feeds
need: decoding when the declared encoding is wrong (EUC-KR/CP949 vs UTF-8; encoding.py),
Korean and dotted date forms with zone-less times taken as Asia/Seoul (dates.py), each body
built into its Document and stored as canonical markdown (bot.documents), stable ids for items
without a GUID, and a tolerant second pass that recovers items from truncated documents.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, NotRequired, TypedDict
from urllib.parse import urljoin, urlsplit

from bot.documents import Document, build_document, markup_lines, stored_text
from bot.documents.contacts import contacts_of, extract_contacts
from bot.feeds.dates import first_date
from bot.feeds.encoding import as_utf8_document, decode
from bot.feeds.silence import rhythm
from bot.hygiene import clean_text
from bot.korean import join_split_words, vocabulary
from bot.stories import canonical_url, normalize_title, without_session
from bot.types import Article, Contact


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What one document gave: its articles and, when something was wrong, why in words."""

    articles: tuple[Article, ...]
    error: str | None = None
    title: str | None = None
    newest: datetime | None = None  # the newest item date the document gave (not after now)
    rhythm: float | None = None  # median seconds between its dated items (bot/feeds/silence.py)
    # items left out of ``articles`` because they are stored exactly as sent (``known``)
    unchanged: int = 0
    # items dated after ``now``: until that date passes, the same bytes would parse to
    # another newest date and rhythm, so the answer is not kept as done (bot.feeds.poll)
    ahead: int = 0


class ParseOptions(TypedDict):
    """What :func:`parse_feed` takes besides the body; the worker pool
    (bot/feeds/worker.py) takes the same and hands it on."""

    feed_id: int
    base_url: str
    now: datetime
    headers: NotRequired[Mapping[str, str] | None]
    known: NotRequired[Mapping[str, str] | None]


def parse_feed(
    body: bytes,
    *,
    feed_id: int,
    base_url: str,
    now: datetime,
    headers: Mapping[str, str] | None = None,
    known: Mapping[str, str] | None = None,
) -> ParsedFeed:
    """Parse one fetched document; never raises for bad input (the error is returned).

    feedparser is imported here, on first use: the poller, whose documents are parsed in the
    worker processes (bot/feeds/worker.py), never loads it (~30 modules, ~5 MB).

    ``known`` maps the guids the feed has stored to their :func:`source_hash`: an item sent
    exactly as it was stored is counted in ``unchanged`` instead of being built again (storing
    it would change nothing)."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    if not body.strip():
        return ParsedFeed((), "empty response body")
    text, encoding_note = decode(body, headers.get("content-type", ""))
    text = clean_text(text)  # XML forbids C0 controls: a NUL would cost feedparser the document
    if _looks_like_html_page(text):
        return ParsedFeed((), "not a feed (HTML page)")
    import feedparser

    parsed = feedparser.parse(
        as_utf8_document(text),
        response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    channel_date = first_date(parsed.feed)
    channel = _Channel.of(parsed.feed, base_url)
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
    dates: list[datetime] = []
    unchanged = ahead = 0
    for entry in raw_entries:
        if channel.is_itself(entry):
            continue
        article = _article(
            entry, feed_id=feed_id, base_url=base_url, default_date=channel_date, known=known
        )
        if isinstance(article, _Unchanged):
            if article.guid not in seen:
                seen.add(article.guid)
                unchanged += 1
                if article.published_at is not _UNDATED and article.published_at <= now:
                    dates.append(article.published_at)
                elif article.published_at > now:
                    ahead += 1
            continue
        if article is None or article.guid in seen:
            continue
        seen.add(article.guid)
        if article.published_at is _UNDATED:
            article = _with_date(article, now)
        elif article.published_at <= now:
            dates.append(article.published_at)
        else:
            ahead += 1
        articles.append(article)
    errors = []
    if encoding_note:
        errors.append(encoding_note)
    if bozo:
        errors.append(
            f"malformed document: {_bozo_reason(parsed)}; recovered {len(articles)} items"
        )
    title = clean_title(str(parsed.feed.get("title", ""))) or None
    return ParsedFeed(
        tuple(articles),
        "; ".join(errors) or None,
        title,
        newest=max(dates, default=None),
        rhythm=rhythm(dates),
        unchanged=unchanged,
        ahead=ahead,
    )


@dataclass(frozen=True, slots=True)
class _Channel:
    """The channel's own title and links: some feeds repeat them as their first item."""

    title: str
    links: frozenset[str]

    @classmethod
    def of(cls, feed: Mapping[str, Any], base_url: str) -> _Channel:
        link = str(feed.get("link", "") or "").strip()
        links = {canonical_url(base_url)}
        if link:
            links.add(canonical_url(urljoin(base_url, link)))
        return cls(normalize_title(clean_title(str(feed.get("title", "")))), frozenset(links))

    def is_itself(self, entry: Mapping[str, Any]) -> bool:
        """An item carrying the channel's title that links to the channel (or nowhere, or
        carries no body) is the channel repeated, not a release."""
        if (
            not self.title
            or normalize_title(clean_title(str(entry.get("title", "")))) != self.title
        ):
            return False
        link = str(entry.get("link", "") or "").strip()
        if not link or not _best_content(entry).strip():
            return True
        return canonical_url(link) in self.links or any(
            canonical_url(urljoin(own, link)) in self.links for own in self.links
        )


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


@dataclass(frozen=True, slots=True)
class _Unchanged:
    """An item stored exactly as the feed sends it now: its guid and date, nothing built."""

    guid: str
    published_at: datetime


# Part of every source hash: raise it when a change to building (bot.documents, the cleaning
# and spacing repair below) should reach the items already stored, which are then built again
# and stored as edited where their text comes out different. Part of every body hash too: a
# feed answering the same bytes as before is parsed again only once this changes, so raise it
# also when a change to reading a document (dates, item counts, rhythm) should reach them.
BUILD_VERSION = "1"


def body_hash(body: bytes, *, base_url: str, content_type: str) -> str:
    """What a whole answer is parsed from: its bytes, the URL its relative links resolve
    against, its declared charset (with :data:`BUILD_VERSION`). An answer whose hash is the
    one kept for its feed (``feeds.body_hash``) would parse to items all stored as they are:
    the poll skips it as it skips a 304."""
    digest = hashlib.sha256(
        f"{BUILD_VERSION}\x00{base_url}\x00{content_type.lower()}\x00".encode(
            "utf-8", "surrogatepass"
        )
    )
    digest.update(body)
    return digest.hexdigest()


def source_hash(raw_title: str, raw_body: str) -> str:
    """What an item's stored title, text and contacts are built from: its title and body as the
    feed sent them (with :data:`BUILD_VERSION`)."""
    data = f"{BUILD_VERSION}\x00{raw_title}\x00{raw_body}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def _article(
    entry: Mapping[str, Any],
    *,
    feed_id: int,
    base_url: str,
    default_date: datetime | None,
    known: Mapping[str, str] | None = None,
) -> Article | _Unchanged | None:
    raw_title = str(entry.get("title", ""))
    raw_body = _best_content(entry)
    # Character references (&#0;, &#x202E;) survive the document's cleaning: clean each field.
    title = " ".join(clean_text(clean_title(raw_title)).split())
    link = clean_text(str(entry.get("link", "") or "")).strip()
    # Identity without session ids or tracking parameters; shown with https where the feed is.
    url = without_session(urljoin(base_url, link)) if link else ""
    source = source_hash(raw_title, raw_body)
    if known:
        # the guid as below; without an id or a title it needs the built text: built then
        guid = without_session(clean_text(str(entry.get("id", "") or "")))
        if not guid and title:
            guid = stable_id(url, title)
        if guid and known.get(guid[:1000]) == source:
            return _Unchanged(guid[:1000], first_date(entry) or default_date or _UNDATED)
    body_html = without_debris(raw_body)
    doc = build_document(body_html, title=title)
    built = stored_text(doc)
    text = clean_text(built)
    if not title and not text:
        return None
    if not title:
        title = text.split("\n", 1)[0][:80]
    guid = without_session(clean_text(str(entry.get("id", "") or "")))
    if not guid:
        guid = stable_id(url, title)
    url = secure_like(url, base_url)
    published = first_date(entry) or default_date or _UNDATED
    # The hash is of the text as built: the spacing repair below may improve later without
    # every stored item reading as edited.
    digest = content_hash(title, text)
    contacts = tuple(_contacts(doc, built, text))
    words = vocabulary(f"{title}\n{text}")
    return Article(
        feed_id=feed_id,
        guid=guid[:1000],
        url=(url or base_url)[:2000],
        title=join_split_words(title, words),
        text=join_split_words(text, words),
        published_at=published,
        content_hash=digest,
        contacts=contacts,
        author=entry_author(entry),
        source_hash=source,
    )


_EMAIL = re.compile(r"\S+@\S+")


def entry_author(entry: Mapping[str, Any]) -> str:
    """Who issued the item: ``<author>``, ``dc:creator`` or ``itunes:author`` (feedparser puts
    all three in ``author``/``author_detail``). RSS allows ``mail@host (Name)``: the name is
    kept, a bare address dropped (it names no body)."""
    detail = entry.get("author_detail") or {}
    raw = str(detail.get("name", "") or "") or str(entry.get("author", "") or "")
    raw = _EMAIL.sub(" ", clean_text(clean_title(raw)))
    return " ".join(raw.replace("(", " ").replace(")", " ").split())[:200]


def _contacts(doc: Document, built: str, text: str) -> list[Contact]:
    """The item's contacts from the Document just built (here, in the parse worker, so the
    poller never builds it a second time); read again from the cleaned text if hygiene
    changed anything."""
    try:
        return contacts_of(doc, raw=text) if built == text else extract_contacts(text)
    except Exception:  # contacts are a bonus: an extractor bug must not drop the article
        return []


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


def secure_like(url: str, feed_url: str) -> str:
    """An http:// link of the feed's own site, when the feed itself is https, in https: such
    sites serve their pages over https (over http some land on a list page instead)."""
    if not (url.startswith("http://") and feed_url.startswith("https://")):
        return url
    host, feed_host = urlsplit(url).hostname or "", urlsplit(feed_url).hostname or ""
    if host.removeprefix("www.") != feed_host.removeprefix("www."):
        return url
    return "https://" + url[len("http://") :]


# Entities escaped once too often (``&amp;middot;``), HTML comments escaped into text, office
# and HWP clipboard leftovers (conditional comments, <xml> blocks, o:/v:/w: tags): markup no
# reader should see.
_DOUBLED_ENTITY = re.compile(r"&amp;(#\d{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)")
_ESCAPED_COMMENT = re.compile(r"&lt;!--.*?--&gt;", re.S)
_OPEN_ESCAPED_COMMENT = re.compile(r"&lt;!--.*?(?=<|\Z)", re.S)  # cut off: to the next tag
_OPEN_COMMENT = re.compile(r"<!--(?:(?!-->).)*?(?=<|\Z)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ESCAPED_BLOCK = re.compile(r"&lt;(xml|style)\b.*?&lt;/\1\s*&gt;", re.S | re.I)
_OFFICE_BLOCK = re.compile(r"<(xml)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_OFFICE_TAG = re.compile(r"</?(?:o|v|w|m|st1|hp):[A-Za-z][\w-]*\b[^>]*>", re.I)


def without_debris(markup: str) -> str:
    """The item's HTML with doubled entities decoded once and comments and office debris
    removed, raw or escaped, closed or cut off."""
    if "&" not in markup and "<" not in markup:
        return markup
    text = markup
    for _ in range(3):
        undoubled = _DOUBLED_ENTITY.sub(r"&\1", text)
        if undoubled == text:
            break
        text = undoubled
    text = _ESCAPED_COMMENT.sub("", text)
    text = _ESCAPED_BLOCK.sub("", _OPEN_ESCAPED_COMMENT.sub("", text))
    text = _COMMENT.sub("", text)
    text = _OPEN_COMMENT.sub("", text)
    text = _OFFICE_BLOCK.sub("", text)
    return _OFFICE_TAG.sub("", text)


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
            "author": _field(block, "author", "dc:creator", "itunes:author"),
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
