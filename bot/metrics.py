"""Prometheus metrics: counters moved where things happen, gauges read from the store.

Counters live in one registry per process (:data:`REGISTRY`) and are moved by one-line hooks
in the modules where the events happen (poll cycle, summaries, LLM calls, deliveries,
commands). What the database already knows — feeds by state, articles and stories stored,
the outbox's depth and oldest pending row — is read at scrape time by
:class:`StoreCollector`, so it is right across several instances sharing PostgreSQL.
``/metrics`` (bot/web) renders the registry in the Prometheus text format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from bot.store.stats import store_counts

if TYPE_CHECKING:
    from bot.feeds.poll import CycleReport

# No *_created series: they double the output and nobody reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)  # process_resident_memory_bytes, cpu, open fds
PlatformCollector(registry=REGISTRY)

POLL_CYCLES = Counter("sokbo_poll_cycles", "Poll cycles finished", registry=REGISTRY)
POLL_SECONDS = Histogram(
    "sokbo_poll_cycle_seconds",
    "Duration of a poll cycle (fetch, parse, store)",
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
    registry=REGISTRY,
)
POLL_FEEDS = Counter("sokbo_poll_feeds", "Feeds polled, by result", ["status"], registry=REGISTRY)
LAST_POLL = Gauge(
    "sokbo_last_poll_cycle_timestamp_seconds",
    "When this process last finished a poll cycle (Unix time)",
    registry=REGISTRY,
)
SUMMARIES = Counter("sokbo_summaries", "Story digests made, by path", ["path"], registry=REGISTRY)
SUMMARY_EVENTS = Counter(
    "sokbo_summary_events",
    "Grounding repairs and fallbacks of LLM digests, by kind (e.g. phone_dropped)",
    ["kind"],
    registry=REGISTRY,
)
LLM_CALLS = Counter("sokbo_llm_calls", "Answered LLM completions", registry=REGISTRY)
LLM_TOKENS = Counter(
    "sokbo_llm_tokens", "LLM tokens used, by direction", ["direction"], registry=REGISTRY
)
DELIVERIES = Counter(
    "sokbo_deliveries",
    "Delivery attempts, by platform and outcome (sent, retry, deferred, gone, migrated)",
    ["platform", "outcome"],
    registry=REGISTRY,
)
COMMANDS = Counter("sokbo_commands", "Chat commands handled, by platform", ["platform"],
                   registry=REGISTRY)  # fmt: skip
WEB_REQUESTS = Counter(
    "sokbo_web_requests", "Web requests answered, by page and status", ["page", "status"],
    registry=REGISTRY,
)  # fmt: skip


def observe_cycle(report: CycleReport) -> None:
    """One poll cycle: its duration and each feed's result (ok, not_modified, unchanged: the
    same bytes as the last answer stored, not parsed; partial, failed)."""
    POLL_CYCLES.inc()
    POLL_SECONDS.observe(max(0.0, (report.finished_at - report.started_at).total_seconds()))
    for outcome in report.outcomes:
        POLL_FEEDS.labels(outcome.status).inc()
    LAST_POLL.set(report.finished_at.timestamp())


def count_summary_event(kind: str) -> None:
    """One grounding repair or fallback (a closed set of kinds: bounded cardinality)."""
    SUMMARY_EVENTS.labels(kind).inc()


def summary_path(summarizer_used: str, configured: str) -> str:
    """``llm`` (the LLM's digest), ``extractive`` (no LLM configured) or ``fallback`` (an LLM
    is configured but this digest is the extractive one)."""
    if summarizer_used != "extractive":
        return "llm"
    return "extractive" if configured == "extractive" else "fallback"


def count_summary(summarizer_used: str, configured: str) -> None:
    SUMMARIES.labels(summary_path(summarizer_used, configured)).inc()


def count_llm_call(input_tokens: int, output_tokens: int) -> None:
    LLM_CALLS.inc()
    LLM_TOKENS.labels("input").inc(max(0, input_tokens))
    LLM_TOKENS.labels("output").inc(max(0, output_tokens))


def count_delivery(platform: str, outcome: str) -> None:
    DELIVERIES.labels(platform, outcome).inc()


def count_command(platform: str) -> None:
    COMMANDS.labels(platform).inc()


class StoreCollector(Collector):
    """Gauges read from the database at each scrape (read-only, a few indexed counts)."""

    def __init__(self, engine: Engine, now: Callable[[], datetime]) -> None:
        self.engine = engine
        self.now = now

    def describe(self) -> list[GaugeMetricFamily]:
        return []  # collected lazily: registering must not touch the database

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = store_counts(self.engine)
        family = GaugeMetricFamily("sokbo_feeds", "Feeds by state", labels=["state"])
        for state, count in counts.feeds.items():
            family.add_metric([state], count)
        yield family
        yield GaugeMetricFamily("sokbo_articles", "Articles stored", value=counts.articles)
        family = GaugeMetricFamily("sokbo_stories", "Stories stored", labels=["summarized"])
        family.add_metric(["yes"], counts.summarized)
        family.add_metric(["no"], counts.stories - counts.summarized)
        yield family
        yield GaugeMetricFamily(
            "sokbo_outbox_depth", "Deliveries not yet sent or given up", value=counts.outbox_depth
        )
        oldest = counts.oldest_pending
        age = max(0.0, (self.now() - oldest).total_seconds()) if oldest else 0.0
        yield GaugeMetricFamily(
            "sokbo_outbox_oldest_pending_seconds",
            "Age of the oldest delivery not yet sent (0 when none)",
            value=age,
        )
