"""Search benchmark (``make bench-search``): design choice, then a 200,000-article archive.

1. Design, on the quality set (tests/data/search_queries.json over tests/data/docs):
   recall@10 of bigram FTS5 (chosen), mecab-ko-morpheme FTS5, trigram FTS5 MATCH and trigram
   LIKE on this SQLite, and tokenizer throughput (mecab-ko vs bigrams).
2. Archive: SOKBO_BENCH_N (default 200,000) synthetic articles made of shuffled sentences
   from the data texts, varied agencies and dates, on SQLite and on a scratch PostgreSQL
   database (created and dropped here). Prints indexing rate, index size, latency p50/p95
   of 200 mixed queries through bot.search.search, and the same kind of queries through a
   plain LIKE scan (a sample of SOKBO_BENCH_LIKE_SAMPLE, default 20, because each scan
   reads the whole table) with the speed-up and the index's recall against the scan.

The machine is shared: figures are noisy, medians are quoted.
"""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bot.search as search_module
import bot.store.search_index.common as search_common
import bot.store.search_index.postgres as search_postgres
import bot.store.search_index.sqlite as search_sqlite
from bot.agencies import AGENCIES
from bot.errors import CommandError
from bot.korean import strip_endings, tokens
from bot.search import index_pending, parse, search
from bot.search.filters import search_filters
from bot.search.query import index_tokens, tsquery
from bot.store import create_engine, schema
from bot.store.migrate import upgrade
from tests.search_corpus import (
    QUERIES,
    corpus_files,
    evaluate,
    load_corpus,
)

