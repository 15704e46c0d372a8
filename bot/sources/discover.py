"""Finding a site's feed from its home page: ``sokbo feeds add https://newsdao.kr``.

The page's own ``<link rel="alternate" type="application/rss+xml" href="…">`` first, then the
paths feeds usually live at; the first address that answers with a feed is followed, named by
the feed's own title. A page that leads to no feed is refused with a Korean reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from bot.errors import FeedError
from bot.feeds.encoding import decode
from bot.feeds.fetch import Fetcher, FetchResult
from bot.feeds.parse import ParsedFeed, parse_feed

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
     "text/xml", "application/feed+json"}
)  # fmt: skip
# Where feeds usually are when a page does not say: common CMSs (WordPress, Korean news
# CMSs), static site generators, plain servers.
USUAL_PATHS = (
    "/rss", "/feed", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml",
    "/rss/allArticle.xml", "/?feed=rss2",
)  # fmt: skip
MAX_LINKS = 4  # a page's own links tried at most; a page cannot make the bot fetch hundreds


class DiscoveryError(FeedError):
    """No feed was found from a page; the message is Korean, for the person who asked."""


@dataclass(frozen=True, slots=True)
class Discovered:
    """A feed found from an address: where it is, its own title, and how it was found."""

    url: str
    title: str | None
    via: str  # "feed" (the address itself), "link" (<link rel=alternate>), "path" (usual path)
    items: int = 0


class _FeedLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href", "").strip():
            self.hrefs.append(values["href"].strip())


def feed_links(page: str, base_url: str) -> list[str]:
    """The feeds a page announces in ``<link rel="alternate">``, as absolute http(s) URLs."""
    finder = _FeedLinks()
    try:
        finder.feed(page[:500_000])
        finder.close()
    except AssertionError:  # HTMLParser on badly broken markup; what was found still counts
        pass
    found = []
    for href in finder.hrefs:
        url = urljoin(base_url, href)
        if urlsplit(url).scheme in ("http", "https") and url not in found:
            found.append(url)
    return found


def usual_feed_urls(page_url: str) -> list[str]:
    parts = urlsplit(page_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return [origin + path for path in USUAL_PATHS]


def _as_feed(result: FetchResult, now: datetime) -> ParsedFeed | None:
    parsed = parse_feed(
        result.body, feed_id=0, base_url=result.url, now=now, headers=result.headers
    )
    if parsed.error and not parsed.articles and parsed.error.startswith(("not a feed", "empty")):
        return None
    return parsed


async def discover(fetcher: Fetcher, url: str, now: datetime) -> Discovered:
    """The feed at ``url`` or announced by the page there. Raises FetchError when ``url``
    itself cannot be read, DiscoveryError (Korean) when it leads to no feed."""
    first = await fetcher.fetch(url)
    parsed = _as_feed(first, now)
    if parsed is not None:
        return Discovered(url, parsed.title, "feed", len(parsed.articles))
    page, _ = decode(first.body, first.headers.get("content-type", ""))
    announced = feed_links(page, first.url)[:MAX_LINKS]
    tried: set[str] = {url, first.url}
    for via, candidates in (("link", announced), ("path", usual_feed_urls(first.url))):
        for candidate in candidates:
            if candidate in tried:
                continue
            tried.add(candidate)
            try:
                await fetcher.check_target(url, candidate)
                result = await fetcher.fetch(candidate)
            except FeedError:
                continue
            found = _as_feed(result, now)
            if found is not None:
                return Discovered(candidate, found.title, via, len(found.articles))
    said = (
        f"알린 피드 {len(announced)}개가 읽히지 않고"
        if announced
        else ('<link rel="alternate">로 알린 피드가 없고')
    )
    raise DiscoveryError(
        f"{url} 에서 피드를 찾지 못했어요: 페이지에 {said}, 흔히 쓰는 주소"
        f"({', '.join(USUAL_PATHS[:4])} 등)에도 피드가 없어요. 피드 주소를 직접 알려 주세요."
    )
