"""make bench-fanout: one story → 10,000 chats, from matching to "sent", SQLite and PostgreSQL.

Delivered through an adapter that only counts (no network), so the figures are the core's
own cost. Also: matching 10,000 chats × 1,000 stories with the inverted index vs. checking
every chat's rules one by one, and a naive one-row-per-transaction outbox as the baseline.
The machine is shared: figures are noisy; each is the median of the runs shown.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.clock import SystemClock
from bot.config import DeliverySettings
from bot.korean import tokens
from bot.matching import Matcher, Rules, matches, story_facts
from bot.messages import Message
from bot.outbox import Outbox
from bot.pipeline import match_pending
from bot.store import create_engine
from bot.store.migrate import upgrade
from bot.store.schema import chats, deliveries, rules, stories
from bot.topics import DEFAULT_TAXONOMY
from bot.types import ChatRef, SendResult, Summary

CHATS = 10_000
PG_ADMIN = os.environ.get("SOKBO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


class CountingAdapter:
    platform = "bench"

    def __init__(self) -> None:
        self.count = 0

    async def send(self, chat: ChatRef, message: Message) -> SendResult:
        self.count += 1
        return SendResult.sent()


def rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def seed(url: str, n: int) -> None:
    """n chats following 반도체 (plus noise rules), one summarized, unmatched story."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            chats.insert(),
            [
                {"platform": "bench", "chat_id": str(i), "thread_id": "", "created_at": now}
                for i in range(n)
            ],
        )
        pks = conn.execute(sa.select(chats.c.id)).scalars().all()
        conn.execute(
            rules.insert(),
            [{"chat_id": pk, "kind": "keyword", "value": "반도체", "created_at": now} for pk in pks]
            + [{"chat_id": pk, "kind": "topic", "value": "AI", "created_at": now} for pk in pks],
        )
        summary = Summary(
            headline="반도체 지원 확대", bullets=["시스템반도체를 키운다"], topics=["반도체"]
        )
        conn.execute(
            stories.insert().values(
                title="반도체 지원 확대",
                url="https://example.kr/1",
                canonical_url="https://example.kr/1",
                norm_title="반도체지원확대",
                content_hash="x",
                first_seen_at=now,
                published_at=now,
                summary=summary.model_dump_json(),
                summarized_at=now,
            )
        )
    engine.dispose()


async def drain(url: str, settings: DeliverySettings) -> int:
    engine = create_engine(url)
    adapter = CountingAdapter()
    outbox = Outbox(engine, {"bench": adapter}, SystemClock(), settings)
    while await outbox.drain_once():
        pass
    engine.dispose()
    return adapter.count


def drain_process(url: str) -> None:
    asyncio.run(drain(url, DeliverySettings(batch_size=500, workers=16)))