N = int(os.environ.get("SOKBO_BENCH_N", "200000"))
LIKE_SAMPLE = int(os.environ.get("SOKBO_BENCH_LIKE_SAMPLE", "20"))
PG_ADMIN = os.environ.get("SOKBO_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 4, 11, tzinfo=UTC)
RNG = random.Random(7)


# --- 1. design ------------------------------------------------------------------------


def _quality_cases() -> list[dict[str, object]]:
    cases: list[dict[str, object]] = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    return cases


def _recall(ranked: dict[str, list[str]]) -> float:
    total = 0.0
    cases = _quality_cases()
    for case in cases:
        relevant = set(case["relevant"])  # type: ignore[arg-type]
        found = set(ranked[str(case["query"])][:10])
        total += len(relevant & found) / min(len(relevant), 10)
    return total / len(cases)


def _morphemes(text: str) -> str:
    keep = [
        t.form.lower()
        for t in tokens(text, limit=len(text))
        if not t.tags[0].startswith(("J", "E", "S")) or t.tags[0] in ("SL", "SN", "SH")
    ]
    return " ".join(keep)


def design() -> None:
    print("== design: quality set on SQLite", sqlite3.sqlite_version)
    files = corpus_files()
    texts = {p.name: p.read_text(encoding="utf-8") for p in files}
    chars = sum(map(len, texts.values()))
    started = time.perf_counter()
    morph = {name: _morphemes(text) for name, text in texts.items()}
    mecab_rate = chars / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(5):
        for text in texts.values():
            index_tokens(text)
    bigram_rate = 5 * chars / (time.perf_counter() - started)
    print(
        f"tokenizer: mecab-ko {mecab_rate:,.0f} chars/s, bigrams {bigram_rate:,.0f} chars/s "
        f"({bigram_rate / mecab_rate:.0f}x)"
    )

    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE morph USING fts5(name UNINDEXED, body)")
    db.execute("CREATE VIRTUAL TABLE tri USING fts5(name UNINDEXED, body, tokenize='trigram')")
    for name, text in texts.items():
        db.execute("INSERT INTO morph VALUES (?, ?)", (name, morph[name]))
        db.execute("INSERT INTO tri VALUES (?, ?)", (name, text))
    results: dict[str, dict[str, list[str]]] = {"morphemes": {}, "trigram": {}, "trigram LIKE": {}}
    for case in _quality_cases():
        q = str(case["query"])
        parsed = parse(q)
        words = [t.text for t in parsed.terms]
        excluded = [t.text for t in parsed.excluded]

        def fts(table: str, phrases: list[str], minus: list[str]) -> list[str]:
            quote = [f'"{p}"' for p in phrases if p]
            if not quote:
                return []
            expr = " AND ".join(quote)
            if minus:
                expr = f"({expr}) NOT ({' OR '.join(chr(34) + m + chr(34) for m in minus)})"
            try:
                rows = db.execute(
                    f"SELECT name FROM {table} WHERE {table} MATCH ? ORDER BY rank LIMIT 10",
                    (expr,),
                ).fetchall()
            except sqlite3.OperationalError:
                return []
            return [r[0] for r in rows]

        results["morphemes"][q] = fts(
            "morph", [_morphemes(w) for w in words], [_morphemes(w) for w in excluded]
        )
        results["trigram"][q] = fts("tri", words, excluded)
        # One LIKE per statement: on 3.40.1 two LIKEs on a trigram table, one of them shorter
        # than three characters ('%AI%' AND '%반도체%'), crash the process (segfault).
        matched = None
        for w in words:
            rows = db.execute("SELECT name FROM tri WHERE body LIKE ?", (f"%{w}%",)).fetchall()
            found = {r[0] for r in rows}
            matched = found if matched is None else matched & found
        results["trigram LIKE"][q] = sorted(matched or ())[:10]

    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/quality.db")
        upgrade(engine)
        ids = load_corpus(engine)
        index_pending(engine)
        quality = evaluate(engine, ids)
        engine.dispose()
    print(
        f"recall@10  bigrams (chosen) {quality.recall_at_10:.3f} (MRR {quality.mrr:.3f})"
        + "".join(f" | {name} {_recall(r):.3f}" for name, r in results.items())
    )


# --- 2. archive -----------------------------------------------------------------------


def sentences() -> list[str]:
    out = []
    for path in corpus_files():
        text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
        for line in text.splitlines():
            for s in re.split(r"(?<=[다요]\.)\s+", line.strip()):
                s = s.strip(" -*#>•")
                if 15 <= len(s) <= 200 and re.search(r"[가-힣]{2}", s):
                    out.append(s)
    return sorted(set(out))


AGENCY_NAMES = [(short, others[0]) for short, others in AGENCIES.items()]


def make_articles(n: int, pool: list[str]) -> list[dict[str, object]]:
    articles = []
    for i in range(n):
        short, full = AGENCY_NAMES[RNG.randrange(len(AGENCY_NAMES))]
        body = RNG.sample(pool, RNG.randint(3, 6))
        published = NOW - timedelta(minutes=RNG.randrange(730 * 24 * 60))
        articles.append(
            {
                "title": f"{short}, {body[0][:50]}",
                "text": f"{full}는 " + " ".join(body),
                "published_at": published,
                "feed": i % 5,
            }
        )
    articles.sort(key=lambda a: a["published_at"])  # type: ignore[arg-type,return-value]
    return articles


def load(engine: Engine, articles: list[dict[str, object]]) -> None:
    with engine.begin() as conn:
        feeds = [
            conn.execute(
                sa.insert(schema.feeds).returning(schema.feeds.c.id),
                {"name": f"feed {i}", "url": f"https://bench.kr/{i}.xml", "created_at": NOW},
            ).scalar_one()
            for i in range(5)
        ]
    for start in range(0, len(articles), 5000):
        chunk = articles[start : start + 5000]
        with engine.begin() as conn:
            first = conn.execute(sa.select(sa.func.coalesce(sa.func.max(schema.stories.c.id), 0)))
            base = int(first.scalar_one())
            conn.execute(
                sa.insert(schema.stories),
                [
                    {
                        "id": base + k + 1,
                        "title": a["title"],
                        "url": f"https://bench.kr/s/{start + k}",
                        "canonical_url": f"https://bench.kr/s/{start + k}",
                        "norm_title": a["title"],
                        "content_hash": "h",
                        "first_seen_at": a["published_at"],
                        "published_at": a["published_at"],
                    }
                    for k, a in enumerate(chunk)
                ],
            )
            conn.execute(
                sa.insert(schema.articles),
                [
                    {
                        "feed_id": feeds[a["feed"]],  # type: ignore[index]
                        "guid": f"g{start + k}",
                        "url": f"https://bench.kr/a/{start + k}",
                        "title": a["title"],
                        "text": a["text"],
                        "published_at": a["published_at"],
                        "fetched_at": a["published_at"],
                        "content_hash": "h",
                        "story_id": base + k + 1,
                    }
                    for k, a in enumerate(chunk)
                ],
            )


def make_queries(pool: list[str], count: int = 200) -> list[tuple[str, dict[str, object]]]:
    words: list[str] = []
    for s in pool:
        for w in s.split():
            w = w.strip("‘’'\"“”()[]「」,.·:…!?~")
            if re.fullmatch(r"[가-힣]{2,8}|[A-Za-z]{2,8}|\d+[가-힣]{1,2}", w):
                words.append(w)
    words = sorted(set(words))
    # a stem of one syllable (등을 → 등) is refused as a query (search.empty): not a query a
    # user would get an answer to, and the bench measures answers
    stems = sorted(
        {s for w in words if re.match(r"[가-힣]", w) and len(s := strip_endings(w)) >= 2}
    )
    two = [w for w in stems if len(w) == 2]
    latin = [w for w in words if re.fullmatch(r"[A-Za-z]{2,8}|\d+[가-힣]{1,2}", w)]
    queries: list[tuple[str, dict[str, object]]] = []
    kinds = ["word"] * 6 + ["two"] * 3 + ["particle"] * 3 + ["and"] * 4 + ["phrase"] * 2
    kinds += ["latin"] * 2 + ["exclude", "agency", "since"]
    i = -1
    while len(queries) < count:
        i += 1
        kind = kinds[i % len(kinds)]
        query: tuple[str, dict[str, object]]
        if kind == "word":
            query = (RNG.choice(stems), {})
        elif kind == "two":
            query = (RNG.choice(two), {})
        elif kind == "particle":
            query = (RNG.choice(words), {})
        elif kind == "and":
            query = (f"{RNG.choice(stems)} {RNG.choice(two)}", {})
        elif kind == "phrase":
            s = RNG.choice(pool).split()
            j = RNG.randrange(max(1, len(s) - 1))
            query = ('"' + " ".join(s[j : j + 2]) + '"', {})
        elif kind == "latin":
            query = (RNG.choice(latin), {})
        elif kind == "exclude":
            query = (f"{RNG.choice(two)} -{RNG.choice(two)}", {})
        elif kind == "agency":
            query = (RNG.choice(stems), {"agency": RNG.choice(AGENCY_NAMES)[1]})
        else:
            query = (RNG.choice(two), {"since": NOW - timedelta(days=90)})
        if _answerable(query[0]):  # /search refuses a one-syllable word (등을 → 등)
            queries.append(query)
    return queries


def _answerable(query: str) -> bool:
    try:
        parse(query)
    except CommandError:
        return False
    return True


def like_scan(engine: Engine, query: str) -> set[int]:
    """The baseline: every article whose title or text contains each word (ILIKE on PG)."""
    parsed = parse(query)
    op = "ILIKE" if engine.dialect.name == "postgresql" else "LIKE"
    clauses, params = [], {}
    for i, term in enumerate(parsed.terms):
        clauses.append(f"(title {op} :p{i} OR text {op} :p{i})")
        params[f"p{i}"] = f"%{term.text}%"
    for i, term in enumerate(parsed.excluded):
        clauses.append(f"NOT (title {op} :x{i} OR text {op} :x{i})")
        params[f"x{i}"] = f"%{term.text}%"
    sql = f"SELECT story_id FROM articles WHERE {' AND '.join(clauses)}"
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(sa.text(sql), params)}


