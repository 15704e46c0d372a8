"""bench-sources: what full text costs per item, beside the feed-only path. Medians.

Everything is served from a loopback HTTP server (tests/feed_server.py) built from the real
releases of ``../shared/data/attachments`` (19 HWPX, 2 HWP 5, 19 PDF): each release's text as
a feed item body (the feed-only path), as a ministry board page around it (menus, footer),
and as its attachments. Each kind is measured in a fresh child process (``--kind KIND``), so
its peak memory is its own: "peak MB" is the process's peak RSS (VmHWM) minus its RSS once the
modules were imported; for attachments, which the bot parses in a child process of its own,
"parser MB" is the largest such child's peak RSS.

- feed: ``poll_cycle`` of one feed holding every release as a full-text item (fetch, parse,
  Document, contacts, store on SQLite); time per item = cycle / items;
- page: ``FullText.full_text`` of a release page (robots.txt cached, fetch, trafilatura main
  text), then the item's Document and contacts;
- hwpx / hwp / pdf: ``FullText.full_text`` of the attachment's URL (fetch, parse in the
  running worker process under its limits), then the Document and contacts; "parse only" is
  the pure parser in this process (no worker, no fetch). The worker's start (once per worker,
  not per file) is timed apart.

Also printed: the page-extraction settings compared (trafilatura default, favor_precision,
fast; readability-lxml when installed; the existing HTML converter on the whole page as the
no-extraction baseline) — share of the release's paragraphs the Document keeps, menu/footer
strings leaked, contacts equal to the file's.

``bench/sources.py [DIR] [--runs N]``: DIR defaults to ../shared/data/attachments.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT = ROOT.parent / "shared" / "data" / "attachments"
KINDS = ("feed", "page", "hwpx", "hwp", "pdf")


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _files(folder: Path, suffix: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == f".{suffix}")


def measure(kind: str, folder: Path) -> dict[str, object]:
    """One kind in this (fresh) process: per-item seconds, peak MB over the imports."""
    from bot.clock import FixedClock
    from bot.config import FeedSettings, FullTextSettings
    from bot.documents.attachments import AttachmentError, text_from_attachment
    from bot.feeds.fetch import Fetcher
    from bot.feeds.poll import poll_cycle
    from bot.fulltext.enrich import PARSE_WORKERS, FullText, with_text
    from bot.store import create_engine
    from bot.store import feeds as feed_store
    from bot.store.migrate import upgrade
    from bot.types import Article
    from tests.feed_server import FeedServer, rss
    from tests.test_fulltext import release_page

    clock = FixedClock()
    feeds = FeedSettings(max_bytes=50_000_000, total_timeout=60, read_timeout=30)
    full = FullTextSettings(deadline=60, parse_timeout=60)
    releases = [(p, text_from_attachment(p.read_bytes())) for p in _files(folder, "hwpx")]
    base = _rss_mb("VmRSS")
    times: list[float] = []
    parse_only: list[float] = []
    started: list[float] = []

    async def run(server: FeedServer) -> None:
        if kind == "feed":
            items = [{"title": f"보도자료 {n}", "guid": f"g{n}", "link": f"/v/{n}",
                      "description": release_page("", md)}
                     for n, (_, md) in enumerate(releases)]  # fmt: skip
            url = server.add("/rss", rss(items))
            for _ in range(3):
                with tempfile.TemporaryDirectory() as tmp:
                    engine = create_engine(f"sqlite:///{tmp}/b.db")
                    upgrade(engine)
                    feed = feed_store.add_feed(engine, url, "b", clock.now())
                    async with Fetcher(feeds) as fetcher:
                        began = time.perf_counter()
                        await poll_cycle(engine, fetcher, feeds, clock, feeds=[feed])
                        took = (time.perf_counter() - began) / len(items)
                        times.extend([took] * len(items))
                    engine.dispose()
            return
        server.add(
            "/robots.txt", "User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}
        )
        targets = []
        if kind == "page":
            for n, (_, md) in enumerate(releases):
                page = release_page("보도자료", md)
                html = {"Content-Type": "text/html; charset=utf-8"}
                targets.append(server.add(f"/view/{n}", page, headers=html))
        else:
            for n, path in enumerate(_files(folder, kind)):
                data = path.read_bytes()
                began = time.perf_counter()
                text_from_attachment(data, path.name)
                parse_only.append(time.perf_counter() - began)
                octets = {"Content-Type": "application/octet-stream"}
                targets.append(server.add(f"/file/{n}.{kind}", data, headers=octets))
        async with FullText(None, full, feeds, clock) as fulltext:  # type: ignore[arg-type]
            await fulltext.full_text(server.url("/robots.txt"), trusted=server.url("/"))  # warm
            if kind != "page":  # the parser workers start once, before the first file

                async def start() -> None:
                    with contextlib.suppress(AttachmentError):
                        await fulltext._parsers.read(b"", "start.txt")

                began = time.perf_counter()
                await asyncio.gather(*(start() for _ in range(PARSE_WORKERS)))
                started.append(time.perf_counter() - began)
            for url in targets:
                item = Article(1, url, url, "보도자료", "", clock.now(), "h")
                began = time.perf_counter()
                found = await fulltext.full_text(url, trusted=server.url("/"))
                assert found is not None
                await asyncio.to_thread(with_text, item, found.text)
                times.append(time.perf_counter() - began)

    with FeedServer() as server:
        asyncio.run(run(server))
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "kind": kind,
        "n": len(times),
        "median_ms": statistics.median(times) * 1000,
        "parse_only_ms": statistics.median(parse_only) * 1000 if parse_only else None,
        "peak_mb": _rss_mb("VmHWM") - base,
        "parser_mb": children if kind in ("hwpx", "hwp", "pdf") else None,
        "worker_start_ms": started[0] * 1000 if started else None,
    }


def page_settings(folder: Path) -> None:
    """trafilatura's settings on pages around the real releases, and no extraction at all."""
    import trafilatura

    from bot.documents import build_document
    from bot.documents.attachments import text_from_attachment
    from bot.documents.contacts import contacts_of
    from tests.test_fulltext import release_page

    chrome = ("기관소개", "공지사항", "개인정보처리방침", "대표전화", "Copyright")
    variants: dict[str, dict[str, bool] | None] = {
        "no extraction (whole page)": None,
        "trafilatura default": {},
        "trafilatura favor_precision (used)": {"favor_precision": True},
        "trafilatura fast": {"fast": True},
    }
    full = [text_from_attachment(p.read_bytes()) for p in _files(folder, "hwpx")]
    # a short release: its first two paragraphs and its contact rows only
    short = [
        "\n".join(
            [ln for ln in md.splitlines() if len(ln) > 30 and not ln.startswith("|")][:2]
            + [ln for ln in md.splitlines() if ln.startswith("|") and "담당" in ln]
        )
        for md in full
    ]
    try:  # readability-lxml (Apache-2.0) is not a dependency: measured when installed
        from readability import Document as Readable
    except ImportError:
        Readable = None
    if Readable is not None:
        variants["readability-lxml (summary → HTML)"] = {"readability": True}
    for label, releases in (("release pages", full), ("short release pages", short)):
        print(f"\npage extraction on {len(releases)} {label} (menus, breadcrumb, footer around)")
        for name, options in variants.items():
            kept = leaks = agree = 0.0
            took: list[float] = []
            for md in releases:
                html = release_page("보도자료", md)
                began = time.perf_counter()
                if options is None:
                    out = html
                elif options.get("readability"):
                    out = Readable(html).summary(html_partial=True)
                else:
                    out = trafilatura.extract(html, output_format="markdown",
                                              include_tables=True, **options) or ""  # fmt: skip
                took.append(time.perf_counter() - began)
                text = build_document(out).text
                lines = [ln for ln in md.splitlines() if len(ln) > 30 and not ln.startswith("|")]
                plain = text.replace("\\", "")  # as the Document reads it
                found = sum(1 for p in lines if " ".join(p.split()) in plain)
                kept += found / max(1, len(lines))
                leaks += sum(1 for c in chrome if c in text)
                want = sorted((c.name, c.phone) for c in contacts_of(build_document(md)))
                got = sorted((c.name, c.phone) for c in contacts_of(build_document(out)))
                agree += want == got
            n = len(releases)
            print(f"  {name:36} paragraphs kept {kept / n:5.1%}  menu/footer strings "
                  f"{leaks / n:.1f}/page  contacts as the file {int(agree)}/{n}  "
                  f"{statistics.median(took) * 1000:.0f} ms")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--kind", choices=KINDS)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if args.kind:
        print(json.dumps(measure(args.kind, args.folder)))
        return 0
    load = os.getloadavg()
    print(f"bench-sources on {args.folder} (load average {load[0]:.1f}, {os.cpu_count()} cores)")
    rows: dict[str, list[dict[str, float]]] = {k: [] for k in KINDS}
    for _ in range(args.runs):
        for kind in KINDS:
            done = subprocess.run(
                [sys.executable, __file__, str(args.folder), "--kind", kind],
                capture_output=True, text=True, check=True, cwd=ROOT,
            )  # fmt: skip
            rows[kind].append(json.loads(done.stdout.strip().splitlines()[-1]))
    feed = statistics.median(r["median_ms"] for r in rows["feed"])
    print(f"{'kind':6} {'n':>3} {'median ms/item':>15} {'× feed-only':>12} {'parse only ms':>14} "
          f"{'peak MB':>8} {'parser MB':>10}")  # fmt: skip
    for kind in KINDS:
        runs = rows[kind]
        ms = statistics.median(r["median_ms"] for r in runs)
        only = [r["parse_only_ms"] for r in runs if r["parse_only_ms"] is not None]
        child = [r["parser_mb"] for r in runs if r["parser_mb"] is not None]
        print(f"{kind:6} {int(runs[0]['n']):>3} {ms:>15.1f} {ms / feed:>11.1f}× "
              f"{statistics.median(only) if only else float('nan'):>14.1f} "
              f"{statistics.median(r['peak_mb'] for r in runs):>8.1f} "
              f"{statistics.median(child) if child else float('nan'):>10.1f}")  # fmt: skip
    starts = [r["worker_start_ms"] for k in KINDS for r in rows[k] if r.get("worker_start_ms")]
    start = statistics.median(starts)
    print(f"attachment parser worker start (once per worker, not per file): {start:.0f} ms")
    page_settings(args.folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
