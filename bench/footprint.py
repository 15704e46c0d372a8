"""bench-footprint: what sokbo costs a user, measured as a user runs it.

Every figure is a separate process launched like the console script, measured with
bench/proctree.py: wall clock from fork to exit, CPU (the process and every child it
reaped, os.wait4) and the peak RSS of the whole process tree (/proc sampled every 20 ms:
the largest sum of VmRSS over the live tree, or the largest single-process high-water mark
if larger — exact for one process, an upper bound for a tree). Each command gets one
untimed warm-up run (page cache, bytecode), then RUNS timed runs (default 5), main and
baseline interleaved so both see the same load; medians are printed.

  sokbo --help
  sokbo search QUERY        on a 200,000-article SQLite archive (bench/search.py's builder,
                            cached under var/bench-footprint/, built once; each side's copy is
                            migrated by its own ``sokbo db upgrade``, untimed)
  sokbo summarize FILE      a real press release from tests/data/docs, extractive (no LLM key)
  sokbo chat console:x /list
  sokbo run                 steady RSS after its first poll cycle stored 500 items (25
                            loopback feeds × 20) and its pipeline pass grouped and summarized
                            them (SQLite, extractive, console):
                            the median of the tree's RSS sampled for 5 s, 2 s after the
                            pipeline's log line, and its split into anonymous memory and
                            file-backed pages (RssAnon/RssFile: mapped files such as the
                            mecab-ko dictionary, shared and reclaimable), and its USS
                            (smaps_rollup Private_Clean + Private_Dirty: what ending it frees;
                            a file mapped by no other process counts there too); also the time
                            from launch to that line
  sokbo run (archive)       the same, on a copy of the search archive with the web pages on
                            (issue 22: steady "after the hidden-size archive"): RSS, USS and
                            file-backed pages 2 s after the first pipeline pass, after 60 s
                            idle, and after one search on the web page (≤ 2 runs)
  bench-poll cycle          peak RSS of the 2,000-feed fetch-parse-store cycle of bench-poll
                            (80 % answer 304 to stored ETags, 20 % send 20 items, 10 slow,
                            10 broken), poller plus parse workers
  extractive                stories/s of the extractive summarizer in-process (bench/summarize.py's
                            1,000 stories; median of RUNS passes after a warm-up call)

``--baseline DIR``: the same measurements with DIR's sokbo (DIR/.venv, e.g. a git worktree of
the commit before a change), printed beside main with the ratio baseline / main.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen
from typing import IO

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from loopfeeds import SUBSCRIPTIONS, LoopFeeds, sokbo_config, subscribe  # noqa: E402
from proctree import Run, load, measure, median, stop  # noqa: E402

CACHE = ROOT / "var" / "bench-footprint"
ARCHIVE_N = int(os.environ.get("SOKBO_BENCH_N", "200000"))
QUERY = "반도체를"
RELEASE = ROOT / "tests" / "data" / "docs" / "articles__12_gt_중소벤처기업부_156754124.txt"
RUN_FEEDS, POLL_FEEDS = 25, 2000
SECRETS = ("OPENAI_", "TELEGRAM_", "SLACK_", "SOKBO_")


@dataclass
class Side:
    """One sokbo checkout with its own venv."""

    name: str
    root: Path
    work: Path
    figures: dict[str, list[float]] = field(default_factory=dict)

    @property
    def sokbo(self) -> str:
        return str(self.root / ".venv" / "bin" / "sokbo")

    @property
    def python(self) -> str:
        return str(self.root / ".venv" / "bin" / "python")

    def has_web(self) -> bool:
        return "[web]" in (self.root / "config.example.toml").read_text(encoding="utf-8")

    def add(self, key: str, value: float) -> None:
        self.figures.setdefault(key, []).append(value)


def user_env() -> dict[str, str]:
    """The caller's environment without secrets or a database override: extractive
    summaries, console only, the config file decides the database."""
    return {k: v for k, v in os.environ.items() if not k.startswith(SECRETS)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config(side: Side, name: str, db: Path, urls: list[str]) -> Path:
    return sokbo_config(
        side.work / f"{name}.toml",
        db,
        urls,
        web_port=free_port() if side.has_web() else None,
    )


def check(run: Run, what: str) -> Run:
    if run.returncode != 0:
        raise SystemExit(
            f"{what} exited with {run.returncode}:\n{run.stderr[-2000:]}\n{run.stdout[-500:]}"
        )
    return run


# --- the archive ----------------------------------------------------------------------


def build_archive(path: Path, revision: str) -> None:
    """(In its own process, main's venv) bench/search.py's 200,000 articles, summarized and
    indexed, with the schema at ``revision`` (this checkout's head: its indexer reads columns
    of later migrations, such as 0011's ``withdrawn_at``)."""
    sys.path.insert(0, str(ROOT))
    from search import load as load_articles
    from search import make_articles, sentences

    from bot.search import index_pending
    from bot.store import create_engine
    from bot.store.migrate import upgrade

    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{tmp}")
    upgrade(engine, revision)
    started = time.perf_counter()
    load_articles(engine, make_articles(ARCHIVE_N, sentences()))
    with engine.begin() as conn:  # as a running instance's archive: summarized and matched
        conn.exec_driver_sql(_ARCHIVE_SUMMARIES)
    index_pending(engine, limit=2 * ARCHIVE_N + 1, batch=2000)  # articles and summaries
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    os.replace(tmp, path)
    print(f"  built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)


# Every story summarized (a headline and the first 150 characters of its text: the
# extractive summarizer would take an hour for 200,000) and matched, so ``sokbo run`` over
# the archive works on its new items only, as it would on a real instance's database.
_ARCHIVE_SUMMARIES = """
UPDATE stories SET
  summary = json_object(
    'headline', substr(title, 1, 60),
    'bullets', json_array(
      (SELECT substr(a.text, 1, 150) FROM articles a WHERE a.story_id = stories.id LIMIT 1)
    ),
    'summarizer', 'extractive'
  ),
  summarized_at = first_seen_at,
  matched_at = first_seen_at
"""


def _head_revision() -> str:
    """This checkout's newest migration (the archive is built at it, and named by it)."""
    heads = sorted(p.stem for p in (ROOT / "bot/store/migrations/versions").glob("0*.py"))
    return heads[-1]


# A side whose own ``sokbo db upgrade`` does not know this revision (a baseline older than
# the newest migration) cannot open the archive: its search item fails with that error.
ARCHIVE_REVISION = _head_revision()


def archive_for(side: Side) -> Path:
    """A private copy of the cached archive, brought to this side's schema by its own
    ``sokbo db upgrade`` (as a user upgrading would); the cache is built once, at the newest
    revision of this checkout."""
    path = CACHE / f"archive-{ARCHIVE_N}-{ARCHIVE_REVISION}-summarized.db"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"  building the {ARCHIVE_N:,}-article archive (once) …", flush=True)
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--build-archive",
                str(path),
                "--revision",
                ARCHIVE_REVISION,
            ],
            check=True,
        )
    copy = side.work / "archive.db"  # searching may write (WAL, migrations): a private copy
    shutil.copyfile(path, copy)
    cfg = sokbo_config(side.work / "search.toml", copy, [])
    upgrade = [side.sokbo, "db", "upgrade", "--config", str(cfg)]
    check(measure(upgrade, env=user_env(), cwd=side.work), f"{side.name} db upgrade")
    return copy


