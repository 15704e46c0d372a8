"""Web archive benchmark (``make bench-web``): a real ``sokbo run`` serving a 200,000-article
SQLite archive, loaded from loopback with 16 keep-alive connections.

1. The archive: bench/search.py's builder (SOKBO_BENCH_N articles, default 200,000, one story
   each), plus a digest per story (headline, bullets, agency, topics, a contact) as the
   pipeline stores them, indexed for search. Built once into var/bench/ and reused.
2. Baseline: the same reads called in-process (query function only, no HTTP, no template).
3. Load: for ``/``, ``/stories/{id}`` (1,000 random ids) and ``/search?q=…`` (bench/search.py's
   queries) in turn, SOKBO_BENCH_SECONDS (default 20) each after a 2 s warm-up, with wrk when
   installed (``apt-get install wrk``), else an aiohttp client of 16 connections. Prints
   requests/s, p50/p95/p99 per page, non-2xx answers, and the server's peak RSS (VmHWM).

The machine is shared (2 cores, the load generator on the same cores): figures are noisy.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.proctree import stop  # noqa: E402
from bench.search import NOW, RNG, load, make_articles, make_queries, sentences  # noqa: E402
from bot.search import index_pending, search  # noqa: E402
from bot.store import create_engine, schema  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.topics import DEFAULT_TAXONOMY  # noqa: E402
from bot.web import queries  # noqa: E402

N = int(os.environ.get("SOKBO_BENCH_N", "200000"))
SECONDS = float(os.environ.get("SOKBO_BENCH_SECONDS", "20"))
CONNECTIONS = 16
ARCHIVE_VERSION = 1  # bump when the archive's contents change
ARCHIVE = ROOT / "var" / "bench" / f"web-{N}-v{ARCHIVE_VERSION}.sqlite"
SENTENCE = re.compile(r"(?<=[다요]\.)\s+")


# --- 1. archive -----------------------------------------------------------------------


def add_digests(engine: sa.engine.Engine) -> int:
    """A digest per story, from its article, the way the pipeline stores one."""
    rng = random.Random(11)
    rows = []
    with engine.connect() as conn:
        for story_id, title, text in conn.execute(
            sa.select(schema.stories.c.id, schema.articles.c.title, schema.articles.c.text).join(
                schema.articles, schema.articles.c.story_id == schema.stories.c.id
            )
        ):
            agency = title.split(",", 1)[0]
            body = text.split("는 ", 1)[-1]
            bullets = [s[:120] for s in SENTENCE.split(body)[:3]]
            summary = {
                "headline": title[:60],
                "bullets": bullets,
                "topics": DEFAULT_TAXONOMY.classify(title, text),
                "agencies": [agency],
                "contacts": [
                    {
                        "department": f"{agency} 정책과",
                        "name": "담당자",
                        "phone": f"044-{rng.randint(200, 299)}-{rng.randint(1000, 9999)}",
                    }
                ],
                "source_url": f"https://bench.kr/s/{story_id}",
            }
            rows.append({"sid": story_id, "summary": json.dumps(summary, ensure_ascii=False)})
    update = (
        schema.stories.update()
        .where(schema.stories.c.id == sa.bindparam("sid"))
        .values(summary=sa.bindparam("summary"), summarized_at=NOW, matched_at=NOW)
    )
    for start in range(0, len(rows), 5000):
        with engine.begin() as conn:
            conn.execute(update, rows[start : start + 5000])
    return len(rows)


def build_archive() -> None:
    ARCHIVE.parent.mkdir(parents=True, exist_ok=True)
    partial = ARCHIVE.with_suffix(".partial")
    for leftover in ARCHIVE.parent.glob(partial.name + "*"):
        leftover.unlink()
    engine = create_engine(f"sqlite:///{partial}")
    upgrade(engine)
    started = time.perf_counter()
    pool = sentences()
    load(engine, make_articles(N, pool))
    with engine.begin() as conn:  # nothing to poll: the bench serves, it does not fetch
        conn.execute(schema.feeds.update().values(enabled=False))
    digests = add_digests(engine)
    indexed = index_pending(engine, limit=2 * N + 10, batch=2000)
    with engine.connect() as conn:
        conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        conn.commit()
    engine.dispose()
    partial.rename(ARCHIVE)
    print(
        f"built {ARCHIVE.relative_to(ROOT)}: {N:,} articles/stories, {digests:,} digests, "
        f"{indexed:,} index entries in {time.perf_counter() - started:.0f} s, "
        f"{ARCHIVE.stat().st_size / 1e6:,.0f} MB"
    )


# --- 2. in-process baseline -----------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def baseline(
    engine: sa.engine.Engine, story_ids: list[int], words: list[str]
) -> dict[str, tuple[float, float]]:
    """p50/p95 ms of the read behind each page, called directly 200 times."""
    calls: dict[str, Callable[[int], object]] = {
        "/": lambda i: queries.latest(engine, limit=20),
        "/stories/{id}": lambda i: queries.story(engine, story_ids[i % len(story_ids)]),
        "/search": lambda i: search(engine, words[i % len(words)], limit=20, now=NOW),
    }
    out = {}
    for name, call in calls.items():
        for i in range(20):
            call(i)
        times = []
        for i in range(200):
            t = time.perf_counter()
            call(i)
            times.append((time.perf_counter() - t) * 1000)
        out[name] = (statistics.median(times), pct(times, 95))
    return out


# --- 3. load --------------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {%s}
local i = math.random(#paths)
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%f %%f %%f %%d %%d\\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def run_wrk(base: str, paths: list[str], seconds: float) -> tuple[float, float, float, float, int]:
    """(requests/s, p50 ms, p95 ms, p99 ms, non-2xx or failed) from wrk."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds:.0f}s", "-s", script.name, base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    count, micros, p50, p95, p99, status, failed = line.split()[1:]
    rate = int(count) / (int(micros) / 1e6)
    return rate, float(p50) / 1000, float(p95) / 1000, float(p99) / 1000, int(status) + int(failed)


