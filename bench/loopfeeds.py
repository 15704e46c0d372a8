"""Loopback RSS feeds for the process-level benchmarks (bench-poll, bench-footprint).

A server in its own process (aiohttp) serves ``/feed/{i}`` and ``/clean/{i}``: RSS 2.0
documents of ``ITEMS`` items each, whose text is made of the real press releases in
tests/data/docs (four in five of one release's prose lines, picked per item by a seeded
generator, so every item has a realistic body and the same text in every generation). Items
drawn from one release are near-copies and group into one story: 10,000 items make about 570
stories, 18 articles each on average and a few hundred for the largest, which makes grouping
harder than real feeds do (a release and its rewrites are a handful of articles). The feeds
move by generations, set with ``POST /generation/{g}``: in generation 1 every feed holds its
items 0-19 under ETag ``"f{i}-g1"``; from generation 2 on, a feed where ``changed(i)`` (one in
five) slides its window by ``SLIDE`` new items per generation and gets a new ETag, the other
four in five keep theirs and answer 304 to it. Under ``/feed/`` ``SLOW`` feeds answer after
2 s and ``BROKEN`` ones fail (5 × HTTP 500, 5 × truncated XML); ``/clean/`` has no faults.
With ``no_etag`` the server plays the many feeds that send no validators or ignore them:
no ETag, If-None-Match ignored, every answer a 200 with the whole document (the same bytes
for a feed whose window did not move).
"""

from __future__ import annotations

import asyncio
import functools
import html
import multiprocessing
import random
import re
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "docs"
ITEMS = 20
SLIDE = 5
SLOW = frozenset([10, *range(201, 2000, 200)][:10])
BROKEN = (20, *range(203, 2000, 200))[:10]
MAX_TEXT = 2500


def changed(i: int) -> bool:
    return i % 5 == 0


@functools.cache
def _paragraphs() -> tuple[tuple[str, ...], ...]:
    """Each document's lines that read as prose (some Hangul, 15+ characters)."""
    docs = []
    for path in sorted(DATA.iterdir()):
        if path.suffix not in {".txt", ".md"} or path.stem == "SOURCES":
            continue
        text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
        text = text.split("## 본문", 1)[-1]
        stripped = (ln.strip().lstrip("#>*- ").strip() for ln in text.splitlines())
        lines = tuple(
            ln
            for ln in stripped
            if len(ln) >= 15 and re.search(r"[가-힣]{2}", ln) and not ln.startswith("!")
        )
        if len(lines) >= 4:
            docs.append(lines)
    return tuple(docs)


@functools.cache
def item(i: int, n: int) -> tuple[str, str]:
    """(title, text) of item ``n`` of feed ``i``: the same in every generation."""
    rng = random.Random(i * 100_003 + n)
    docs = _paragraphs()
    lines = docs[rng.randrange(len(docs))]
    kept = [ln for ln in lines if rng.random() < 0.8] or list(lines[:4])
    body, size = [], 0
    for ln in kept:
        if size + len(ln) > MAX_TEXT:
            break
        body.append(ln)
        size += len(ln) + 1
    body.append(f"이번 안내는 피드 {i}의 {n + 1}번째 소식입니다.")
    title = f"{kept[0][:48].rstrip()} ({i}-{n + 1}호)"
    return title, "\n".join(body)


def window(i: int, generation: int) -> range:
    """The item numbers feed ``i`` holds in ``generation`` (newest last)."""
    start = SLIDE * (generation - 1) if changed(i) else 0
    return range(start, start + ITEMS)


def etag(i: int, generation: int) -> str:
    return f'"f{i}-g{generation if changed(i) else 1}"'


def document(i: int, generation: int) -> bytes:
    items = []
    for n in reversed(window(i, generation)):
        title, text = item(i, n)
        paragraphs = "".join(f"<p>{html.escape(ln, quote=False)}</p>" for ln in text.split("\n"))
        minute = n % 60
        items.append(
            f"<item><title>{html.escape(title, quote=False)}</title>"
            f"<link>https://www.korea.kr/briefing/pressReleaseView.do?newsId={i}{n:04d}</link>"
            f"<guid>f{i}-n{n}</guid>"
            f"<pubDate>Fri, 10 Apr 2026 {10 + n // 60 % 12:02d}:{minute:02d}:00 +0900</pubDate>"
            f"<description>{html.escape(paragraphs, quote=False)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>보도자료 {i}</title><link>https://www.korea.kr/</link>"
        f"<description>피드 {i}</description>{''.join(items)}</channel></rss>"
    ).encode()


