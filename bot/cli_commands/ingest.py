"""Handlers of the ``sokbo`` subcommands: read arguments, call the domain, print.

Each returns the process exit status. Named ``cmd_<command>[_<action>]``.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime

from bot.app import App
from bot.clock import KST
from bot.errors import FeedError
from bot.feeds.fetch import Fetcher
from bot.feeds.parse import parse_feed
from bot.feeds.poll import CycleReport
from bot.sources.health import feed_health
from bot.sources.openapi import fetch_articles, is_openapi
from bot.store import feeds as feed_store
from bot.store.sqlite_lock import AlreadyRunning
from bot.store.stories import article_story_ids
from bot.types import Article, Feed

Handler = Callable[[App, argparse.Namespace], int]


def _closing(handler: Handler) -> Handler:
    """Release the database connections when a one-shot command ends."""

    @functools.wraps(handler)
    def run(app: App, args: argparse.Namespace) -> int:
        try:
            return handler(app, args)
        finally:
            app.engine.dispose()

    return run


@_closing
def cmd_db_upgrade(app: App, args: argparse.Namespace) -> int:
    """Say what was done: each migration applied, or that there was nothing to do."""
    applied = app.migrate()
    url = app.engine.url.render_as_string(hide_password=True)
    if not applied:
        print(f"database {url} is up to date; no migrations to apply")
        return 0
    print(f"applied {len(applied)} migration{'s' if len(applied) > 1 else ''} to {url}:")
    for migration in applied:
        print(f"  {migration.revision}  {migration.title}")
    return 0


def services_line(app: App) -> str:
    """One line: what ``sokbo run`` is about to serve, what is off and why."""
    settings = app.settings
    secrets = settings.secrets
    parts = [f"{len(settings.feeds.sources)} feeds every {settings.feeds.poll_interval:g} s"]
    parts.append("console on")
    parts.append(
        f"Telegram on ({settings.telegram.mode})"
        if "telegram" in app.adapters
        else "Telegram off (no TELEGRAM_BOT_TOKEN)"
    )
    if "slack" not in app.adapters:
        parts.append("Slack off (no SLACK_BOT_TOKEN)")
    elif secrets.slack_app_token:
        parts.append("Slack on (Socket Mode)")
    elif secrets.slack_signing_secret:
        parts.append(
            f"Slack on (http://{settings.slack.listen}:{settings.slack.port}/slack/events)"
        )
    else:
        parts.append("Slack sending only (no SLACK_SIGNING_SECRET or SLACK_APP_TOKEN to listen)")
    web = getattr(settings, "web", None)
    if web is not None:
        enabled = getattr(web, "enabled", True)
        parts.append(f"web on http://{web.listen}:{web.port}" if enabled else "web off")
    parts.append(
        f"LLM summaries ({settings.llm.model})"
        if secrets.openai_api_key
        else "offline summaries (no OPENAI_API_KEY)"
    )
    return "sokbo: running — " + ", ".join(parts)


def cmd_run(app: App, args: argparse.Namespace) -> int:
    try:
        app.claim_database()  # before anything is said: a second run on one file stops here
    except AlreadyRunning as e:
        print(f"sokbo: {e}", file=sys.stderr)
        return 1
    print(services_line(app), file=sys.stderr)
    print(
        'sokbo: try a chat command in another terminal: sokbo chat console:me "/subscribe 반도체"'
        " (Ctrl-C stops the bot)",
        file=sys.stderr,
    )
    asyncio.run(app.run())
    return 0


class _CycleReportsFeeds(logging.Filter):
    """While ``poll --once`` prints one line per failed or partly read feed, the ingest
    log's own line for the same feed is dropped: one line per feed, not two."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.levelno == logging.WARNING
            and isinstance(record.msg, str)
            and record.msg.startswith(("feed %d %s failed", "feed %d %s: %s"))
        )


@_closing
def cmd_poll(app: App, args: argparse.Namespace) -> int:
    """One cycle over every enabled feed, through the pipeline (stories, digests, search index,
    matching); in text each new story's digest is printed, in jsonl each new item. Exit 1 when
    no feed could be read."""
    if not args.once:
        print(
            "sokbo poll: add --once to poll every feed one time now (sokbo poll --once); "
            "to keep polling on a schedule, run: sokbo run",
            file=sys.stderr,
        )
        return 2
    app.migrate()

    reports: list[CycleReport] = []

    async def cycle() -> None:
        # Not the task's result: leaving asyncio.run, Python 3.11 formats repr(main task) when
        # it restores the SIGINT handler, and a report of 40,000 new articles made that a
        # ~500 MB string (a cold 2,000-feed cycle peaked at 995 MB instead of ~450 MB).
        # jsonl prints the new items at the end; otherwise only their counts are needed, and a
        # cold cycle's bodies (~6 KB each, 40,000 at 2,000 feeds) are let go feed by feed as
        # they are stored, not held through the cycle and the pipeline, its memory peak
        reports.append(await app.poll_once(keep_items=args.format == "jsonl"))
        await app.process_pending(print_stories=args.format == "text")

    quiet = _CycleReportsFeeds()
    ingest_log = logging.getLogger("bot.feeds.poll")
    ingest_log.addFilter(quiet)
    try:
        asyncio.run(cycle())
    finally:
        ingest_log.removeFilter(quiet)
    report = reports[0]
    if args.format == "jsonl":
        story_of = article_story_ids(app.engine, [a.id for a in report.new if a.id is not None])
        for article in report.new:
            record = _item_record(article, report)
            record["story"] = story_of.get(article.id or 0)
            print(json.dumps(record, ensure_ascii=False))
    _print_cycle(report)
    if not report.outcomes:
        print("sokbo: no feeds to poll (add one with: sokbo feeds add URL)", file=sys.stderr)
        return 1
    return 1 if len(report.failed) == len(report.outcomes) else 0


