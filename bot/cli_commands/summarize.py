"""``sokbo summarize PATH|URL|-``: one document's digest, as text or JSON (prompt checks)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

import httpx

from bot.app import App
from bot.documents import build_document
from bot.summarize import build_summarizer, uses_llm
from bot.types import Summary


def _read(source: str, app: App) -> tuple[str, str]:
    """(raw text, url) of a path, an http(s) URL or ``-`` (stdin)."""
    if source == "-":
        return sys.stdin.read(), ""
    if source.startswith(("http://", "https://")):
        response = httpx.get(
            source,
            follow_redirects=True,
            timeout=app.settings.feeds.total_timeout,
            headers={"user-agent": app.settings.feeds.user_agent},
        )
        response.raise_for_status()
        return response.text, str(response.url)
    return Path(source).read_text(encoding="utf-8", errors="replace"), ""


def render_text(
    summary: Summary, published_at: datetime | None, now: datetime, source: str = ""
) -> str:
    """Through the console renderer (bot/render/text.py), as a chat would show it. The
    header is Korean: who issued it (the release's 부처 or first agency, else 보도자료) and
    when it was published (its 배포/보도시점), ``시각 미상`` when it says nothing; no
    ``[속보]`` on an old release."""
    from bot.agencies import full_name
    from bot.locales import t
    from bot.messages import Alert
    from bot.render.text import render_alert

    issuer = source or (full_name(summary.agencies[0]) if summary.agencies else "")
    alert = Alert(
        story_id=0,
        summary=summary,
        source=issuer or t("ko", "render.release"),
        published_at=published_at or now,
        url=summary.source_url,
    )
    return render_alert(alert, now=now, time_known=published_at is not None)


def cmd_summarize(app: App, args: argparse.Namespace) -> int:
    try:
        raw, url = _read(args.source, app)
    except (OSError, httpx.HTTPError) as e:
        print(f"cannot read {args.source}: {e}", file=sys.stderr)
        return 1
    doc = build_document(raw, url=url)
    if not doc.text.strip() and not doc.title.strip():
        print(f"nothing to summarize: {args.source} has no text", file=sys.stderr)
        return 1
    summarizer = build_summarizer(app.settings, app.engine, app.clock)
    if uses_llm(summarizer):
        app.migrate()  # the LLM cache and token budget live in the database

    async def run() -> Summary:
        try:
            return await summarizer.summarize(doc)
        finally:
            if uses_llm(summarizer):
                await summarizer.close()

    summary = asyncio.run(run())
    if args.format == "json":
        print(summary.model_dump_json(indent=2))
    else:
        print(render_text(summary, doc.published_at, app.clock.now(), doc.organization or ""))
    return 0