# --- the measurements -----------------------------------------------------------------


def report(title: str, sides: list[Side], keys: list[tuple[str, str, str]], loads: str) -> None:
    """Print median per side and the ratio baseline / main for each key."""
    print(f"{title}  [{loads}]")
    for key, label, unit in keys:
        cells = []
        for side in sides:
            values = side.figures.get(key, [])
            fmt = "{:.2f}" if unit == "s" else "{:.0f}"
            shown = ", ".join(fmt.format(v) for v in values)
            cells.append(f"{side.name} {fmt.format(median(values))} {unit} ({shown})")
        line = f"  {label:<24} " + " | ".join(cells)
        if len(sides) == 2:
            main_v, base_v = median(sides[0].figures[key]), median(sides[1].figures[key])
            if main_v > 0:
                line += f" | baseline/main {base_v / main_v:.2f}×"
        print(line, flush=True)


def cli_item(
    title: str,
    key: str,
    sides: list[Side],
    runs: int,
    command: Callable[[Side], list[str]],
) -> None:
    env = user_env()
    for side in sides:  # warm-up, untimed
        check(measure(command(side), env=env, cwd=side.work), f"{side.name} {title}")
    loads = [load()]
    for _ in range(runs):
        for side in sides:
            run = check(measure(command(side), env=env, cwd=side.work), f"{side.name} {title}")
            side.add(f"{key}.wall", run.wall)
            side.add(f"{key}.cpu", run.cpu)
            side.add(f"{key}.peak", run.peak_mb)
        loads.append(load())
    report(
        title,
        sides,
        [
            (f"{key}.wall", "wall", "s"),
            (f"{key}.cpu", "CPU", "s"),
            (f"{key}.peak", "peak RSS (tree)", "MB"),
        ],
        ", ".join(loads),
    )


