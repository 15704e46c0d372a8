"""The 정책브리핑 OpenAPI (공공데이터포털 dataset 15095335) as a source of press releases.

korea.kr ended its RSS feeds on 2026-07-01; the releases, with their full text, now come from
``…/1371000/pressReleaseService/pressReleaseList`` with the operator's service key. A feed
whose URL ends in that path is read here instead of as RSS: it asks for the days since its
last success (one day of overlap, Korean dates), pages through ``totalCount``, and turns each
item into the same :class:`~bot.types.Article` a feed item becomes (its body built into a
Document, contacts read from it). ``ContentsStatus`` U / a higher ``ModifyId`` is a revision
of the same release (same identity: ``NewsItemId``), D a withdrawal.

Everything but :func:`fetch_articles` is pure. The key is never logged: every message that
could carry the request URL is scrubbed of it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import quote, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from bot.clock import KST
from bot.documents import Document, build_document, stored_text
from bot.documents.contacts import contacts_of, extract_contacts
from bot.errors import FetchError
from bot.feeds.parse import clean_title, content_hash
from bot.hygiene import clean_text
from bot.types import Article, Contact, Feed

PATH = "/1371000/pressReleaseService/pressReleaseList"
KEY_ENV = "DATA_GO_KR_SERVICE_KEY"
PAGE_SIZE = 100
MAX_PAGES = 50  # 5,000 releases in one poll: far above a month of them
FIRST_DAYS = 2  # a new feed asks for yesterday and today
MAX_DAYS = 31  # a feed down for longer asks for the last month only
_DATE_FORMAT = "%m/%d/%Y %H:%M:%S"
_NORMAL = {"0", "00", "000"}
_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}")


class OpenApiError(FetchError):
    """The OpenAPI refused or could not be read; the message is one Korean line."""


def is_openapi(url: str) -> bool:
    """Whether a feed URL is the 정책브리핑 OpenAPI (any host, so tests can use loopback)."""
    return urlsplit(url).path.rstrip("/").endswith(PATH)


# --- the request ---------------------------------------------------------------------------


def encoded_key(key: str) -> str:
    """The key as it goes in the query string. Keys are handed out both ways: one already
    URL-encoded (``%2B``, ``%3D``) is used as it is, never encoded twice."""
    key = key.strip()
    return key if _ENCODED.search(key) else quote(key, safe="")


def request_url(base: str, key: str, start: date, end: date, page: int, rows: int) -> str:
    """The URL of one page of releases approved between ``start`` and ``end`` (Korean dates)."""
    joiner = "&" if "?" in base else "?"
    return (
        f"{base}{joiner}serviceKey={encoded_key(key)}"
        f"&startDate={start:%Y%m%d}&endDate={end:%Y%m%d}&pageNo={page}&numOfRows={rows}"
    )


def date_window(last_success: datetime | None, now: datetime) -> tuple[date, date]:
    """The Korean dates to ask for: from the day before the last success (a day of overlap,
    so a release approved just before it is not missed) to today; a new feed asks for the
    last :data:`FIRST_DAYS` days, a feed down for long for the last :data:`MAX_DAYS`."""
    today = now.astimezone(KST).date()
    if last_success is None:
        start = today - timedelta(days=FIRST_DAYS - 1)
    else:
        start = last_success.astimezone(KST).date() - timedelta(days=1)
    return max(start, today - timedelta(days=MAX_DAYS - 1)), today


_KEY_IN_URL = re.compile(r"(serviceKey=)[^&\s\"']*", re.I)


class _NoServiceKey(logging.Filter):
    """httpx logs each request's URL (INFO): the service key in it becomes ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "servicekey=" in message.lower():
            record.msg, record.args = _KEY_IN_URL.sub(r"\1***", message), ()
        return True


logging.getLogger("httpx").addFilter(_NoServiceKey())


def scrub(message: str, key: str) -> str:
    """``message`` without the key in any of its spellings."""
    for spelling in {key, key.strip(), encoded_key(key), quote(key.strip(), safe="")}:
        if spelling:
            message = message.replace(spelling, "***")
    return _KEY_IN_URL.sub(r"\1***", message)


# --- the answer ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Release:
    """One item of the answer, as the OpenAPI names it."""

    news_item_id: str
    title: str
    subtitles: tuple[str, ...]
    minister: str
    approved_at: datetime | None
    modified_at: datetime | None
    status: str  # I new, U updated, D deleted
    modify_id: int
    grouping_code: str
    contents_type: str
    html: str
    original_url: str
    attachments: tuple[tuple[str, str], ...]  # (file name, URL)


