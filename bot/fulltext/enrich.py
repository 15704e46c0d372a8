"""The poll cycle's hook: thin feed items get the full text of their page or attachment.

An item is thin when its text is shorter than ``[fulltext] min_chars`` (title only, one
line). For each thin item that is new or changed since it was stored, within one deadline:
the page's address must pass the feeds' private-address rule (the feed's own origin, or public
hosts only), robots.txt must allow it (:mod:`bot.fulltext.robots`), the page is fetched with
the feeds' limits, and its main text kept (:mod:`bot.fulltext.page`); when that is thin too
and the page links an HWPX/HWP/PDF (or the link itself is one), the attachment is fetched the
same way and parsed in a worker process under its limits (:mod:`bot.fulltext.attachments`).
The text becomes the item's Document exactly as a feed body would (same builder, same contact
extractor).

An enriched item keeps the content hash of what its feed said, so the next poll of the same
thin item finds it unchanged and fetches nothing. Every failure is logged with its reason and
the item is kept with the text it had.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import unquote, urlsplit

import httpx
from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.closing import Closing
from bot.config import FeedSettings, FullTextSettings
from bot.documents import build_document, stored_text
from bot.documents.attachments import AttachmentError, AttachmentKind, attachment_kind
from bot.documents.contacts import contacts_of, extract_contacts
from bot.errors import FetchError
from bot.feeds.encoding import decode
from bot.feeds.fetch import Fetcher, FetchResult
from bot.fulltext.attachments import AttachmentParsers
from bot.fulltext.page import attachment_links, is_thin, main_text
from bot.fulltext.robots import MAX_ROBOTS, RobotsCache
from bot.hygiene import clean_text
from bot.store.articles import stored_hashes
from bot.types import Article, Feed

log = logging.getLogger(__name__)

ATTACHMENTS_TRIED = 2  # files of one item or page tried in turn (best format first)
PARSE_WORKERS = max(1, min(2, os.cpu_count() or 1))  # attachment parser processes kept running
_STATUS = re.compile(r"^HTTP (\d{3})\b")
_HTML_TYPES = ("text/html", "application/xhtml")


class NotAllowed(FetchError):
    """robots.txt disallows the address."""


@dataclass(frozen=True, slots=True)
class FullTextFound:
    """Where an item's full text came from, and the text (markdown)."""

    text: str
    origin: str  # "page", "hwpx", "hwp" or "pdf"
    url: str


