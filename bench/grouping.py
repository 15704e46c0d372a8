"""make bench-grouping: quality of near-duplicate grouping, and its cost at scale.

Quality (bench/grouping_quality.py): B-cubed precision/recall/F1 and hard-negative merges on
labelled real coverage, dev and held-out, "exact" (the grouping before issue 20) beside
"near"; also a stress run with every date made the same (content alone must separate).

Scale: the store's assign_pending over a batch of new articles with 10k / 100k / 1M stored
articles on SQLite and PostgreSQL: milliseconds per new article and the peak of Python
allocations, with the ratio to the smallest size. All sizes of an engine are seeded first and
the rounds alternate between them, so load from other processes falls on every size alike.

Stored rows are synthetic, bulk-inserted, and shaped like real ones: they arrive at --per-day
articles a day (700 by default, so even the 10k store holds a full 14-day window and every
size differs only by its older history: the ratio measures the table, not a young store's
emptier window), in events of one to three articles that share most LSH bands and their
figures (a story per event); each has features drawn from the real releases of
tests/data/docs (content words, a Zipf-weighted vocabulary of real and compound words, as many
as the real ones have; figures in the code's normal form, the common ones shared by many
articles across the whole history; agencies) and the index keys bucket_keys would give
(16 bands, then its distinctive figures). A share of the rows of the last two weeks also sits
under the new articles' own keys, so the per-key bounded reads are exercised, not only probed.
Article bodies are not stored (grouping reads only the new articles' text).

--code DIR runs the same measurement with DIR's bot package (e.g. a checkout of main) and
its migrations: a baseline on the same data in the same session.

    python bench/grouping.py [--sizes 10000,100000,1000000] [--engines sqlite,postgresql]
        [--rounds 5] [--per-day 700] [--code DIR] [--no-quality]
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

# --code DIR: import DIR's bot (and its migrations) instead of this checkout's; read before
# the imports below, which must see it (argparse checks the option again in main).
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(
    0,
    next(
        (
            str(Path(sys.argv[i + 1]).resolve())
            for i, a in enumerate(sys.argv[:-1])
            if a == "--code"
        ),
        str(Path(__file__).resolve().parent.parent),
    ),
)

import sqlalchemy as sa
from grouping_quality import CACHE, bcubed, group, load_labels, load_pages, same_day

from bot.store import create_engine
from bot.store.migrate import upgrade
from bot.store.schema import article_features, articles, feeds
from bot.store.stories import assign_pending
from bot.story_features import StoryFeatures, bucket_keys, find_figures, story_features

PG_ADMIN = os.environ.get("SOKBO_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BATCH = 200
EVENT_SHAPES = 50_000  # distinct feature sets stored events draw from
_CODE = next((sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "--code"), None)
NOW = datetime(2026, 4, 20, 0, 0, tzinfo=UTC)


# --- quality ---------------------------------------------------------------------------


SPLITS = {
    "dev": ("dev",),
    "heldout": ("heldout",),
    "heldout-late": ("heldout-late",),
    "all-heldout": ("heldout", "heldout-late"),
    "heldout-2026-12": ("heldout-2026-12",),
    "heldout-2026-12b": ("heldout-2026-12b",),
    "heldout-2026-12c": ("heldout-2026-12c",),
    "heldout-2026-12d": ("heldout-2026-12d",),
    "heldout-2026-12e": ("heldout-2026-12e",),
    # every page never tuned on when it was labelled, pooled (events do not cross splits)
    "every-heldout": (
        "heldout",
        "heldout-late",
        "heldout-2026-12",
        "heldout-2026-12b",
        "heldout-2026-12c",
        "heldout-2026-12d",
        "heldout-2026-12e",
    ),
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


class _Shapes:
    """What stored rows are drawn from: the real releases' features and their distributions."""

    def __init__(self, rng: random.Random) -> None:
        real = [story_features(t, x) for t, x in _new_articles(rng, len(list(DOCS.glob("*.txt"))))]
        words = sorted(set().union(*(f.words for f in real)))
        compounds = {rng.choice(words) + rng.choice(words) for _ in range(40_000)}
        self.vocabulary = words + sorted(compounds - set(words))[:19_000]
        rng.shuffle(self.vocabulary)
        self.word_weights = _zipf(len(self.vocabulary))
        self.word_counts = [len(f.words) for f in real]
        self.figure_counts = [len(f.figures) for f in real]
        amounts = ("억원", "만원", "원", "명", "개", "건", "%", "배", "년", "월")
        synthetic = {
            figure
            for _ in range(6000)
            for figure in find_figures(f"{int(10 ** rng.uniform(0, 4.5))}{rng.choice(amounts)}")
        }
        figures = sorted(set().union(*(f.figures for f in real)) | synthetic)
        rng.shuffle(figures)
        self.figures = figures
        self.figure_weights = _zipf(len(figures))
        self.agencies = sorted(set().union(*(f.agencies for f in real))) or ["중기부"]
        # events draw their features from a pool (stored JSON and figure keys made once): a
        # million draws of their own would make the seed, not the measurement, the long part
        self.pool = [self._draw(rng) for _ in range(EVENT_SHAPES)]

    def _draw(self, rng: random.Random) -> tuple[str, list[int]]:
        agencies = frozenset(rng.sample(self.agencies, 1))
        words = rng.choices(self.vocabulary, cum_weights=self.word_weights,
                            k=rng.choice(self.word_counts))  # fmt: skip
        figures = rng.choices(self.figures, cum_weights=self.figure_weights,
                              k=rng.choice(self.figure_counts))  # fmt: skip
        features = StoryFeatures(
            frozenset(words) | agencies, frozenset(figures), agencies, frozenset()
        )
        return features.to_json(), _figure_keys(features)


