"""Digest every input of bench/digest.py with the code of the current directory's ``bot``.

Run by bench/digest.py twice: in this checkout (the new code) and, as a subprocess, in a
worktree of the baseline commit with its own venv (``cwd`` = that worktree). It only uses
what both versions have: ``bot.feeds.parse.parse_feed`` for the feed path (exactly what ingest
does with a feed item), the ingest contact extractor, and ``ExtractiveSummarizer`` over a
``Document`` of the stored article text — the path a story takes to a chat.

stdin: JSON list of {key, kind: "feed"|"markdown", title, body}; stdout: JSON {key: result}.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from datetime import UTC, datetime
from xml.sax.saxutils import escape

sys.path.insert(0, os.getcwd())

from bot.documents.contacts import extract_contacts
from bot.feeds.parse import parse_feed
from bot.summarize.base import Document
from bot.summarize.extractive import ExtractiveSummarizer

NOW = datetime(2026, 4, 30, tzinfo=UTC)


def feed_xml(title: str, body_html: str, author: str = "", feed: str = "정책브리핑") -> bytes:
    item = (
        f"<item><title>{escape(title)}</title><link>https://www.korea.kr/briefing/x</link>"
        f"<guid>x</guid><pubDate>Thu, 16 Apr 2026 03:00:00 GMT</pubDate>"
        + (f"<author>{escape(author)}</author>" if author else "")
        + f"<description>{escape(body_html)}</description></item>"
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(feed)}</title><link>https://www.korea.kr</link>{item}</channel></rss>"
    ).encode()


_DOC_FIELDS = {f.name for f in dataclasses.fields(Document)}


def run_one(summarizer: ExtractiveSummarizer, item: dict[str, str]) -> dict[str, object]:
    start = time.perf_counter()
    stored: tuple[object, ...]
    if item["kind"].startswith("feed"):
        author, feed = item.get("author", ""), item.get("feed", "") or "정책브리핑"
        parsed = parse_feed(
            feed_xml(item["title"], item["body"], author, feed),
            feed_id=1,
            base_url="https://x",
            now=NOW,
        )
        article = parsed.articles[0]
        stored = tuple(extract_contacts(article.text))  # what ingest stores
        extra: dict[str, object] = {"source": feed, "published_at": article.published_at}
        if "author" in _DOC_FIELDS:  # the baseline's Document has no author
            extra["author"] = getattr(article, "author", "")
        doc = Document(title=article.title, text=article.text, url=article.url, **extra)  # type: ignore[arg-type]
        summary = summarizer.summarize_now(doc)
        contacts = list(summary.contacts)
    else:
        stored = ()
        doc = Document(title="", text=item["body"])
        try:  # the new code reads files through its Document builder, as `sokbo summarize`
            from bot.documents import build_document  # type: ignore[import-not-found,unused-ignore]

            doc = build_document(item["body"])
        except ImportError:
            from bot.summarize.source import read_document

            doc = read_document(item["body"])
        summary = summarizer.summarize_now(doc)
        contacts = list(summary.contacts)
    seconds = time.perf_counter() - start
    return {
        "headline": summary.headline,
        "bullets": list(summary.bullets),
        "dates": [[d.label, d.value] for d in summary.key_dates],
        "amounts": [[a.label, a.value] for a in summary.amounts],
        "contacts": [dataclasses.asdict(c) for c in contacts],
        "agencies": list(summary.agencies),
        "regions": list(summary.regions),
        "topics": list(summary.topics),
        "stored": [dataclasses.asdict(c) for c in stored],
        "seconds": seconds,
    }


def main() -> None:
    items = json.load(sys.stdin)
    summarizer = ExtractiveSummarizer()
    summarizer.summarize_now(Document(title="준비", text="정부는 사업을 시작했다."))  # warm up
    out = {item["key"]: run_one(summarizer, item) for item in items}
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
