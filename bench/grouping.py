"""make bench-grouping: quality of near-duplicate grouping, and its cost at scale.

Quality (bench/grouping_quality.py): B-cubed precision/recall/F1 and hard-negative merges on
labelled real coverage, dev and held-out, "exact" (the grouping before issue 20) beside
"near"; also a stress run with every date made the same (content alone must separate).

Scale: the store's assign_pending over a batch of new articles with 10k / 100k / 1M stored
articles on SQLite and PostgreSQL: milliseconds per new article and the peak of Python
allocations, with the ratio to 10k. All sizes of an engine are seeded first and the rounds
alternate between them, so load from other processes falls on every size alike. Stored rows
are synthetic and bulk-inserted (an arrival rate of ARRIVALS_PER_DAY, 16 band keys and 3
figure keys each); a share of them sits under
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
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from grouping_quality import CACHE, bcubed, group, load_labels, load_pages, same_day

from bot.store import create_engine
from bot.store.migrate import upgrade
from bot.store.schema import article_features, articles, feeds
from bot.store.stories import assign_pending
from bot.story_features import StoryFeatures, bucket_keys, story_features

PG_ADMIN = os.environ.get("SOKBO_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ARRIVALS_PER_DAY = 3000
BATCH = 200
NOW = datetime(2026, 4, 20, 0, 0, tzinfo=UTC)


# --- quality ---------------------------------------------------------------------------


SPLITS = {
    "dev": ("dev",),
    "heldout": ("heldout",),
    "heldout-late": ("heldout-late",),
    "all-heldout": ("heldout", "heldout-late"),
    "heldout-2026-12": ("heldout-2026-12",),
    "heldout-2026-12b": ("heldout-2026-12b",),
}


def quality(only: tuple[str, ...] = ()) -> None:
    pages = load_pages()
    if pages is None:
        print(
            f"quality: SKIPPED — the page cache {CACHE.relative_to(CACHE.parents[2])} is absent.\n"
            "  The labels (bench/data/grouping_labels.json) are committed, the outlets' texts\n"
            "  are not; fill the cache as docs/architecture.md says to measure quality."
        )
        return
    labelled = Counter(label["split"] for label in load_labels())
    cached = Counter(p.split for p in pages)
    print(
        f"quality on {len(pages)} labelled pages of real coverage (cached/labelled: "
        + ", ".join(f"{s} {cached[s]}/{n}" for s, n in labelled.items())
        + "; figures are on the cached pages only)"
    )
    print(
        f"{'set':12} {'dates':9} {'grouping':8} {'P':>6} {'R':>6} {'F1':>6} "
        "stories/events hard-merged"
    )
    for split, names in SPLITS.items():
        if only and split not in only:
            continue
        part = [p for p in pages if p.split in names]
        for label, ps in (("real", part), ("same-day", same_day(part))):
            for near in (False, True):
                q = bcubed(ps, group(ps, near=near))
                print(
                    f"{split:12} {label:9} {'near' if near else 'exact':8} {q.precision:6.3f} "
                    f"{q.recall:6.3f} {q.f1:6.3f} {q.stories:>7}/{q.events:<6} "
                    f"{q.hard_merged}/{q.hard_pairs}"
                )
    print("targets (real dates, held-out): P >= 0.97, F1 >= 0.90, hard negatives merged 0")


# --- scale -----------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "tests" / "data" / "docs"


def _new_articles(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """``count`` new articles: the real documents of tests/data/docs in turn, each copy with
    its own first line, so a batch holds several routes of each release (exact keys differ,
    the near-duplicate path decides)."""
    docs = []
    for path in sorted(DOCS.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        lines = [line for line in lines if line and not line.startswith(("SOURCE", "---"))]
        docs.append((lines[0][:120], "\n".join(lines[1:])))
    out = []
    for i in range(count):
        title, text = docs[i % len(docs)]
        mark = rng.randrange(10**9)
        out.append((f"{title} ({mark})", f"{mark}번 소식입니다.\n{text}"))
    return out


def _stamp(when: datetime, postgres: bool) -> object:
    """A time as each engine's driver takes it in bulk (SQLAlchemy's SQLite text format)."""
    return when if postgres else when.strftime("%Y-%m-%d %H:%M:%S.%f")


def _seed(engine: sa.Engine, size: int, hot_keys: list[int], rng: random.Random) -> None:
    """``size`` stored articles (with stories, features and index keys), bulk-loaded.

    The index on grouping_keys is dropped during the load and built again after it, as a
    bulk import would; PostgreSQL loads with COPY, SQLite with executemany in one transaction.
    """
    span = timedelta(days=size / ARRIVALS_PER_DAY)
    start = NOW - span
    recent = NOW - timedelta(days=14)
    with engine.begin() as conn:
        conn.execute(
            feeds.insert().values(id=1, name="합성 피드", url="https://x.kr/rss", created_at=NOW)
        )
        conn.exec_driver_sql("DROP INDEX ix_grouping_keys_key_published")
    postgres = engine.dialect.name == "postgresql"
    chunk = 50_000
    for base in range(0, size, chunk):
        n = min(chunk, size - base)
        times = [_stamp(start + span * ((base + i) / size), postgres) for i in range(n)]
        story_rows = [
            (base + i + 1, f"t{base + i}", f"https://x.kr/{base + i}", f"https://x.kr/{base + i}",
             f"t{base + i}", f"{base + i:064x}", times[i], times[i], 1, base + i + 1)
            for i in range(n)
        ]  # fmt: skip
        article_rows = [
            (base + i + 1, 1, str(base + i), f"https://x.kr/{base + i}", f"t{base + i}",
             "합성 기사", times[i], times[i], f"{base + i:064x}", base + i + 1)
            for i in range(n)
        ]  # fmt: skip
        feature_rows = [(base + i + 1, '{"w":["합성","기사"]}') for i in range(n)]
        key_rows = []
        for i in range(n):
            keys = [rng.getrandbits(62) for _ in range(19)]
            when = start + span * ((base + i) / size)
            if hot_keys and when > recent and rng.random() < 0.05:
                keys[0] = rng.choice(hot_keys)
            key_rows.extend((k, base + i + 1, times[i]) for k in keys)
        story_cols = (
            "id, title, url, canonical_url, norm_title, content_hash, first_seen_at, "
            "published_at, source_count, primary_article_id"
        )
        article_cols = (
            "id, feed_id, guid, url, title, text, published_at, fetched_at, content_hash, story_id"
        )
        tables = (
            ("stories", story_cols, story_rows),
            ("articles", article_cols, article_rows),
            ("article_features", "article_id, features", feature_rows),
            ("grouping_keys", "key, article_id, published_at", key_rows),
        )
        with engine.begin() as conn:
            if postgres:
                raw = conn.connection.driver_connection
                assert raw is not None
                with raw.cursor() as cursor:  # type: ignore[attr-defined]
                    for table, cols, rows in tables:
                        with cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
            else:
                for table, cols, rows in tables:
                    marks = ", ".join("?" * (cols.count(",") + 1))
                    conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE INDEX ix_grouping_keys_key_published ON grouping_keys (key, published_at)"
        )
        if postgres:
            for table in ("articles", "stories"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {size + 1})"
                )
        conn.exec_driver_sql("ANALYZE")


def _measure(
    engine: sa.Engine, batch: list[tuple[str, str]], features: list[StoryFeatures], offset: int
) -> tuple[float, float]:
    """Milliseconds per article of one assign_pending over ``batch`` and its peak MB.

    The batch's features are stored first (as the cycle that fetched them would have): what
    is timed is the part whose cost could grow with the table, the lookups and decisions.
    The features' own cost, the same at any size, is measured once apart.
    """
    with engine.begin() as conn:
        rows = conn.execute(
            articles.insert().returning(articles.c.id),
            [
                {"feed_id": 1, "guid": f"new-{offset}-{i}", "url": f"https://news.kr/{offset}/{i}",
                 "title": title, "text": text, "published_at": NOW, "fetched_at": NOW,
                 "content_hash": hashlib.sha256(text.encode()).hexdigest()}
                for i, (title, text) in enumerate(batch)
            ],
        ).all()  # fmt: skip
        conn.execute(
            article_features.insert(),
            [
                {"article_id": r.id, "features": f.to_json()}
                for r, f in zip(rows, features, strict=True)
            ],
        )
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
    story_features(*batches[0][0])  # load the tagger before timing
    started = time.perf_counter()
    features = [[story_features(t, x) for t, x in b] for b in batches]
    per_features = (time.perf_counter() - started) * 1000 / (BATCH * rounds)
    hot = sorted({k for fs in features for f in fs for k in bucket_keys(f)})
    print(
        f"\nscale: assign_pending over batches of {BATCH} new articles (real releases of "
        f"tests/data/docs, several routes each), median of {rounds}; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"features (mecab-ko, MinHash; once per article, any table size): {per_features:.1f} ms "
        "per article"
    )
    print(
        f"{'engine':11} {'stored':>9} {'seed s':>7} {'ms/article':>10} {'ratio':>6} {'peak MB':>8}"
    )
    for kind in kinds:
        # Every size is seeded first, then the rounds alternate between the sizes, so a change
        # of the machine's load during the run falls on every size alike.
        seeded: dict[int, tuple[sa.Engine, object, float]] = {}
        try:
            for size in sizes:
                engine, handle = _engine_for(kind, size)
                seeded[size] = (engine, handle, 0.0)
                upgrade(engine)
                started = time.perf_counter()
                _seed(engine, size, hot, rng)
                seeded[size] = (engine, handle, time.perf_counter() - started)
            figures: dict[int, list[tuple[float, float]]] = {size: [] for size in sizes}
            for i, (b, f) in enumerate(zip(batches, features, strict=True)):
                for size in sizes:
                    figures[size].append(_measure(seeded[size][0], b, f, i))
        finally:
            for engine, handle, _ in seeded.values():
                _drop(kind, engine, handle)
        base: float | None = None
        for size in sizes:
            per = sorted(f[0] for f in figures[size])[len(figures[size]) // 2]
            peak = max(f[1] for f in figures[size])
            base = base or per
            print(
                f"{kind:11} {size:>9,} {seeded[size][2]:>7.0f} {per:>10.2f} {per / base:>6.2f} "
                f"{peak:>8.1f}",
                flush=True,
            )
    print("ms/article: grouping with features stored (lookups, decisions, writes); target at 1M")
    print("<= 2 x at 10k. Load from other processes makes single figures noisy: see the ratio.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-scale", action="store_true", help="quality only")
    parser.add_argument(
        "--splits", default="", help=f"comma-separated, of {', '.join(SPLITS)} (default: all)"
    )
    args = parser.parse_args()
    quality(tuple(s for s in args.splits.split(",") if s))
    if not args.no_scale:
        scale([int(s) for s in args.sizes.split(",")], args.engines.split(","), args.rounds)


if __name__ == "__main__":
    main()