def run_aiohttp(
    base: str, paths: list[str], seconds: float
) -> tuple[float, float, float, float, int]:
    """The same with an aiohttp client: 16 connections kept alive, one request each at a time."""
    import aiohttp

    async def main() -> tuple[float, float, float, float, int]:
        latencies: list[float] = []
        bad = 0
        deadline = time.perf_counter() + seconds
        connector = aiohttp.TCPConnector(limit=CONNECTIONS)
        async with aiohttp.ClientSession(base, connector=connector) as session:

            async def worker(offset: int) -> None:
                nonlocal bad
                i = offset
                while time.perf_counter() < deadline:
                    i += 1
                    t = time.perf_counter()
                    async with session.get(paths[i % len(paths)]) as answer:
                        await answer.read()
                        bad += answer.status >= 300
                    latencies.append((time.perf_counter() - t) * 1000)

            started = time.perf_counter()
            await asyncio.gather(*(worker(k * 97) for k in range(CONNECTIONS)))
            elapsed = time.perf_counter() - started
        return (
            len(latencies) / elapsed,
            statistics.median(latencies),
            pct(latencies, 95),
            pct(latencies, 99),
            bad,
        )

    return asyncio.run(main())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in kB: current and peak resident memory of the server."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


def main() -> None:
    total = time.perf_counter()
    if not ARCHIVE.exists():
        build_archive()
    else:
        print(f"reusing {ARCHIVE.relative_to(ROOT)} ({ARCHIVE.stat().st_size / 1e6:,.0f} MB)")
    engine = create_engine(f"sqlite:///{ARCHIVE}")
    upgrade(engine)
    with engine.connect() as conn:
        count = conn.scalar(sa.select(sa.func.count()).select_from(schema.articles))
        top = int(conn.scalar(sa.select(sa.func.max(schema.stories.c.id))) or 0)
    rng = random.Random(5)
    story_ids = [rng.randint(1, top) for _ in range(1000)]
    pool = sentences()
    RNG.seed(7)
    words = [q for q, options in make_queries(pool) if not options]
    base_ms = baseline(engine, story_ids, words)
    engine.dispose()
    print(f"archive: {count:,} articles; {len(words)} search queries, e.g. {words[:6]}")

    pages = {
        "/": ["/"],
        "/stories/{id}": [f"/stories/{i}" for i in story_ids],
        "/search": ["/search?q=" + quote(w) for w in words],
    }
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="sokbo-bench-web-") as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{ARCHIVE}"\n[feeds]\nsources = []\n'
            f'[web]\nlisten = "127.0.0.1"\nport = {port}\n[log]\nlevel = "WARNING"\n',
            encoding="utf-8",
        )
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "SLACK_", "OPENAI_", "SOKBO_DATABASE"))
        }
        log = Path(tmp) / "server.log"
        with log.open("wb") as err:
            server = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", str(config)],
                cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            import httpx

            deadline = time.monotonic() + 120
            while True:
                assert server.poll() is None, log.read_text()
                try:
                    if httpx.get(base + "/healthz", timeout=5).status_code in (200, 503):
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "server did not start:\n" + log.read_text()
                time.sleep(0.2)
            loader = run_wrk if shutil.which("wrk") else run_aiohttp
            tool = "wrk -t2" if shutil.which("wrk") else "aiohttp client"
            print(
                f"load: {tool}, {CONNECTIONS} keep-alive connections, {SECONDS:.0f} s per page "
                f"after a 2 s warm-up; server `sokbo run` pid {server.pid} on SQLite"
            )
            print(
                f"{'page':<16}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
                f"{'in-process p50/p95 ms':>24}{'HTTP/in-process p50':>22}"
            )
            for name, paths in pages.items():
                loader(base, paths, 2)
                rate, p50, p95, p99, bad = loader(base, paths, SECONDS)
                b50, b95 = base_ms[name]
                print(
                    f"{name:<16}{rate:>9,.0f}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{bad:>8}"
                    f"{f'{b50:.1f} / {b95:.1f}':>24}{p50 / b50:>21.1f}x"
                )
            current, peak = rss_kb(server.pid)
            print(f"server RSS now {current / 1024:,.0f} MB, peak (VmHWM) {peak / 1024:,.0f} MB")
        finally:
            stop(server, timeout=20)
    print(
        f"targets: p95 <= 50 ms for / and a story, <= 80 ms for search; "
        f"total {time.perf_counter() - total:.0f} s (shared 2-core machine: figures are noisy)"
    )


if __name__ == "__main__":
    main()