def _serve(port_queue: multiprocessing.Queue[int], no_etag: bool = False) -> None:
    from aiohttp import web

    state = {"generation": 1}
    cache: dict[tuple[int, int], bytes] = {}

    def body(i: int) -> bytes:
        key = (i, state["generation"] if changed(i) else 1)
        if key not in cache:
            cache[key] = document(*key)
        return cache[key]

    async def handle(request: web.Request) -> web.StreamResponse:
        i = int(request.match_info["i"])
        faults = request.match_info["kind"] == "feed"
        if faults and i in SLOW:
            await asyncio.sleep(2)
        if faults and i in BROKEN[:5]:
            return web.Response(status=500, text="boom")
        doc = body(i)
        if faults and i in BROKEN[5:]:
            return web.Response(body=doc[: len(doc) // 2], content_type="application/rss+xml")
        if no_etag:
            return web.Response(body=doc, content_type="application/rss+xml")
        tag = etag(i, state["generation"])
        if request.headers.get("If-None-Match") == tag:
            return web.Response(status=304, headers={"ETag": tag})
        return web.Response(body=doc, content_type="application/rss+xml", headers={"ETag": tag})

    async def generation(request: web.Request) -> web.Response:
        state["generation"] = int(request.match_info["g"])
        return web.Response(text="ok")

    async def main() -> None:
        app = web.Application()
        app.router.add_get(r"/{kind:feed|clean}/{i:\d+}", handle)
        app.router.add_post(r"/generation/{g:\d+}", generation)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port_queue.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


class LoopFeeds:
    """The server process; ``with LoopFeeds() as feeds: feeds.url(i)``; ``no_etag``: no
    validators, every answer a 200 with the whole document."""

    def __init__(self, *, no_etag: bool = False) -> None:
        self.port = 0
        self.no_etag = no_etag
        self._process: multiprocessing.Process | None = None

    def __enter__(self) -> LoopFeeds:
        spawn = multiprocessing.get_context("spawn")
        queue: multiprocessing.Queue[int] = spawn.Queue()
        self._process = spawn.Process(target=_serve, args=(queue, self.no_etag), daemon=True)
        self._process.start()
        self.port = queue.get(timeout=60)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join()

    @property
    def pid(self) -> int:
        return self._process.pid if self._process and self._process.pid else 0

    def url(self, i: int, *, clean: bool = False) -> str:
        return f"http://127.0.0.1:{self.port}/{'clean' if clean else 'feed'}/{i}"

    def set_generation(self, generation: int) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/generation/{generation}", method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()


# Chats that follow something, so the pipeline's matching step has work: topics, agencies,
# keywords (tagged on first use) and an exclude, as people write them.
SUBSCRIPTIONS = (
    "/subscribe 반도체 AI 양자",
    "/subscribe 과기정통부 -부동산",
    "/subscribe 딥테크 창업 스타트업",
    "/subscribe 소상공인 수출 고용",
    "/subscribe 중소벤처기업부 동행축제",
)


def subscribe(sokbo: list[str], config: Path, cwd: Path, env: dict[str, str]) -> None:
    """Create the SUBSCRIPTIONS chats (console:1…) with ``sokbo chat`` (also migrates)."""
    import subprocess

    for k, text in enumerate(SUBSCRIPTIONS, 1):
        subprocess.run(
            [*sokbo, "chat", f"console:{k}", text, "--config", str(config)],
            cwd=cwd,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def sokbo_config(
    path: Path, db: Path, urls: list[str], *, web_port: int | None = None, log: str = "INFO"
) -> Path:
    """A config.toml for ``sokbo --config``: SQLite ``db``, these feeds, extractive summaries
    (no OPENAI_API_KEY in the environment), the console adapter. ``web_port`` adds a [web]
    section (only for versions that have one)."""
    lines = [
        "[database]",
        f'url = "sqlite:///{db}"',
        "[feeds]",
        "poll_interval = 3600",
    ]
    for k, url in enumerate(urls):
        lines += ["[[feeds.sources]]", f'name = "보도자료 {k}"', f'url = "{url}"']
    if web_port is not None:
        lines += ["[web]", 'listen = "127.0.0.1"', f"port = {web_port}"]
    lines += ["[log]", f'level = "{log}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