@dataclass(frozen=True, slots=True)
class Page:
    total_count: int
    page_no: int
    num_rows: int
    releases: tuple[Release, ...]


# data.go.kr's gateway codes (cmmMsgHeader/returnReasonCode), in words for `feeds list`.
_REASONS = {
    "1": "애플리케이션 오류",
    "10": "잘못된 요청 파라미터",
    "12": "해당 OpenAPI 서비스가 없거나 폐기됨",
    "20": "서비스 접근 거부(활용 신청 승인 전이거나 권한 없음)",
    "22": "요청 한도 초과",
    "30": "등록되지 않은 서비스 키",
    "31": "활용 기간이 끝난 서비스 키",
    "32": "등록되지 않은 IP",
    "99": "알 수 없는 오류",
}
_KEY_PROBLEMS = {"20", "30", "31", "32"}


def parse_page(body: bytes) -> Page:
    """One answer → its releases and paging; raises :class:`OpenApiError` (Korean) when the
    answer is an error, not XML, or carries entities/DTDs (refused unread)."""
    try:
        root = safe_xml.fromstring(body)
    except DefusedXmlException:
        raise OpenApiError(
            "정책브리핑 OpenAPI 응답에 허용되지 않는 XML(엔티티/DTD)이 있어 읽지 않았습니다"
        ) from None
    except ParseError:
        raise _not_xml(body) from None
    if _local(root.tag) == "OpenAPI_ServiceResponse" or _child(root, "cmmMsgHeader") is not None:
        raise _gateway_error(root)
    header = _child(root, "header")
    code = _text(header, "resultCode") if header is not None else ""
    if code.lstrip("0") == "3":  # NODATA_ERROR: nothing approved in the window (a holiday)
        return Page(total_count=0, page_no=1, num_rows=0, releases=())
    if code and code not in _NORMAL:
        message = _text(header, "resultMsg") or "알 수 없는 오류"
        raise OpenApiError(f"정책브리핑 OpenAPI 오류 {code}: {message}")
    body_el = _child(root, "body")
    if body_el is None:
        raise OpenApiError("정책브리핑 OpenAPI 응답에 body가 없습니다")
    items = _child(body_el, "items")
    elements = list(_children(items, "item")) if items is not None else []
    elements += list(_children(body_el, "NewsItem"))
    if items is not None:
        elements += list(_children(items, "NewsItem"))
    releases = tuple(r for r in (_release(e) for e in elements) if r is not None)
    return Page(
        total_count=_int(_text(body_el, "totalCount"), len(releases)),
        page_no=_int(_text(body_el, "pageNo"), 1),
        num_rows=_int(_text(body_el, "numOfRows"), len(releases)),
        releases=releases,
    )


def _gateway_error(root: Element) -> OpenApiError:
    header = _child(root, "cmmMsgHeader")
    where = header if header is not None else root
    auth = _text(where, "returnAuthMsg") or _text(where, "errMsg") or "오류"
    code = _text(where, "returnReasonCode")
    reason = _REASONS.get(code.lstrip("0") or "0", "")
    detail = f"{auth}, 코드 {code}" if code else auth
    if code.lstrip("0") in _KEY_PROBLEMS or "KEY" in auth.upper():
        return OpenApiError(
            f"정책브리핑 OpenAPI가 서비스 키를 거부했습니다({reason or detail}; {detail}): "
            f"환경 변수 {KEY_ENV}의 키와 활용 신청 상태를 확인하세요"
        )
    return OpenApiError(f"정책브리핑 OpenAPI 오류({reason or auth}; {detail})")


def _not_xml(body: bytes) -> OpenApiError:
    text = body[:500].decode("utf-8", "replace")
    if "SERVICE_KEY" in text.upper() or "unauthorized" in text.lower():
        return key_refused(" ".join(text.split())[:120])
    return OpenApiError(
        f"정책브리핑 OpenAPI 응답이 XML이 아닙니다: {' '.join(text.split())[:120]!r}"
    )


def key_missing() -> OpenApiError:
    return OpenApiError(
        f"정책브리핑 OpenAPI 서비스 키가 없습니다: 공공데이터포털에서 받은 키를 환경 변수 "
        f"{KEY_ENV}에 넣으세요"
    )


