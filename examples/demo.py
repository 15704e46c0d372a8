"""`make demo`: serve the sample feeds from 127.0.0.1, poll them once into a temporary SQLite
database and print the digests through the console adapter. Offline, a few seconds."""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bot.app import App
from bot.config import DatabaseSettings, FeedSettings, FeedSource, Settings

HERE = Path(__file__).resolve().parent
FEEDS = {
    "정책브리핑 보도자료 (예시, RSS 2.0)": "feeds/press_releases.xml",
    "중기부·과기정통부 소식 (예시, EUC-KR)": "feeds/seeds_euc-kr.xml",
    "실시간 뉴스 속보 (예시, Atom)": "feeds/posts_atom.xml",
}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")  # fmt: skip
    handler = functools.partial(QuietHandler, directory=str(HERE))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory(prefix="sokbo-demo-") as tmp:
        settings = Settings(
            database=DatabaseSettings(url=f"sqlite:///{tmp}/demo.db"),
            feeds=FeedSettings(
                sources=tuple(FeedSource(name=n, url=f"{base}/{p}") for n, p in FEEDS.items())
            ),
        )
        app = App.build(settings)
        try:
            app.migrate()
            print(f"sokbo demo: polling {len(FEEDS)} sample feeds served at {base}/feeds/\n")
            report = asyncio.run(app.poll_once())
            asyncio.run(app.after_poll(report))
        finally:
            app.engine.dispose()
            server.shutdown()
            server.server_close()
    for outcome in report.outcomes:
        state = outcome.error or f"{outcome.new} new items"
        print(f"{outcome.feed.name}: {outcome.status} — {state}")
    print(f"\n{len(report.new)} articles stored and printed; {len(report.failed)} feeds failed.")
    return 0 if not report.failed else 1


if __name__ == "__main__":
    sys.exit(main())