class FullText(Closing):
    """Use as ``async with FullText(engine, settings, feed_settings, clock) as ft``."""

    def __init__(
        self,
        engine: Engine,
        settings: FullTextSettings,
        feeds: FeedSettings,
        clock: Clock,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        limits = {
            "concurrency": settings.concurrency,
            "total_timeout": min(feeds.total_timeout, settings.deadline),
        }
        # pages (and robots.txt) and attachments: the same rules, each with its size cap
        self._pages = Fetcher(
            feeds.model_copy(update={**limits, "max_bytes": settings.page_max_bytes}),
            transport=transport,
        )
        self._files = Fetcher(
            feeds.model_copy(update={**limits, "max_bytes": settings.attachment_max_bytes}),
            transport=transport,
        )
        self._robots = RobotsCache(self._fetch_robots, clock, feeds.user_agent, settings.robots_ttl)
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._parsers = AttachmentParsers(
            min(settings.concurrency, PARSE_WORKERS),
            timeout=settings.parse_timeout,
            memory_mb=settings.parse_memory_mb,
        )

    async def aclose(self) -> None:
        await self._pages.aclose()
        await self._files.aclose()
        await self._parsers.aclose()

    async def enrich(self, feed: Feed, items: Sequence[Article]) -> tuple[Article, ...]:
        """``items`` with the thin new or changed ones given their full text where found."""
        if not self.settings.enabled:
            return tuple(items)
        thin = [
            item
            for item in items
            if is_thin(item.text, self.settings.min_chars)
            and not item.withdrawn  # the OpenAPI's D: nothing to read
            and (item.url.startswith(("http://", "https://")) or item.attachments)
        ]
        if not thin:
            return tuple(items)
        stored = await asyncio.to_thread(
            stored_hashes, self.engine, feed.id, [item.guid for item in thin]
        )
        todo = [item for item in thin if stored.get(item.guid) != item.content_hash]
        if not todo:
            return tuple(items)
        cap = self.settings.max_per_feed
        if len(todo) > cap:  # a first poll of a long feed: the newest releases matter
            todo.sort(key=lambda item: item.published_at, reverse=True)
            log.info("feed %d: %d thin items; full text for the newest %d, the rest kept as "
                     "the feed gave them", feed.id, len(todo), cap)  # fmt: skip
            todo = todo[:cap]
        done = await asyncio.gather(*(self._one(feed, item) for item in todo))
        by_guid = {item.guid: item for item in done}
        return tuple(by_guid.get(item.guid, item) for item in items)

    async def _one(self, feed: Feed, item: Article) -> Article:
        deadline = self.settings.deadline
        async with self._slots:
            try:
                async with asyncio.timeout(deadline):
                    found = await self.full_text(
                        item.url, trusted=feed.url, attachments=item.attachments
                    )
            except TimeoutError:
                reason = f"gave up at the {deadline:g} s deadline"
            except (FetchError, AttachmentError) as e:
                reason = str(e)
            except Exception:  # a bug must not cost the item: it is stored as the feed gave it
                log.exception("full text for %s: unexpected error", item.url)
                return item
            else:
                if found is None:
                    reason = "no main text and no readable attachment on the page"
                else:
                    enriched = await asyncio.to_thread(with_text, item, found.text)
                    if not is_thin(enriched.text, self.settings.min_chars):
                        log.info("full text for %s: %d characters from the %s %s",
                                 item.url, len(enriched.text), found.origin, found.url)  # fmt: skip
                        return enriched
                    reason = f"the {found.origin} holds no more text than the feed"
        log.warning("full text for feed %d item %s: %s; keeping the feed's text",
                    feed.id, item.url, reason)  # fmt: skip
        return item

    async def full_text(
        self, url: str, *, trusted: str, attachments: Sequence[str] = ()
    ) -> FullTextFound | None:
        """The main text of a release: its ``attachments`` (URLs a source gave, e.g. the
        OpenAPI's) first, else the page at ``url`` (or the file it is), else a file that page
        links; found from ``trusted`` (the configured feed URL). Raises FetchError /
        AttachmentError with the last reason when nothing gave text."""
        error: FetchError | AttachmentError | None = None
        for link in attachments[:ATTACHMENTS_TRIED]:
            try:
                return await self._attachment(link, trusted)
            except (FetchError, AttachmentError) as e:
                log.info("attachment %s of %s: %s", link, url, e)
                error = e
        try:
            return await self._page(url, trusted)
        except (FetchError, AttachmentError):
            if error is None:
                raise
            raise error from None

    async def _page(self, url: str, trusted: str) -> FullTextFound | None:
        result = await self._get(url, trusted, self._files)
        kind = attachment_kind(result.body[:2048], _filename(result))
        if kind is not None and not _is_html(result):
            return await self._parse(result, kind)
        if len(result.body) > self.settings.page_max_bytes:
            raise FetchError(f"page larger than {self.settings.page_max_bytes} bytes")
        html, _ = decode(result.body, _content_type(result))
        text = await asyncio.to_thread(main_text, html, result.url)
        if not is_thin(text, self.settings.min_chars):
            return FullTextFound(text, "page", result.url)
        links = await asyncio.to_thread(attachment_links, html, result.url)
        error: FetchError | AttachmentError | None = None
        for link in links[:ATTACHMENTS_TRIED]:
            try:
                return await self._attachment(link.url, trusted, link.name, link.kind)
            except (FetchError, AttachmentError) as e:
                log.info("attachment %s of %s: %s", link.url, url, e)
                error = e
        if error is not None:
            raise error
        return FullTextFound(text, "page", result.url) if text else None

    async def _attachment(
        self, url: str, trusted: str, name: str = "", kind: AttachmentKind | None = None
    ) -> FullTextFound:
        result = await self._get(url, trusted, self._files)
        sniffed = attachment_kind(result.body[:2048], _filename(result) or name) or kind
        if sniffed is None or _is_html(result):
            raise AttachmentError(f"not an HWPX, HWP or PDF file ({name or url})")
        return await self._parse(result, sniffed, name)

    async def text_of_attachment(self, url: str, *, trusted: str, name: str = "") -> str:
        """One attachment's text by URL, with the same checks and limits (for a source that
        wants it outside the poll hook); raises FetchError / AttachmentError."""
        return (await self._attachment(url, trusted, name)).text

    async def _get(self, url: str, trusted: str, fetcher: Fetcher) -> FetchResult:
        try:
            await fetcher.check_target(trusted, url)
        except FetchError as e:  # the rule is the redirects' one; here it is a link
            raise FetchError(str(e).replace("redirect to", "link to", 1)) from None
        refusal = await self._robots.refusal(url)
        if refusal is not None:
            raise NotAllowed(refusal)
        return await fetcher.fetch(url)

    async def _parse(
        self, result: FetchResult, kind: AttachmentKind, name: str = ""
    ) -> FullTextFound:
        text = await self._parsers.read(result.body, _filename(result) or name or f"file.{kind}")
        return FullTextFound(text, kind, result.url)

    async def _fetch_robots(self, url: str) -> tuple[int, bytes]:
        try:
            result = await self._pages.fetch(url)
        except FetchError as e:
            m = _STATUS.match(str(e))
            if m is None:
                raise
            return int(m.group(1)), b""
        return result.status, result.body[:MAX_ROBOTS]


def with_text(item: Article, markdown: str) -> Article:
    """``item`` with ``markdown`` as its body: built into the Document, stored text and
    contacts exactly as a feed's body is (bot/feeds/parse.py). Pure."""
    doc = build_document(markdown, title=item.title)
    built = stored_text(doc)
    text = clean_text(built)
    try:
        contacts = contacts_of(doc, raw=text) if built == text else extract_contacts(text)
    except Exception:  # contacts are a bonus: an extractor bug must not drop the text
        log.exception("contact extraction failed for %s", item.url)
        contacts = []
    return replace(item, text=text, contacts=tuple(contacts))


_DISPOSITION_NAME = re.compile(
    r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)|filename\s*=\s*\"?([^\";]+)"
)


def _filename(result: FetchResult) -> str:
    """The file name a download announces (Content-Disposition), else the URL's last part."""
    disposition = result.headers.get("content-disposition", "")
    if m := _DISPOSITION_NAME.search(disposition):
        if m.group(2):
            return unquote(m.group(2).strip(), encoding=m.group(1) or "utf-8", errors="replace")
        raw = m.group(3).strip()
        try:  # many Korean servers send UTF-8 bytes as Latin-1
            return raw.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return unquote(raw)
    return unquote(urlsplit(result.url).path.rsplit("/", 1)[-1])


_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.I)


def _content_type(result: FetchResult) -> str:
    """The page's Content-Type, its charset taken from a ``<meta>`` when the header has none
    (EUC-KR pages of ministries often say it only there)."""
    content_type = result.headers.get("content-type", "")
    if "charset" not in content_type.lower() and (m := _META_CHARSET.search(result.body[:4096])):
        return f"text/html; charset={m.group(1).decode('ascii')}"
    return content_type


def _is_html(result: FetchResult) -> bool:
    content_type = result.headers.get("content-type", "").lower()
    return content_type.startswith(_HTML_TYPES)