def key_refused(detail: str) -> OpenApiError:
    return OpenApiError(
        f"정책브리핑 OpenAPI가 서비스 키를 거부했습니다({detail}): 환경 변수 {KEY_ENV}의 키와 "
        "활용 신청 상태를 확인하세요"
    )


def _release(item: Element) -> Release | None:
    news_id = _text(item, "NewsItemId")
    if not news_id:
        return None
    subtitles = tuple(s for s in (_text(item, f"SubTitle{n}") for n in (1, 2, 3)) if s)
    return Release(
        news_item_id=news_id,
        title=_text(item, "Title"),
        subtitles=subtitles,
        minister=" ".join(_text(item, "MinisterCode").split()),
        approved_at=parse_time(_text(item, "ApproveDate")),
        modified_at=parse_time(_text(item, "ModifyDate")),
        status=_text(item, "ContentsStatus").upper()[:1] or "I",
        modify_id=_int(_text(item, "ModifyId"), 0),
        grouping_code=_text(item, "GroupingCode"),
        contents_type=_text(item, "ContentsType"),
        html=_raw_text(item, "DataContents"),
        original_url=_text(item, "OriginalUrl"),
        attachments=_attachments(item),
    )


def _attachments(item: Element) -> tuple[tuple[str, str], ...]:
    """(file name, URL) of each attachment: elements whose name says file and URL (e.g.
    ``FileUrl``) paired in order with those that say file and name, nested or not."""
    names: list[str] = []
    urls: list[str] = []
    for element in item.iter():
        tag = _local(element.tag).lower()
        value = (element.text or "").strip()
        if element is item or not value or "file" not in tag:
            continue
        if "url" in tag or "link" in tag or "path" in tag:
            if value.startswith(("http://", "https://")):
                urls.append(value)
        elif "name" in tag or tag.endswith("nm"):
            names.append(" ".join(value.split()))
    return tuple(
        (names[n] if n < len(names) else url.rsplit("/", 1)[-1], url) for n, url in enumerate(urls)
    )


