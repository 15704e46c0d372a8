"""The read-only web side on aiohttp: archive pages, search, Atom, /healthz, /metrics.

Handlers parse the request, run a query function (bot/web/queries.py, bot.search) and a
Jinja2 template in a small thread pool — store calls are synchronous and a search may take
up to its time limit, which must not hold up the event loop the bots share — and answer.
Every page is server-rendered Korean HTML with autoescaping and no JavaScript. Bad input
gets a Korean page with a 4xx status; an unexpected error a Korean 500 page and a log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy.engine import Engine

from bot import metrics
from bot.agencies import resolve_agency
from bot.clock import KST, Clock
from bot.config import Settings
from bot.documents.phones import PHONE_IN_BLOCK, phone_digits
from bot.errors import CommandError
from bot.render.common import contact_text, full_stamp, safe_url
from bot.search import search
from bot.topics import Taxonomy
from bot.types import Contact
from bot.web import RouteHandler, queries
from bot.web.atom import atom_feed
from bot.web.cache import CachedPage, PageCache
from bot.web.health import health_answer

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
MAX_PAGE = 10_000  # deeper pages would make the database skip too many rows
MAX_QUERY = 200  # the chat /search limit (commands.MAX_SEARCH)
FEED_ENTRIES = 50
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
T = TypeVar("T")


class BadRequest(Exception):
    """Input the pages cannot use; ``message`` is shown to the reader (Korean)."""

    def __init__(self, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra = extra


def contact_html(contact: Contact) -> Markup:
    """A contact line for the pages: its words escaped, each phone number a ``tel:`` link
    that never wraps mid-number (``.tel`` is ``white-space: nowrap``)."""
    text = contact_text(contact)
    out: list[str] = []
    at = 0
    for m in PHONE_IN_BLOCK.finditer(text):
        digits = phone_digits(m.group(0))
        out.append(str(escape(text[at : m.start()])))
        out.append(f'<a class="tel" href="tel:{digits}">{escape(m.group(0))}</a>')
        at = m.end()
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["kst"] = full_stamp
    env.filters["contact"] = contact_text
    env.filters["contact_html"] = contact_html
    env.filters["href"] = safe_url  # the link rule every renderer uses; None: shown unlinked
    env.filters["path"] = lambda value: quote(str(value), safe="")
    env.filters["iso"] = lambda value: value.astimezone(KST).isoformat()
    return env


@dataclass
class WebSite:
    """The pages over one store; ``build()`` gives the aiohttp application."""

    engine: Engine
    settings: Settings
    clock: Clock
    taxonomy: Taxonomy
    started_at: datetime | None = None  # when None: the clock's now at construction
    pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(4, thread_name_prefix="sokbo-web")
    )
    env: Environment = field(default_factory=_environment)
    cache: PageCache = field(default_factory=PageCache)

    def __post_init__(self) -> None:
        self.started = self.started_at or self.clock.now()
        self.store_metrics = CollectorRegistry(auto_describe=False)
        self.store_metrics.register(metrics.StoreCollector(self.engine, self.clock.now))

    def build(
        self, extra_routes: Mapping[tuple[str, str], RouteHandler] | None = None
    ) -> web.Application:
        app = web.Application(middlewares=[self._errors], client_max_size=1024 * 1024)
        app.router.add_get("/", self._cached(self.index))
        app.router.add_get("/topics/{name}", self._cached(self.index))
        app.router.add_get("/agencies/{name}", self._cached(self.index))
        app.router.add_get("/stories/{id}", self._cached(self.story))
        app.router.add_get("/search", self.search)
        app.router.add_get("/feed.xml", self._cached(self.feed))
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)
        for (method, path), handler in (extra_routes or {}).items():
            app.router.add_route(method, path, handler)
        return app

    # --- plumbing -----------------------------------------------------------------------

    def _cached(self, handler: RouteHandler) -> RouteHandler:
        """``handler`` with its 200 answers kept in :attr:`cache` (see bot/web/cache.py)."""

        async def answer(request: web.Request) -> web.StreamResponse:
            key = f"{self.base_url(request)}{request.path_qs}"
            page = self.cache.get(key)
            if page is None:
                response = await handler(request)
                if response.status != 200 or not isinstance(response, web.Response):
                    return response
                assert response.body is None or isinstance(response.body, bytes)
                page = CachedPage(
                    body=response.body or b"",
                    content_type=response.headers.get("Content-Type", "text/html"),
                    headers=tuple(
                        (k, v) for k, v in response.headers.items() if k != "Content-Type"
                    ),
                )
                self.cache.put(key, page)
            out = web.Response(body=page.body, headers=dict(page.headers))
            out.headers["Content-Type"] = page.content_type
            return out

        return answer

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, partial(fn, *args, **kwargs))

    def base_url(self, request: web.Request) -> str:
        configured = self.settings.web.base_url
        return (configured or f"{request.scheme}://{request.host}").rstrip("/")

    def _render(self, name: str, request: web.Request, **context: Any) -> str:
        return self.env.get_template(name).render(
            base_url=self.base_url(request),
            topics=self.taxonomy.names,
            query=context.pop("query", ""),
            **context,
        )

    async def _page(
        self, request: web.Request, name: str, status: int = 200, **context: Any
    ) -> web.Response:
        body = await self._run(self._render, name, request, **context)
        return web.Response(
            text=body, status=status, content_type="text/html", charset="utf-8",
            headers=SECURITY_HEADERS,
        )  # fmt: skip

    @web.middleware
    async def _errors(self, request: web.Request, handler: RouteHandler) -> web.StreamResponse:
        page = (
            request.match_info.route.resource.canonical
            if request.match_info.route.resource
            else "unknown"
        )
        try:
            response = await handler(request)
        except BadRequest as e:
            response = await self._page(
                request, "message.html", e.status, message=e.message, **e.extra
            )
        except web.HTTPNotFound:
            page = "unknown"
            response = await self._page(
                request,
                "message.html",
                404,
                title="페이지를 찾을 수 없어요",
                message="요청하신 주소의 페이지가 없어요. "
                "주소를 확인하시거나 최신 소식에서 찾아 보세요.",
            )
        except web.HTTPException as e:  # redirects, 405: aiohttp answers them when raised
            metrics.WEB_REQUESTS.labels(page, str(e.status)).inc()
            raise
        except Exception:
            log.exception("web: %s %s failed", request.method, request.path_qs[:300])
            response = await self._page(
                request,
                "message.html",
                500,
                title="잠시 문제가 생겼어요",
                message="페이지를 만드는 중에 문제가 생겼어요. 잠시 뒤에 다시 열어 주세요.",
            )
        metrics.WEB_REQUESTS.labels(page, str(response.status)).inc()
        return response

    # --- pages --------------------------------------------------------------------------

    def _page_number(self, request: web.Request) -> int:
        raw = request.query.get("page", "1").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
            raise BadRequest(
                f"페이지 번호는 1부터 {MAX_PAGE:,} 사이의 숫자로 적어 주세요 "
                f"(받은 값: '{raw[:20]}').",
                title="페이지 번호가 올바르지 않아요",
                back=request.path,
            )
        return int(raw)

    def _filter(self, request: web.Request) -> tuple[str | None, str | None]:
        """(topic, agency) from the path, resolved to canonical names."""
        name = request.match_info.get("name")
        if name is None:
            return None, None
        if request.path.startswith("/topics/"):
            topic = self.taxonomy.resolve(name)
            if topic is None:
                raise BadRequest(
                    f"'{name[:30]}' 주제는 없어요. 아래 주제 중에서 골라 보세요.",
                    404,
                    title="없는 주제예요",
                    show_topics=True,
                )
            return topic, None
        agency = resolve_agency(name)
        if agency is None:
            raise BadRequest(
                f"'{name[:30]}' 기관을 찾지 못했어요. 예: 과기정통부, 중기부, 과학기술정보통신부",
                404,
                title="없는 기관이에요",
            )
        return None, agency

    async def index(self, request: web.Request) -> web.Response:
        topic, agency = self._filter(request)
        if topic is not None and topic != request.match_info["name"]:
            raise web.HTTPFound(f"/topics/{quote(topic, safe='')}")
        if agency is not None and agency != request.match_info["name"]:
            raise web.HTTPFound(f"/agencies/{quote(agency, safe='')}")
        number = self._page_number(request)
        size = self.settings.web.page_size
        found = await self._run(
            queries.latest,
            self.engine,
            limit=size,
            offset=(number - 1) * size,
            topic=topic,
            agency=agency,
        )
        heading = f"{topic} 소식" if topic else f"{agency} 소식" if agency else "최신 정책 소식"
        feed_query = urlencode({"topic": topic} if topic else {"agency": agency} if agency else {})
        return await self._page(
            request,
            "list.html",
            heading=heading,
            stories=found.stories,
            page=number,
            has_more=found.has_more,
            path=request.path,
            feed_url="/feed.xml" + (f"?{feed_query}" if feed_query else ""),
        )

    async def story(self, request: web.Request) -> web.Response:
        raw = request.match_info["id"]
        found = (
            await self._run(queries.story, self.engine, int(raw))
            if raw.isdigit() and len(raw) <= 12
            else None
        )
        if found is None:
            raise BadRequest(
                f"{raw[:20]}번 소식은 없어요. 지워졌거나 주소가 잘못되었을 수 있어요.",
                404,
                title="소식을 찾을 수 없어요",
            )
        return await self._page(request, "story.html", story=found)

    async def search(self, request: web.Request) -> web.Response:
        q = request.query.get("q", "")
        topic_in = request.query.get("topic", "").strip()
        agency_in = request.query.get("agency", "").strip()
        since_in = request.query.get("since", "").strip()
        context: dict[str, Any] = {
            "query": q, "topic": topic_in, "agency": agency_in, "since": since_in,
        }  # fmt: skip
        number = self._page_number(request)
        if not q.strip():
            return await self._page(request, "search.html", page=number, **context)
        error = None
        if len(q) > MAX_QUERY:
            error = f"검색어가 너무 길어요({len(q):,}자). {MAX_QUERY}자 이내로 줄여 주세요."
        since: date | None = None
        if since_in and error is None:
            try:
                since = date.fromisoformat(since_in)
            except ValueError:
                error = f"날짜는 2026-04-01 처럼 적어 주세요 (받은 값: '{since_in[:20]}')."
        if error is None:
            size = self.settings.web.page_size
            try:
                result = await self._run(
                    search,
                    self.engine,
                    q,
                    limit=size,
                    offset=(number - 1) * size,
                    since=since,
                    agency=agency_in or None,
                    topic=topic_in or None,
                    now=self.clock.now(),
                    half_life_days=self.settings.search.recency_half_life_days,
                )
            except CommandError as e:
                error = e.reply
            else:
                return await self._page(
                    request, "search.html", result=result, page=number, **context
                )
        return await self._page(request, "search.html", 400, error=error, page=number, **context)

    async def feed(self, request: web.Request) -> web.Response:
        topic_in = request.query.get("topic", "").strip()
        agency_in = request.query.get("agency", "").strip()
        topic = self.taxonomy.resolve(topic_in) if topic_in else None
        agency = resolve_agency(agency_in) if agency_in else None
        if (topic_in and topic is None) or (agency_in and agency is None):
            raise BadRequest(
                f"'{(topic_in or agency_in)[:30]}' "
                + ("주제는 없어요." if topic_in and topic is None else "기관을 찾지 못했어요.")
                + " 주소의 topic= 또는 agency= 값을 확인해 주세요.",
                404,
                title="피드를 만들 수 없어요",
                show_topics=bool(topic_in),
            )
        base = self.base_url(request)
        found = await self._run(
            queries.latest, self.engine, limit=FEED_ENTRIES, topic=topic, agency=agency
        )
        suffix = urlencode({"topic": topic} if topic else {"agency": agency} if agency else {})
        self_url = f"{base}/feed.xml" + (f"?{suffix}" if suffix else "")
        name = topic or agency
        body = atom_feed(
            found.stories,
            title=f"속보 — {name} 소식" if name else "속보 — 최신 정책 소식",
            base_url=base,
            self_url=self_url,
            feed_id=self_url,
            now=self.clock.now(),
        )
        return web.Response(
            body=body, content_type="application/atom+xml", charset="utf-8",
            headers={"X-Content-Type-Options": "nosniff"},
        )  # fmt: skip

    async def healthz(self, request: web.Request) -> web.Response:
        state = await self._run(
            queries.health,
            self.engine,
            now=self.clock.now(),
            started_at=self.started,
            poll_interval=self.settings.feeds.poll_interval,
        )
        body, status = health_answer(state)
        return web.Response(
            text=json.dumps(body, ensure_ascii=False),
            status=status,
            content_type="application/json",
            headers={"Cache-Control": "no-store"},
        )

    async def metrics(self, request: web.Request) -> web.Response:
        def scrape() -> bytes:
            return generate_latest(metrics.REGISTRY) + generate_latest(self.store_metrics)

        body = await self._run(scrape)
        return web.Response(
            body=body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}
        )