def launch_run(side: Side, cfg: Path, env: dict[str, str], log: IO[bytes]) -> Popen[bytes]:
    """``sokbo run`` as its user starts it, its log (stderr) to ``log``."""
    return subprocess.Popen(
        [side.sokbo, "run", "--config", str(cfg)],
        env=env,
        cwd=side.work,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def steady_memory(pid: int) -> dict[str, float]:
    """The tree's memory over 5 s (50 samples, medians, MB): RSS (``steady``) and its
    anonymous and file-backed parts, and the USS (private pages)."""
    from proctree import rollup_kb, status_kb, tree

    samples: dict[str, list[float]] = {"VmRSS:": [], "RssAnon:": [], "RssFile:": []}
    private: list[float] = []
    for _ in range(50):
        pids = tree(pid)
        for key, values in samples.items():
            values.append(sum(status_kb(p, key) for p in pids) / 1024)
        own = ("Private_Clean", "Private_Dirty")
        private.append(sum(rollup_kb(p, own) for p in pids) / 1024)
        time.sleep(0.1)
    return {
        "steady": median(samples["VmRSS:"]),
        "anon": median(samples["RssAnon:"]),
        "file": median(samples["RssFile:"]),
        "uss": median(private),
    }


_PIPELINE_DONE = re.compile(r"pipeline: \d+ new stories, \d+ merged, [1-9]\d* summarized")


def run_item(sides: list[Side], runs: int, feeds: LoopFeeds) -> None:
    """``sokbo run`` until its first pipeline pass has summarized RUN_FEEDS × 20 stories,
    then its steady RSS; SIGTERM after."""
    env = user_env()
    urls = [feeds.url(i, clean=True) for i in range(RUN_FEEDS)]
    want = RUN_FEEDS * 20
    loads = [load()]
    for n in range(runs):
        for side in sides:
            db = side.work / f"run-{n}.db"
            cfg = config(side, f"run-{n}", db, urls)
            subscribe([side.sokbo], cfg, side.work, env)  # untimed: chats to match against
            log_path = side.work / f"run-{n}.log"
            result: dict[str, float] = {}

            def watch(
                process: subprocess.Popen[bytes],
                log_path: Path = log_path,
                result: dict[str, float] = result,
            ) -> None:
                began = time.monotonic()
                deadline = began + 600
                while time.monotonic() < deadline and process.poll() is None:
                    text = log_path.read_text(encoding="utf-8", errors="replace")
                    # the first pipeline pass over the cycle's items: since near-duplicate
                    # grouping, the 500 items make fewer stories, so any count ends the wait
                    if _PIPELINE_DONE.search(text):
                        result["ready"] = time.monotonic() - began
                        break
                    time.sleep(0.05)
                time.sleep(2.0)
                result.update(steady_memory(process.pid))
                process.send_signal(signal.SIGTERM)

            with log_path.open("wb") as log_file:
                process = launch_run(side, cfg, env, log_file)
                from proctree import TreeSampler

                sampler = TreeSampler(process.pid, 0.05)
                sampler.start()
                watch(process)
                stop(process)
                sampler.stop.set()
                sampler.join()
            if "ready" not in result:
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise SystemExit(f"{side.name} sokbo run never finished a pipeline pass:\n{tail}")
            side.add("run.ready", result["ready"])
            side.add("run.steady", result["steady"])
            side.add("run.anon", result["anon"])
            side.add("run.file", result["file"])
            side.add("run.uss", result["uss"])
            side.add("run.peak", max(sampler.peak(), sampler.hwm_mb))
        loads.append(load())
    report(
        f"sokbo run: {RUN_FEEDS} loopback feeds × 20 items → {want} stories stored and "
        f"summarized (extractive), SQLite, console adapter, {len(SUBSCRIPTIONS)} chats subscribed",
        sides,
        [
            ("run.ready", "launch → pipeline done", "s"),
            ("run.steady", "steady RSS (tree)", "MB"),
            ("run.anon", "  of which anonymous", "MB"),
            ("run.file", "  of which file-backed", "MB"),
            ("run.uss", "USS (private pages)", "MB"),
            ("run.peak", "peak RSS (tree)", "MB"),
        ],
        ", ".join(loads),
    )


IDLE_S = 60


def archive_run_item(sides: list[Side], runs: int, feeds: LoopFeeds) -> None:
    """``sokbo run`` over a copy of the 200,000-article archive (issue 22's "steady after the
    hidden-size archive"), web on, the same 25 feeds × 20 items as ``run``: the tree's RSS
    and USS 2 s after its first pipeline pass, after :data:`IDLE_S` s idle, and 2 s after
    one search on its web page (``/search?q=QUERY``)."""
    import urllib.parse
    import urllib.request

    env = user_env()
    urls = [feeds.url(i, clean=True) for i in range(RUN_FEEDS)]
    loads = [load()]
    stages = ("pass", "idle", "search")
    for n in range(runs):
        for side in sides:
            db = archive_for(side)
            port = free_port()
            cfg = sokbo_config(side.work / f"arun-{n}.toml", db, urls, web_port=port)
            subscribe([side.sokbo], cfg, side.work, env)
            log_path = side.work / f"arun-{n}.log"
            with log_path.open("wb") as log_file:
                process = launch_run(side, cfg, env, log_file)
                try:
                    began = time.monotonic()
                    while time.monotonic() < began + 900 and process.poll() is None:
                        if _PIPELINE_DONE.search(log_path.read_text(errors="replace")):
                            break
                        time.sleep(0.2)
                    else:
                        tail = log_path.read_text(errors="replace")[-2000:]
                        raise SystemExit(f"{side.name} sokbo run: no pipeline pass\n{tail}")
                    side.add("arun.ready", time.monotonic() - began)
                    time.sleep(2.0)
                    found = {"pass": steady_memory(process.pid)}
                    time.sleep(IDLE_S)
                    found["idle"] = steady_memory(process.pid)
                    query = urllib.parse.quote(QUERY)
                    address = f"http://127.0.0.1:{port}/search?q={query}"
                    with urllib.request.urlopen(address, timeout=120) as answer:
                        if answer.status != 200:
                            raise SystemExit(f"{side.name} search answered {answer.status}")
                    time.sleep(2.0)
                    found["search"] = steady_memory(process.pid)
                    for stage in stages:
                        side.add(f"arun.{stage}.rss", found[stage]["steady"])
                        side.add(f"arun.{stage}.uss", found[stage]["uss"])
                        side.add(f"arun.{stage}.file", found[stage]["file"])
                finally:
                    stop(process)
        loads.append(load())
    keys = [("arun.ready", "launch → pipeline done", "s")]
    for stage, title in zip(
        stages, ("after the pass", f"after {IDLE_S} s idle", "after one search"), strict=True
    ):
        keys += [
            (f"arun.{stage}.rss", f"RSS {title}", "MB"),
            (f"arun.{stage}.uss", "  USS", "MB"),
            (f"arun.{stage}.file", "  file-backed", "MB"),
        ]
    report(
        f"sokbo run over the {ARCHIVE_N:,}-article archive (+ {RUN_FEEDS} feeds × 20 items), "
        "SQLite, web on, console adapter",
        sides,
        keys,
        ", ".join(loads),
    )


def poll_item(sides: list[Side], runs: int, feeds: LoopFeeds, count: int) -> None:
    """Peak RSS of bench-poll's fetch-parse-store cycle over ``count`` feeds (poller + parse
    workers), each run on a fresh database seeded with generation-1 validators."""
    env = user_env()
    feeds.set_generation(2)
    urls = [feeds.url(i) for i in range(count)]
    loads = [load()]
    for n in range(runs):
        for side in sides:
            db = side.work / f"poll-{n}.db"
            cfg = config(side, f"poll-{n}", db, urls)
            driver = [side.python, str(BENCH / "sokbo_driver.py")]
            check(measure([*driver, "seed", str(cfg)], env=env, cwd=side.work), "seed")
            marks = side.work / f"poll-{n}.marks"
            run = check(
                measure(
                    [*driver, "phase", str(cfg)],
                    env={**env, "SOKBO_BENCH_MARKS": str(marks)},
                    cwd=side.work,
                    interval=0.05,
                ),
                f"{side.name} poll phase",
            )
            marked = [json.loads(line) for line in marks.read_text().splitlines()]
            fetched = next(m for m in marked if m["name"] == "fetched")
            side.add("poll.wall", run.wall)
            side.add("poll.cpu", run.cpu)
            side.add("poll.peak", run.peak_mb)
            side.add("poll.processes", run.sampler.most_processes)
            side.add("poll.new", fetched["new"])
            db.unlink(missing_ok=True)
        loads.append(load())
    report(
        f"bench-poll cycle: {count} feeds, 80 % → 304, 20 % → 20 items, 10 slow, 10 broken "
        "(fetch-parse-store only, one process + its parse workers)",
        sides,
        [
            ("poll.peak", "peak RSS (tree)", "MB"),
            ("poll.wall", "wall", "s"),
            ("poll.cpu", "CPU", "s"),
            ("poll.processes", "processes at most", ""),
            ("poll.new", "items stored", ""),
        ],
        ", ".join(loads),
    )


def extractive_item(sides: list[Side], runs: int) -> None:
    env = user_env()
    loads = [load()]
    for side in sides:
        run = check(
            measure(
                [side.python, str(BENCH / "sokbo_driver.py"), "extractive",
                 str(side.root / "bench"), str(runs)],
                env=env,
                cwd=side.work,
            ),
            f"{side.name} extractive",
        )  # fmt: skip
        result = json.loads(run.stdout.strip().splitlines()[-1])
        side.figures["extractive.rate"] = result["rates"]
        side.figures["extractive.first"] = [result["first_call_s"]]
        loads.append(load())
    report(
        "extractive summarizer in-process (bench/summarize.py's 1,000 stories; one pass each)",
        sides,
        [
            ("extractive.rate", "stories/s", "/s"),
            ("extractive.first", "first call (tagger load)", "s"),
        ],
        ", ".join(loads),
    )


ITEMS = ("help", "search", "summarize", "chat", "run", "archive-run", "poll", "extractive")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, default=None, metavar="DIR")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--poll-runs", type=int, default=None, help="default: --runs")
    parser.add_argument("--poll-feeds", type=int, default=POLL_FEEDS)
    parser.add_argument("--only", default=",".join(ITEMS), help="comma-separated subset")
    parser.add_argument("--build-archive", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--revision", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_archive:
        build_archive(args.build_archive, args.revision)
        return
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="sokbo-footprint-") as tmp:
        sides = [Side("main", ROOT, Path(tmp) / "main")]
        if args.baseline is not None:
            base = args.baseline.resolve()
            if not (base / ".venv" / "bin" / "sokbo").exists():
                raise SystemExit(f"{base}/.venv/bin/sokbo not found: create its venv first")
            sides.append(Side("baseline", base, Path(tmp) / "baseline"))
        for side in sides:
            side.work.mkdir()
            commit = subprocess.run(
                ["git", "-C", str(side.root), "log", "-1", "--format=%h %s"],
                capture_output=True,
                text=True,
            ).stdout.strip()
            print(f"{side.name}: {side.root} at {commit}")
        print(
            f"bench-footprint: {os.cpu_count()} CPUs, {load()} at start; {args.runs} runs per "
            "figure after one warm-up, medians (all runs in brackets)",
            flush=True,
        )
        if "help" in only:
            cli_item("sokbo --help", "help", sides, args.runs, lambda s: [s.sokbo, "--help"])
        if "search" in only:
            for side in sides:
                archive_for(side)  # writes side.work / "search.toml"
            cli_item(
                f"sokbo search {QUERY} ({ARCHIVE_N:,}-article SQLite archive)",
                "search",
                sides,
                args.runs,
                lambda s: [s.sokbo, "search", QUERY, "--config", str(s.work / "search.toml")],
            )
        if "summarize" in only:
            for side in sides:
                sokbo_config(side.work / "summarize.toml", side.work / "summarize.db", [])
            cli_item(
                f"sokbo summarize {RELEASE.name} ({len(RELEASE.read_text())} chars, extractive)",
                "summarize",
                sides,
                args.runs,
                lambda s: [
                    s.sokbo, "summarize", str(RELEASE), "--config", str(s.work / "summarize.toml")
                ],
            )  # fmt: skip
        if "chat" in only:
            for side in sides:
                cfg = sokbo_config(side.work / "chat.toml", side.work / "chat.db", [])
                for text in ("/subscribe 반도체 과기정통부", "/mode both"):
                    check(
                        measure([side.sokbo, "chat", "console:x", text, "--config", str(cfg)],
                                env=user_env(), cwd=side.work),
                        "chat set-up",
                    )  # fmt: skip
            cli_item(
                'sokbo chat console:x "/list" (one chat with a subscription)',
                "chat",
                sides,
                args.runs,
                lambda s: [
                    s.sokbo, "chat", "console:x", "/list", "--config", str(s.work / "chat.toml")
                ],
            )  # fmt: skip
        if only & {"run", "archive-run", "poll"}:
            with LoopFeeds() as feeds:
                if "run" in only:
                    run_item(sides, args.runs, feeds)
                if "archive-run" in only:  # minutes per run: at most 2 runs
                    archive_run_item(sides, min(args.runs, 2), feeds)
                if "poll" in only:
                    poll_item(sides, args.poll_runs or args.runs, feeds, args.poll_feeds)
        if "extractive" in only:
            extractive_item(sides, args.runs)
        print(f"bench-footprint done, {load()}", flush=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the feed server too
    main()