def fanout(url: str, processes: int = 1) -> tuple[float, float, int]:
    """Seconds from matching the story to every delivery sent, of which matching and
    enqueueing, and deliveries made."""
    engine = create_engine(url)
    start = time.perf_counter()
    _, created = match_pending(engine, datetime.now(UTC), limit=10)
    matched = time.perf_counter() - start
    if processes == 1:
        asyncio.run(drain(url, DeliverySettings(batch_size=500, workers=16)))
    else:
        ctx = multiprocessing.get_context("fork")
        procs = [ctx.Process(target=drain_process, args=(url,)) for _ in range(processes)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
    elapsed = time.perf_counter() - start
    with engine.connect() as conn:
        sent = conn.execute(
            sa.select(sa.func.count()).select_from(deliveries).where(deliveries.c.state == "sent")
        ).scalar_one()
    engine.dispose()
    assert sent == created == CHATS, (sent, created)
    return elapsed, matched, created


def naive(url: str, n: int) -> float:
    """Baseline: every delivery inserted, claimed, sent and marked in its own transactions."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    with engine.connect() as conn:
        pks = conn.execute(sa.select(chats.c.id).limit(n)).scalars().all()
        story = conn.execute(sa.select(stories.c.id)).scalar_one()
    adapter = CountingAdapter()
    start = time.perf_counter()
    for pk in pks:
        with engine.begin() as conn:
            conn.execute(
                deliveries.insert().values(
                    chat_id=pk, story_id=story, next_attempt_at=now, created_at=now
                )
            )
    while True:
        with engine.begin() as conn:
            row = conn.execute(
                sa.select(deliveries.c.id, deliveries.c.chat_id)
                .where(deliveries.c.state == "pending")
                .limit(1)
            ).first()
            if row is None:
                break
            conn.execute(
                deliveries.update().where(deliveries.c.id == row.id).values(state="sending")
            )
        asyncio.run(adapter.send(ChatRef("bench", str(row.chat_id)), None))  # type: ignore[arg-type]
        with engine.begin() as conn:
            conn.execute(deliveries.update().where(deliveries.c.id == row.id).values(state="sent"))
    elapsed = time.perf_counter() - start
    engine.dispose()
    return n / elapsed


def sqlite_url(folder: str, name: str) -> str:
    url = f"sqlite:///{folder}/{name}.db"
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def pg_database() -> tuple[str, str]:
    name = f"sokbo_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(False)
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    return name, url


def drop_pg(name: str) -> None:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def bench_matching() -> None:
    rng = random.Random(7)
    topics = list(DEFAULT_TAXONOMY.names)
    words = [
        "반도체",
        "양자",
        "딥테크",
        "특구",
        "수출",
        "청년",
        "스타트업",
        "배터리",
        "바이오",
        "데이터",
        "로봇",
        "우주",
        "탄소중립",
        "에너지",
        "모빌리티",
        "핀테크",
        "보안",
        "원전",
    ]
    agencies = ["과기정통부", "중기부", "산업부", "국토부", "고용부", "복지부"]
    chat_rules = {
        i: Rules(
            topics=frozenset(rng.sample(topics, 2)),
            keywords=frozenset(rng.sample(words, 2)),
            excludes=frozenset(rng.sample(words, 1)),
            agencies=frozenset(rng.sample(agencies, 1)),
        )
        for i in range(CHATS)
    }
    start = time.perf_counter()
    facts = []
    for s in range(1000):
        title = " ".join(rng.sample(words, 3)) + f" 지원 {s}호"
        summary = Summary(
            headline=title[:60],
            bullets=[f"{rng.choice(words)}를 키운다"],
            topics=rng.sample(topics, 2),
            agencies=[rng.choice(agencies)],
        )
        facts.append(story_facts(s, title, summary))
    facts_s = time.perf_counter() - start
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        matcher = Matcher(chat_rules)
        total = sum(len(matcher.chats_for(f)) for f in facts)
        runs.append(time.perf_counter() - start)
    indexed = statistics.median(runs)
    start = time.perf_counter()
    sample = facts[:50]
    naive_total = sum(1 for f in sample for r in chat_rules.values() if matches(r, f))
    naive_per_story = (time.perf_counter() - start) / len(sample)
    check = sum(len(matcher.chats_for(f)) for f in sample)
    assert check == naive_total
    print(
        f"matching 10,000 chats x 1,000 stories: {indexed:.2f} s with the index "
        f"(median of 3, incl. building it; {total:,} matches); story facts {facts_s:.2f} s"
    )
    print(
        f"  baseline (every chat's rules per story, measured on 50 stories): "
        f"{naive_per_story * 1000:.2f} s extrapolated → index is "
        f"{naive_per_story * 1000 / indexed:.1f}x faster"
    )


def report(label: str, runs: list[tuple[float, float, int]]) -> float:
    """Print the median rate of ``runs`` with each run's rate and its matching share."""
    rates = [n / elapsed for elapsed, _, n in runs]
    each = ", ".join(f"{n / e:,.0f} ({m:.2f} s matching)" for e, m, n in runs)
    print(f"{label}: {statistics.median(rates):,.0f} deliveries/s match→sent (median of 3: {each})")
    return statistics.median(rates)


def main() -> None:
    print(f"bench-fanout: {CHATS:,} chats, counting adapter (no network); shared 2-core machine")
    start = time.perf_counter()
    tokens("반도체를 키운다")  # load the model once, as a running bot has it loaded
    loaded = time.perf_counter() - start
    print(f"mecab-ko tagger load (once per process, not in the timings): {loaded:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        runs = []
        for run in range(3):
            url = sqlite_url(folder, f"fan{run}")
            seed(url, CHATS)
            runs.append(fanout(url))
        sqlite_rate = report("SQLite", runs)
        print(f"  peak RSS {rss_mb():.0f} MB")
        url = sqlite_url(folder, "naive")
        seed(url, 2000)
        base = naive(url, 2000)
        print(
            f"  baseline one-row-per-transaction loop (2,000 rows): {base:,.0f}/s → "
            f"{sqlite_rate / base:.1f}x"
        )
    for processes in (1, 3):
        runs = []
        for _ in range(3):
            name, url = pg_database()
            try:
                seed(url, CHATS)
                runs.append(fanout(url, processes))
            finally:
                drop_pg(name)
        report(f"PostgreSQL, {processes} worker process{'es' if processes > 1 else ''}", runs)
    name, url = pg_database()
    try:
        seed(url, 2000)
        base = naive(url, 2000)
        print(f"  PostgreSQL baseline one-row-per-transaction loop (2,000 rows): {base:,.0f}/s")
    finally:
        drop_pg(name)
    print(
        f"peak RSS: this process {rss_mb():.0f} MB (the mecab-ko dictionary included), "
        f"worker processes {rss_mb(resource.RUSAGE_CHILDREN):.0f} MB"
    )
    bench_matching()


if __name__ == "__main__":
    main()