def _zipf(n: int) -> list[float]:
    """Cumulative Zipf weights (rank r has weight 1/r) for random.choices."""
    total, out = 0.0, []
    for rank in range(1, n + 1):
        total += 1 / rank
        out.append(total)
    return out


def _figure_keys(features: StoryFeatures) -> list[int]:
    """bucket_keys' figure part (its bands are drawn per event: see _seed)."""
    bandless = StoryFeatures(frozenset(), features.figures, features.agencies, frozenset())
    return list(bucket_keys(bandless))


def _week(when: datetime) -> int:
    """grouping_keys.week (migration 0013), for a schema that has it."""
    return int(when.timestamp()) // (7 * 86400)


def _seed(
    engine: sa.Engine,
    size: int,
    hot_keys: list[int],
    rng: random.Random,
    shapes: _Shapes,
    per_day: int,
) -> None:
    """``size`` stored articles (with stories, features and index keys), bulk-loaded.

    The grouping_keys indexes (whatever the schema names them) are dropped during the load and
    built again after it, as a bulk import would; PostgreSQL loads with COPY, SQLite with
    executemany in one transaction.
    """
    span = timedelta(days=size / per_day)
    start = NOW - span
    recent = NOW - timedelta(days=14)
    inspector = sa.inspect(engine)
    weekly = "week" in {c["name"] for c in inspector.get_columns("grouping_keys")}
    indexes = inspector.get_indexes("grouping_keys")
    with engine.begin() as conn:
        conn.execute(
            feeds.insert().values(id=1, name="합성 피드", url="https://x.kr/rss", created_at=NOW)
        )
        for index in indexes:
            conn.exec_driver_sql(f"DROP INDEX {index['name']}")
    postgres = engine.dialect.name == "postgresql"
    chunk = 50_000
    event: tuple[int, int, str, list[int], list[int]] | None = None  # id, left, features, keys
    story_rows: list[tuple[object, ...]] = []
    for base in range(0, size, chunk):
        n = min(chunk, size - base)
        story_rows, article_rows, feature_rows, key_rows = [], [], [], []
        for i in range(base, base + n):
            when = start + span * (i / size)
            stamp = _stamp(when, postgres)
            if event is None or event[1] == 0:
                features, figure_keys = rng.choice(shapes.pool)
                bands = [rng.getrandbits(62) for _ in range(16)]
                event = (i + 1, rng.choice((1, 1, 1, 2, 3)), features, bands, figure_keys)
                story_rows.append(
                    (i + 1, f"t{i}", f"https://x.kr/{i}", f"https://x.kr/{i}", f"t{i}",
                     f"{i:064x}", stamp, stamp, 1, i + 1)
                )  # fmt: skip
            story_id, left, features, bands, figure_keys = event
            event = (story_id, left - 1, features, bands, figure_keys)
            # a rewrite keeps most of its event's bands (LSH: they share most words)
            keys = [b if rng.random() < 0.6 else rng.getrandbits(62) for b in bands]
            keys += figure_keys
            if hot_keys and when > recent and rng.random() < 0.05:
                keys[0] = rng.choice(hot_keys)
            article_rows.append(
                (i + 1, 1, str(i), f"https://x.kr/a/{i}", f"t{i}", "", stamp, stamp,
                 f"{i:064x}", story_id)
            )  # fmt: skip
            feature_rows.append((i + 1, features))
            week = (_week(when),) if weekly else ()
            key_rows.extend((*week, k, i + 1, stamp) for k in dict.fromkeys(keys))
        story_cols = (
            "id, title, url, canonical_url, norm_title, content_hash, first_seen_at, "
            "published_at, source_count, primary_article_id"
        )
        article_cols = (
            "id, feed_id, guid, url, title, text, published_at, fetched_at, content_hash, story_id"
        )
        key_cols = ("week, " if weekly else "") + "key, article_id, published_at"
        tables = (
            ("stories", story_cols, story_rows),
            ("articles", article_cols, article_rows),
            ("article_features", "article_id, features", feature_rows),
            ("grouping_keys", key_cols, key_rows),
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
        for index in indexes:
            columns = ", ".join(str(c) for c in index["column_names"])
            conn.exec_driver_sql(f"CREATE INDEX {index['name']} ON grouping_keys ({columns})")
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


def scale(sizes: list[int], kinds: list[str], rounds: int, per_day: int) -> None:
    rng = random.Random(20)
    shapes = _Shapes(random.Random(21))
    batches = [_new_articles(rng, BATCH) for _ in range(rounds)]
    story_features(*batches[0][0])  # load the tagger before timing
    started = time.perf_counter()
    features = [[story_features(t, x) for t, x in b] for b in batches]
    per_features = (time.perf_counter() - started) * 1000 / (BATCH * rounds)
    hot = sorted({k for fs in features for f in fs for k in bucket_keys(f)})
    print(
        f"\nscale: assign_pending over batches of {BATCH} new articles (real releases of "
        f"tests/data/docs, several routes each), median of {rounds}; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {per_day} stored articles a "
        f"day; code: {_CODE or 'this checkout'}"
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
                _seed(engine, size, hot, rng, shapes, per_day)
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
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-day", type=int, default=700, help="stored articles a day")
    parser.add_argument("--code", help="a checkout whose bot package is measured (a baseline)")
    parser.add_argument("--no-scale", action="store_true", help="quality only")
    parser.add_argument(
        "--splits", default="", help=f"comma-separated, of {', '.join(SPLITS)} (default: all)"
    )
    parser.add_argument("--no-quality", action="store_true", help="scale only")
    args = parser.parse_args()
    if not args.no_quality:
        quality(tuple(s for s in args.splits.split(",") if s))
    if not args.no_scale:
        sizes = [int(s) for s in args.sizes.split(",")]
        scale(sizes, args.engines.split(","), args.rounds, args.per_day)


if __name__ == "__main__":
    main()