def _item_record(article: Article, report: CycleReport) -> dict[str, object]:
    """One new item for machines: ISO 8601 time with zone, contacts when known."""
    record: dict[str, object] = {
        "id": article.id,
        "feed": report.feed_name(article.feed_id),
        "feed_id": article.feed_id,
        "title": article.title,
        "url": article.url,
        "published": article.published_at.astimezone(KST).isoformat(),
        "text": article.text,
    }
    if article.contacts:
        record["contacts"] = [{k: v for k, v in asdict(c).items() if v} for c in article.contacts]
    return record


def _print_cycle(report: CycleReport) -> None:
    for outcome in report.failed:
        print(
            f"sokbo: feed {outcome.feed.id} {outcome.feed.name}: {outcome.error}", file=sys.stderr
        )
    for outcome in report.outcomes:
        if outcome.status == "partial":
            print(
                f"sokbo: feed {outcome.feed.id} {outcome.feed.name} (partly read): {outcome.error}",
                file=sys.stderr,
            )
    print(
        f"polled {len(report.outcomes)} feeds: {report.new_count} new, {report.edited_count} "
        f"edited, {report.unchanged_count} unchanged, {len(report.failed)} failed",
        file=sys.stderr,
    )


def _when(value: datetime | None) -> str:
    return value.astimezone(KST).strftime("%Y-%m-%d %H:%M KST") if value else "never"


@_closing
def cmd_feeds_list(app: App, args: argparse.Namespace) -> int:
    app.migrate()
    feed_store.sync_sources(app.engine, app.settings.feeds.sources, app.clock.now())
    feeds = feed_store.list_feeds(app.engine)
    if not feeds:
        print("no feeds (add one with: sokbo feeds add NAME|URL; see: sokbo feeds catalog)")
    now = app.clock.now()
    for feed in feeds:
        health = feed_health(feed, now)
        print(f"[{feed.id}] {feed.name}  {feed.url}")
        print(f"    status:       {health.in_words(feed)}")
        if health.notice:
            print(f"    notice:       {health.notice}")
        print(f"    last success: {_when(feed.last_success_at)}")
        if feed.last_error:
            recovered = (
                feed.last_success_at is not None
                and feed.last_error_at is not None
                and feed.last_success_at > feed.last_error_at
            )
            after = ", recovered since" if recovered else ""
            print(f"    last error:   {feed.last_error} ({_when(feed.last_error_at)}{after})")
        else:
            print("    last error:   none")
        if feed.enabled:
            print(f"    next poll:    {_when(feed.next_poll_at) if feed.next_poll_at else 'now'}")
    return 0


@_closing
def cmd_feeds_remove(app: App, args: argparse.Namespace) -> int:
    app.migrate()
    outcome = feed_store.remove_feed(app.engine, args.id)
    if outcome == "missing":
        print(f"sokbo: no feed with id {args.id} (see: sokbo feeds list)", file=sys.stderr)
        return 1
    if outcome == "disabled":
        print(f"feed {args.id} removed from polling; its articles stay in the archive")
    else:
        print(f"feed {args.id} removed")
    return 0


@_closing
def cmd_feeds_check(app: App, args: argparse.Namespace) -> int:
    """Fetch and parse every enabled feed now, without conditional GET; store nothing."""
    app.migrate()
    feed_store.sync_sources(app.engine, app.settings.feeds.sources, app.clock.now())
    feeds = feed_store.list_feeds(app.engine, include_disabled=False)
    results = asyncio.run(_check(app, feeds))
    for _, line in results:
        print(line)
    return 0 if all(ok for ok, _ in results) else 1


async def _check(app: App, feeds: list[Feed]) -> list[tuple[bool, str]]:
    async with Fetcher(app.settings.feeds) as fetcher:

        async def one(feed: Feed) -> tuple[bool, str]:
            label = f"[{feed.id}] {feed.name}"
            if is_openapi(feed.url):
                key = app.settings.secrets.data_go_kr_service_key
                try:
                    items, warning = await fetch_articles(fetcher, feed, key, app.clock.now())
                except FeedError as e:
                    return False, f"{label} FAILED: {e}"
                note = f" (warning: {warning})" if warning else ""
                return True, f"{label} ok: {len(items)} releases (정책브리핑 OpenAPI){note}"
            try:
                result = await fetcher.fetch(feed.url)
            except FeedError as e:
                return False, f"{label} FAILED: {e}"
            parsed = parse_feed(
                result.body,
                feed_id=feed.id,
                base_url=result.url,
                now=app.clock.now(),
                headers=result.headers,
            )
            if not parsed.articles and parsed.error:
                return False, f"{label} FAILED: {parsed.error}"
            note = f" (warning: {parsed.error})" if parsed.error else ""
            return True, f"{label} ok: {len(parsed.articles)} items, {len(result.body)} bytes{note}"

        return list(await asyncio.gather(*(one(feed) for feed in feeds)))