def parse_time(value: str) -> datetime | None:
    """``MM/DD/YYYY HH:MM:SS`` in Korean time (the OpenAPI's dates); None if unreadable."""
    value = " ".join(value.split())
    if not value:
        return None
    for form in (_DATE_FORMAT, "%m/%d/%Y %H:%M", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S"):
        try:
            return datetime.strptime(value, form).replace(tzinfo=KST)
        except ValueError:
            continue
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(parent: Element, name: str) -> Iterable[Element]:
    wanted = name.lower()
    return (c for c in parent if _local(c.tag).lower() == wanted)


def _child(parent: Element, name: str) -> Element | None:
    return next(iter(_children(parent, name)), None)


def _raw_text(parent: Element, name: str) -> str:
    child = _child(parent, name)
    return (child.text or "") if child is not None else ""


def _text(parent: Element | None, name: str) -> str:
    return " ".join(_raw_text(parent, name).split()) if parent is not None else ""


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


# --- releases → articles -------------------------------------------------------------------


def release_article(release: Release, *, feed_id: int, now: datetime) -> Article:
    """The Article a release becomes: the body (subtitles, then DataContents) built into a
    Document and stored as canonical markdown, like any feed item's; the issuing body
    (MinisterCode) as author; ModifyId as revision; D as withdrawn."""
    title = " ".join(clean_text(clean_title(release.title)).split())
    parts = [f"<p>{escape(s)}</p>" for s in release.subtitles]
    parts.append(release.html)
    listed = [name for name, _ in release.attachments if name not in release.html]
    if listed:
        parts.append("<p>첨부</p>" + "".join(f"<p>{escape(n)}</p>" for n in listed))
    doc = build_document("\n".join(parts), title=title)
    built = stored_text(doc)
    text = clean_text(built)
    if not title:
        title = text.split("\n", 1)[0][:80] or release.news_item_id
    url = release.original_url or (
        f"https://www.korea.kr/briefing/pressReleaseView.do?newsId={release.news_item_id}"
    )
    return Article(
        feed_id=feed_id,
        guid=release.news_item_id[:1000],
        url=url[:2000],
        title=title,
        text=text,
        published_at=release.approved_at or release.modified_at or now,
        content_hash=content_hash(title, text),
        contacts=_contacts(doc, built, text),
        author=release.minister[:200],
        revision=release.modify_id,
        withdrawn=release.status == "D",
        attachments=tuple(url for _, url in release.attachments),
    )


def _contacts(doc: Document, built: str, text: str) -> tuple[Contact, ...]:
    try:
        return tuple(contacts_of(doc, raw=text) if built == text else extract_contacts(text))
    except Exception:  # contacts are a bonus: an extractor bug must not drop the release
        return ()


def latest_versions(articles: Iterable[Article]) -> tuple[Article, ...]:
    """One article per release: the highest revision, a withdrawal winning a tie (pages that
    overlap, or an answer listing a release twice), in first-seen order."""
    best: dict[str, Article] = {}
    for article in articles:
        held = best.get(article.guid)
        if held is None or (article.revision, article.withdrawn) > (held.revision, held.withdrawn):
            best[article.guid] = article
    return tuple(best.values())


def pages_needed(total_count: int, rows: int) -> int:
    return min(MAX_PAGES, max(1, math.ceil(total_count / max(1, rows))))


# --- the edge ------------------------------------------------------------------------------


async def fetch_articles(
    fetcher: Any, feed: Feed, key: str | None, now: datetime, *, rows: int = PAGE_SIZE
) -> tuple[tuple[Article, ...], str | None]:
    """Every release of the feed's date window, through ``fetcher`` (a
    :class:`~bot.feeds.fetch.Fetcher`: its limits and timeouts apply to each page); returns
    the articles and a warning in words (a page past :data:`MAX_PAGES`). Raises
    :class:`OpenApiError` (one Korean line, never the key) when nothing could be read."""
    if not key or not key.strip():
        raise key_missing()
    start, end = date_window(feed.last_success_at, now)
    base = feed.url.split("?", 1)[0] if "serviceKey=" in feed.url else feed.url
    found: list[Article] = []
    page, pages, total = 1, 1, 0
    while page <= pages:
        url = request_url(base, key, start, end, page, rows)
        try:
            result = await fetcher.fetch(url)
        except FetchError as e:
            raise _fetch_failed(scrub(str(e), key), e) from None
        parsed, built = await asyncio.to_thread(_read_page, result.body, feed.id, now)
        found.extend(built)
        total = parsed.total_count
        # a service may answer fewer rows per page than asked: page by what it answers
        per_page = parsed.num_rows if 0 < parsed.num_rows < rows else rows
        pages = pages_needed(total, per_page)
        if not parsed.releases:
            break
        page += 1
    warning = None
    if page > MAX_PAGES and total > len(found):
        warning = f"OpenAPI: {total} releases in the window, only {len(found)} read"
    return latest_versions(found), warning


class BuiltReleases:
    """Articles already built from releases, by (feed, NewsItemId) and the release's exact
    fields: the OpenAPI has no conditional GET, so every poll reads its whole window again,
    and building each Document again would cost most of the poll. A release whose fields
    changed in any way is built anew. Bounded: the oldest entries go first."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self._built: dict[tuple[int, str], tuple[Release, Article]] = {}
        self._lock = threading.Lock()  # pages of several feeds are read in threads

    def clear(self) -> None:
        with self._lock:
            self._built.clear()

    def article(self, release: Release, *, feed_id: int, now: datetime) -> Article:
        key = (feed_id, release.news_item_id)
        with self._lock:
            held = self._built.get(key)
        if held is not None and held[0] == release:
            return held[1]
        article = release_article(release, feed_id=feed_id, now=now)
        with self._lock:
            self._built.pop(key, None)
            self._built[key] = (release, article)
            while len(self._built) > self.limit:
                del self._built[next(iter(self._built))]
        return article


BUILT = BuiltReleases()  # one per process: what `sokbo run` built in its earlier polls


def _read_page(body: bytes, feed_id: int, now: datetime) -> tuple[Page, list[Article]]:
    """One page read and its releases built (in a thread: building Documents takes CPU)."""
    page = parse_page(body)
    return page, [BUILT.article(r, feed_id=feed_id, now=now) for r in page.releases]


def _fetch_failed(message: str, error: FetchError) -> OpenApiError:
    if message.startswith(("HTTP 401", "HTTP 403")):
        return key_refused(message)
    return OpenApiError(
        f"정책브리핑 OpenAPI에 연결하지 못했습니다: {message}", retry_after=error.retry_after
    )
