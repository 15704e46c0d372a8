"""make bench-grouping: quality of near-duplicate grouping, and its cost at scale.

Quality (bench/grouping_quality.py): B-cubed precision/recall/F1 and hard-negative merges on
labelled real coverage, dev and held-out, "exact" (the grouping before issue 20) beside
"near"; also a stress run with every date made the same (content alone must separate).

Scale: the store's assign_pending over a batch of new articles with 10k / 100k / 1M stored
articles on SQLite and PostgreSQL: milliseconds per new article and the peak of Python
allocations, with the ratio to 10k. Stored rows are synthetic and bulk-inserted (an arrival
rate of ARRIVALS_PER_DAY, 16 band keys and 3 figure keys each); a share of them sits under
the new articles' own keys so the per-key bounded reads are exercised, not only probed.

    python bench/grouping.py [--sizes 10000,100000,1000000] [--engines sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from grouping_quality import CACHE, bcubed, group, load_pages, same_day

from bot.store import create_engine
from bot.store.migrate import upgrade
from bot.store.schema import articles, feeds, stories
from bot.store.stories import assign_pending
from bot.story_features import bucket_keys, story_features

PG_ADMIN = os.environ.get("SOKBO_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ARRIVALS_PER_DAY = 3000
BATCH = 200
NOW = datetime(2026, 4, 20, 0, 0, tzinfo=UTC)


# --- quality ---------------------------------------------------------------------------


def quality() -> None:
    pages = load_pages()
    if pages is None:
        print(
            f"quality: SKIPPED — the page cache {CACHE.relative_to(CACHE.parents[2])} is absent.\n"
            "  The labels (bench/data/grouping_labels.json) are committed, the outlets' texts\n"
            "  are not; fill the cache as docs/architecture.md says to measure quality."
        )
        return
    print(f"quality on {len(pages)} labelled pages of real coverage")
    print(
        f"{'set':9} {'dates':9} {'grouping':8} {'P':>6} {'R':>6} {'F1':>6} "
        "stories/events hard-merged"
    )
    for split in ("dev", "heldout"):
        part = [p for p in pages if p.split == split]
        for label, ps in (("real", part), ("same-day", same_day(part))):
            for near in (False, True):
                q = bcubed(ps, group(ps, near=near))
                print(
                    f"{split:9} {label:9} {'near' if near else 'exact':8} {q.precision:6.3f} "
                    f"{q.recall:6.3f} {q.f1:6.3f} {q.stories:>7}/{q.events:<6} "
                    f"{q.hard_merged}/{q.hard_pairs}"
                )
    print("targets (real dates, held-out): P >= 0.97, F1 >= 0.90, hard negatives merged 0")


# --- scale -----------------------------------------------------------------------------

_TEMPLATES = (
    "{x}부는 {n}개 기업을 대상으로 {a}억원 규모의 {w} {y} 사업 참여기업을 모집한다고 밝혔다.",
    "{x}부는 {w} 분야 {n}개 과제에 {a}억원을 투자해 {y} 기반을 넓힌다고 밝혔다.",
    "{m}월 {w} 동향에 따르면 {y} 취업자는 {n}만명으로 {a}천명 늘었다.",
    "{x}부는 {w} {y} 행사를 {m}월 {n}일까지 열고 최대 {a}% 할인한다고 밝혔다.",
)


def _vocabulary(rng: random.Random, size: int = 800) -> list[str]:
    """Made-up two- and three-syllable nouns, so batches are not near duplicates."""
    return [
        "".join(chr(0xAC00 + rng.randrange(11172)) for _ in range(rng.choice((2, 3))))
        for _ in range(size)
    ]


def _new_articles(rng: random.Random, count: int) -> list[tuple[str, str]]:
    words = _vocabulary(rng)
    out = []
    for i in range(count):
        sentences = [
            t.format(
                x=rng.choice(words), w=rng.choice(words), y=rng.choice(words),
                n=rng.randint(10, 999), a=rng.randint(10, 9999), m=rng.randint(1, 12),
            )
            for t in rng.sample(_TEMPLATES, 3)
        ]  # fmt: skip
        out.append((f"{rng.choice(words)} {rng.choice(words)} 소식 {i}호", " ".join(sentences)))
    return out


def _seed(engine: sa.Engine, size: int, hot_keys: list[int], rng: random.Random) -> None:
    """``size`` stored articles (with stories, features and index keys), fast."""
    feature_json = '{"w":["합성","기사"],"f":[],"a":[],"s":[]}'
    span = timedelta(days=size / ARRIVALS_PER_DAY)
    start = NOW - span
    with engine.begin() as conn:
        conn.execute(
            feeds.insert().values(id=1, name="합성 피드", url="https://x.kr/rss", created_at=NOW)
        )
    chunk = 20_000
    for base in range(0, size, chunk):
        n = min(chunk, size - base)
        times = [start + span * ((base + i) / size) for i in range(n)]
        story_rows = [
            {"id": base + i + 1, "title": f"t{base + i}", "url": f"https://x.kr/{base + i}",
             "canonical_url": f"https://x.kr/{base + i}", "norm_title": f"t{base + i}",
             "content_hash": f"{base + i:064x}", "first_seen_at": times[i],
             "published_at": times[i], "source_count": 1, "primary_article_id": base + i + 1}
            for i in range(n)
        ]  # fmt: skip
        article_rows = [
            {"id": base + i + 1, "feed_id": 1, "guid": str(base + i),
             "url": f"https://x.kr/{base + i}", "title": f"t{base + i}", "text": "합성 기사",
             "published_at": times[i],
             "fetched_at": times[i], "content_hash": f"{base + i:064x}", "story_id": base + i + 1}
            for i in range(n)
        ]  # fmt: skip
        key_rows = []
        for i in range(n):
            keys = [rng.getrandbits(62) for _ in range(19)]
            if hot_keys and times[i] > NOW - timedelta(days=14) and rng.random() < 0.05:
                keys[0] = rng.choice(hot_keys)
            key_rows.extend((k, base + i + 1, times[i]) for k in keys)
        with engine.begin() as conn:
            conn.execute(stories.insert(), story_rows)
            conn.execute(articles.insert(), article_rows)
            conn.execute(
                sa.text("INSERT INTO article_features (article_id, features) VALUES (:a, :f)"),
                [{"a": base + i + 1, "f": feature_json} for i in range(n)],
            )
            if conn.dialect.name == "postgresql":
                raw = conn.connection.driver_connection
                assert raw is not None
                with raw.cursor().copy(  # type: ignore[attr-defined]
                    "COPY grouping_keys (key, article_id, published_at) FROM STDIN"
                ) as copy:
                    for row in key_rows:
                        copy.write_row(row)
            else:
                conn.execute(
                    sa.text("INSERT INTO grouping_keys VALUES (:k, :a, :p)"),
                    [{"k": k, "a": a, "p": p} for k, a, p in key_rows],
                )
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for table in ("articles", "stories"):
                conn.execute(
                    sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {size + 1})")
                )
        conn.execute(sa.text("ANALYZE"))


def _measure(engine: sa.Engine, batch: list[tuple[str, str]], offset: int) -> tuple[float, float]:
    with engine.begin() as conn:
        conn.execute(
            articles.insert(),
            [
                {"feed_id": 1, "guid": f"new-{offset}-{i}", "url": f"https://news.kr/{offset}/{i}",
                 "title": title, "text": text, "published_at": NOW, "fetched_at": NOW,
                 "content_hash": hashlib.sha256(text.encode()).hexdigest()}
                for i, (title, text) in enumerate(batch)
            ],
        )  # fmt: skip
    tracemalloc.start()
    started = time.perf_counter()
    report = assign_pending(engine, NOW)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(report.new_story_ids) + report.near_joined + len(report.merged_story_ids) > 0
    return seconds * 1000 / len(batch), peak / 1e6


def _engine_for(kind: str, size: int) -> tuple[sa.Engine, object]:
    if kind == "sqlite":
        folder = tempfile.TemporaryDirectory(prefix="sokbo-bench-grouping-")
        return create_engine(f"sqlite:///{folder.name}/g{size}.db"), folder
    name = f"bench_grouping_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    return create_engine(url), (admin, name)


def _drop(kind: str, engine: sa.Engine, handle: object) -> None:
    engine.dispose()
    if kind == "sqlite":
        handle.cleanup()  # type: ignore[attr-defined]
    else:
        admin, name = handle  # type: ignore[misc]
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))


def scale(sizes: list[int], kinds: list[str], rounds: int) -> None:
    rng = random.Random(20)
    batches = [_new_articles(rng, BATCH) for _ in range(rounds)]
    # Warm the tagger so the first measurement does not pay for loading it.
    story_features(*batches[0][0])
    hot = sorted({k for b in batches for t, x in b for k in bucket_keys(story_features(t, x))})
    print(
        f"\nscale: assign_pending over batches of {BATCH} new articles, median of {rounds} "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print(
        f"{'engine':11} {'stored':>9} {'seed s':>7} {'ms/article':>10} {'ratio':>6} {'peak MB':>8}"
    )
    for kind in kinds:
        base: float | None = None
        for size in sizes:
            engine, handle = _engine_for(kind, size)
            try:
                upgrade(engine)
                started = time.perf_counter()
                _seed(engine, size, hot, rng)
                seeded = time.perf_counter() - started
                figures = [_measure(engine, b, i) for i, b in enumerate(batches)]
            finally:
                _drop(kind, engine, handle)
            per = sorted(f[0] for f in figures)[len(figures) // 2]
            peak = max(f[1] for f in figures)
            base = base or per
            print(
                f"{kind:11} {size:>9,} {seeded:>7.0f} {per:>10.2f} {per / base:>6.2f} {peak:>8.1f}",
                flush=True,
            )
    print("target: ms/article at 1M <= 2 x at 10k")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-scale", action="store_true", help="quality only")
    args = parser.parse_args()
    quality()
    if not args.no_scale:
        scale([int(s) for s in args.sizes.split(",")], args.engines.split(","), args.rounds)


if __name__ == "__main__":
    main()