def index_matches(engine: Engine, query: str) -> set[int]:
    """Every story the index matches (no candidate cap), to compare with the scan."""
    saved = search_common.CANDIDATES
    search_common.CANDIDATES = 10**9
    try:
        with engine.connect() as conn:
            found = search_module.candidates(conn, parse(query), {}, NOW, 30.0, 10**9)
        return {c.story_id for c in found}
    finally:
        search_common.CANDIDATES = saved


def size_of(engine: Engine) -> tuple[float, float]:
    """(index MB, articles+stories MB)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":

            def rel(name: str) -> int:
                return int(
                    conn.execute(sa.text(f"SELECT pg_total_relation_size('{name}')")).scalar_one()
                )

            return rel("search_docs") / 1e6, (rel("articles") + rel("stories")) / 1e6
        conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        rows = conn.execute(sa.text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all()
    sizes = dict(rows)
    index = sum(v for k, v in sizes.items() if k.startswith(("search_", "sqlite_autoindex_search")))
    index += sizes.get("ix_search_docs_story_id", 0)
    data = sum(
        v
        for k, v in sizes.items()
        if k.startswith(
            ("articles", "stories", "ix_articles", "ix_stories", "sqlite_autoindex_art")
        )
    )
    return index / 1e6, data / 1e6


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def slowest(
    engine: Engine,
    queries: list[tuple[str, dict[str, object]]],
    latencies: list[float],
    count: int = 10,
) -> None:
    """The ``count`` slowest queries: total time, the candidate statement alone, how many
    documents match (uncapped) and the plan, to see what the tail is made of."""
    name = engine.dialect.name
    order = sorted(range(len(queries)), key=lambda i: -latencies[i])[:count]
    print(f"[{name}] {count} slowest queries:")
    for i in order:
        text, options = queries[i]
        parsed = parse(text)
        filters = search_filters(
            options.get("since"),  # type: ignore[arg-type]
            None,
            options.get("agency"),  # type: ignore[arg-type]
            None,
            None,
        )
        with engine.connect() as conn:
            t = time.perf_counter()
            search_module.candidates(conn, parsed, filters, NOW, 30.0, 33)
            candidates_ms = (time.perf_counter() - t) * 1000
            if name == "postgresql":
                statement, params = search_postgres.candidate_sql(
                    tsquery(parsed), filters, NOW, 30.0, 33
                )
            else:
                statement, params = search_sqlite.candidate_sql(
                    search_module.filtered_match(parsed, filters), filters, NOW, 30.0, 33
                )
            binds = search_common.typed(*(k for k in ("since", "until") if k in filters))
            if name == "postgresql":
                where = search_common.where(filters)
                matches = conn.execute(
                    sa.text(
                        f"SELECT count(*) FROM search_docs d WHERE d.tsv @@ CAST(:q AS tsquery)"
                        f"{where}"
                    ).bindparams(*binds),
                    params,
                ).scalar_one()
                plan = [
                    r[0]
                    for r in conn.execute(
                        sa.text("EXPLAIN (ANALYZE, COSTS OFF) " + statement.text).bindparams(
                            *binds
                        ),
                        params,
                    )
                ]
            else:
                matches = conn.execute(
                    sa.text("SELECT count(*) FROM search_fts WHERE search_fts MATCH :q"), params
                ).scalar_one()
                plan = [
                    str(r[-1])
                    for r in conn.execute(
                        sa.text("EXPLAIN QUERY PLAN " + statement.text).bindparams(*binds), params
                    )
                ]
        print(
            f"  {latencies[i]:6.1f} ms (candidates {candidates_ms:5.1f} ms)"
            f" {text!r} {options or ''}"
            f" -> {params['q']!r}, {matches:,} matching docs"
        )
        for line in plan:
            print(f"      {line.strip()}")


def archive(
    engine: Engine, articles: list[dict[str, object]], queries: list[tuple[str, dict[str, object]]]
) -> None:
    name = engine.dialect.name
    started = time.perf_counter()
    load(engine, articles)
    print(f"[{name}] loaded {len(articles):,} articles in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    indexed = index_pending(engine, limit=len(articles) + 1, batch=2000)
    elapsed = time.perf_counter() - started
    if name == "postgresql":  # what autovacuum would do soon after a bulk load: fresh stats
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE search_docs"))
            conn.commit()
    started = time.perf_counter()
    assert index_pending(engine) == 0
    idle_ms = (time.perf_counter() - started) * 1000
    index_mb, data_mb = size_of(engine)
    print(
        f"[{name}] indexed {indexed:,} in {elapsed:.1f} s = {indexed / elapsed:,.0f} articles/s;"
        f" index {index_mb:,.0f} MB (articles+stories {data_mb:,.0f} MB);"
        f" a call with nothing to index {idle_ms:,.2f} ms"
    )
    for text, options in queries[:20]:  # warm the cache the way a running bot has it
        search(engine, text, limit=10, now=NOW, **options)  # type: ignore[arg-type]
    latencies, empty = [], 0
    for text, options in queries:
        t = time.perf_counter()
        page = search(engine, text, limit=10, now=NOW, **options)  # type: ignore[arg-type]
        latencies.append((time.perf_counter() - t) * 1000)
        empty += not page.hits
    print(
        f"[{name}] index: {len(queries)} queries p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {pct(latencies, 95):.1f} ms, max {max(latencies):.1f} ms ({empty} with no hits)"
    )
    slowest(engine, queries, latencies)
    sample = [q for q, options in queries if not options][:: max(1, 180 // LIKE_SAMPLE)][
        :LIKE_SAMPLE
    ]
    scan_ms, index_ms, recalls, korean = [], [], [], []
    for text in sample:
        t = time.perf_counter()
        expected = like_scan(engine, text)
        scan_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        search(engine, text, limit=10, now=NOW)
        index_ms.append((time.perf_counter() - t) * 1000)
        if expected:
            recalls.append(len(expected & index_matches(engine, text)) / len(expected))
            if all(re.fullmatch(r"[가-힣 ]+", t.text) for t in parse(text).terms):
                korean.append(recalls[-1])
    scan, fast = statistics.median(scan_ms), statistics.median(index_ms)
    print(
        f"[{name}] LIKE scan on {len(sample)} of the queries: p50 {scan:.0f} ms, "
        f"p95 {pct(scan_ms, 95):.0f} ms; index on the same p50 {fast:.1f} ms -> "
        f"{scan / fast:,.0f}x faster (p95/p95 {pct(scan_ms, 95) / pct(index_ms, 95):,.0f}x); "
        f"index recall vs scan {statistics.mean(recalls):.3f} over {len(recalls)} queries "
        f"({statistics.mean(korean or [0]):.3f} over the {len(korean)} all-Korean ones)"
    )


def main() -> None:
    total = time.perf_counter()
    design()
    pool = sentences()
    articles = make_articles(N, pool)
    queries = make_queries(pool)
    chars = sum(len(str(a["text"])) for a in articles) / len(articles)
    print(
        f"== archive: {N:,} articles from {len(pool)} sentences (mean {chars:.0f} chars), "
        f"{len(queries)} queries, e.g. {[q for q, _ in queries[:8]]}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        archive(engine, articles, queries)
        engine.dispose()
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    db = f"sokbo_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{db}"'))
    try:
        engine = create_engine(
            sa.engine.make_url(PG_ADMIN).set(database=db).render_as_string(False)
        )
        upgrade(engine)
        archive(engine, articles, queries)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()
    print(f"total {time.perf_counter() - total:.0f} s (shared 2-core machine: figures are noisy)")


if __name__ == "__main__":
    main()
