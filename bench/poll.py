"""bench-poll: sokbo's ``poll --once`` beside a real peer, lemon24's ``reader``, same feeds.

FEEDS (default 2,000) loopback RSS feeds of 20 Korean press-release items each
(bench/loopfeeds.py: a server in its own process; 10 feeds answer after 2 s, 10 are broken).
Each run, on fresh databases (sokbo's with 5 console chats following topics, agencies and
keywords, so matching has work):

- cold: generation 1, every feed answers 200 with its 20 items; nothing stored yet;
- 80 % unchanged: generation 2, four feeds in five answer 304 to the stored ETag, the fifth
  sends its window moved by 5 new items.

Each program runs as a separate process, as a user runs it, measured with bench/proctree.py
(wall; CPU of the process and its reaped children; peak RSS of the process tree, /proc
sampled every 50 ms):

- sokbo: ``sokbo poll --once`` (bot.cli.main through bench/sokbo_driver.py, which only adds
  time marks): the whole cycle, pipeline included (grouping, summaries — extractive, 500 per
  cycle — search index, matching), and its fetch-parse-store phase alone (launch → end of
  ``App.poll_once``: interpreter start, migrations, fetch, parse workers, store);
- reader 3.26: ``make_reader(db)``, ``add_feed`` each URL, ``update_feeds(workers=16,
  scheduled=False)`` (bench/reader_peer.py). reader stores entries; it does not group,
  summarize, index or match.

- newsboat (Debian's, when ``newsboat`` is on PATH): ``newsboat -x reload`` with
  ``reload-threads 16`` over the same URLs into its own cache; it stores entries only, too.

The programs alternate who goes first. ``bench/poll.py [RUNS] [--feeds N] [--trace]
[--no-etag] [--sokbo-python PATH] [--baseline-python PATH]``: RUNS (default 3) runs, medians
printed; ``--no-etag`` serves the feeds without validators (no ETag, If-None-Match ignored:
the warm cycle's four feeds in five answer 200 with the bytes they sent before, as many
real feeds do);
``--trace`` prints sokbo's cycle timeline (SOKBO_POLL_TRACE) for each run; ``--sokbo-python``
measures another checkout's sokbo (its venv's python) against the same reader;
``--baseline-python`` measures a second checkout's sokbo in the same runs, on its own fresh
databases (before → after with one reader beside both).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from loopfeeds import (  # noqa: E402
    BROKEN,
    ITEMS,
    SLIDE,
    SLOW,
    SUBSCRIPTIONS,
    LoopFeeds,
    sokbo_config,
    subscribe,
)
from proctree import Run, load, measure, median  # noqa: E402

_parser = argparse.ArgumentParser(description="sokbo poll --once beside reader, same feeds")
_parser.add_argument("runs", nargs="?", type=int, default=3)
_parser.add_argument("--feeds", type=int, default=2000)
_parser.add_argument("--trace", action="store_true", help="print sokbo's cycle timeline")
_parser.add_argument(
    "--no-etag",
    action="store_true",
    help="feeds send no ETag and ignore If-None-Match: unchanged ones answer 200, same bytes",
)
_parser.add_argument(
    "--sokbo-python",
    default=sys.executable,
    metavar="PATH",
    help="the Python (venv) whose sokbo is measured, e.g. a baseline checkout's .venv/bin/python",
)
_parser.add_argument(
    "--baseline-python",
    default=None,
    metavar="PATH",
    help="also measure this checkout's sokbo (its venv's python) in the same runs",
)
_args = _parser.parse_args()
RUNS, FEEDS = _args.runs, _args.feeds
SOKBO_PYTHON = _args.sokbo_python
NO_ETAG = _args.no_etag
BASELINE_PYTHON = _args.baseline_python
NEWSBOAT = shutil.which("newsboat")
TRACE = _args.trace or os.environ.get("SOKBO_POLL_TRACE") == "1"
PYTHON = sys.executable
SECRETS = ("OPENAI_", "TELEGRAM_", "SLACK_", "SOKBO_")
CYCLES = ("cold", "80 % unchanged (same bytes, 200)" if NO_ETAG else "80 % unchanged")


@dataclass
class Figures:
    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.values.setdefault(key, []).append(value)

    def med(self, key: str) -> float:
        return median(self.values.get(key, []))

    def cell(self, key: str, unit: str) -> str:
        fmt = "{:.1f}" if unit in ("s", "stories/s") else "{:.0f}"
        runs = ", ".join(fmt.format(v) for v in self.values.get(key, []))
        return f"{fmt.format(self.med(key))} {unit} ({runs})"


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(SECRETS)}


def sokbo_cycle(
    cfg: Path, work: Path, tag: str, figures: Figures, python: str = SOKBO_PYTHON
) -> None:
    marks = work / f"{tag}.marks"
    marks.unlink(missing_ok=True)
    extra = {"SOKBO_BENCH_MARKS": str(marks)}
    if TRACE:
        extra["SOKBO_POLL_TRACE"] = "1"
    run = measure(
        [
            python,
            str(BENCH / "sokbo_driver.py"),
            "cli",
            "poll",
            "--once",
            "--config",
            str(cfg),
        ],
        env={**env(), **extra},
        cwd=work,
        interval=0.05,
    )
    if run.returncode != 0:
        raise SystemExit(f"sokbo poll --once exited {run.returncode}:\n{run.stderr[-3000:]}")
    got = {m["name"]: m for m in map(json.loads, marks.read_text().splitlines())}
    fetched, pipeline = got["fetched"], got["pipeline"]
    figures.add(f"{tag}.wall", run.wall)
    figures.add(f"{tag}.cpu", run.cpu)
    figures.add(f"{tag}.peak", run.peak_mb)
    figures.add(f"{tag}.phase.wall", fetched["t"] - run.started)
    figures.add(f"{tag}.phase.cpu", fetched["cpu"])
    figures.add(f"{tag}.phase.peak", max(run.sampler.peak(until=fetched["t"]), fetched["hwm_mb"]))
    figures.add(f"{tag}.new", fetched["new"])
    figures.add(f"{tag}.failed", fetched["failed"])
    figures.add(f"{tag}.pipeline.s", pipeline["seconds"])
    figures.add(f"{tag}.pipeline.summarized", pipeline["summarized"])
    figures.add(f"{tag}.pipeline.stories", pipeline["new_stories"])
    figures.add(f"{tag}.pipeline.indexed", pipeline["indexed"])
    figures.add(f"{tag}.pipeline.rate", pipeline["summarized"] / max(pipeline["seconds"], 1e-9))
    figures.add(f"{tag}.processes", run.sampler.most_processes)
    if TRACE:
        trace = [ln for ln in run.stderr.splitlines() if not ln.startswith("20")]
        print("\n".join(f"    {ln}" for ln in trace[-40:]))


def reader_cycle(db: Path, urls: Path, work: Path, tag: str, figures: Figures) -> Run:
    run = measure(
        [PYTHON, str(BENCH / "reader_peer.py"), str(db), str(urls)],
        env=env(),
        cwd=work,
        interval=0.05,
    )
    if run.returncode != 0:
        raise SystemExit(f"reader exited {run.returncode}:\n{run.stderr[-3000:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    figures.add(f"{tag}.wall", run.wall)
    figures.add(f"{tag}.cpu", run.cpu)
    figures.add(f"{tag}.peak", run.peak_mb)
    figures.add(f"{tag}.entries", result["entries"])
    figures.add(f"{tag}.broken", result["broken"])
    return run


def newsboat_cycle(work: Path, urls: Path, tag: str, figures: Figures) -> None:
    """``newsboat -x reload`` over the same URLs (16 threads), its own cache in ``work``."""
    assert NEWSBOAT is not None
    config = work / "newsboat.config"
    config.write_text("reload-threads 16\ndownload-timeout 30\n", encoding="utf-8")
    cache = work / "newsboat.db"
    run = measure(
        [NEWSBOAT, "-x", "reload", "-u", str(urls), "-c", str(cache), "-C", str(config)],
        env={**env(), "HOME": str(work)},
        cwd=work,
        interval=0.05,
    )
    if run.returncode != 0:
        raise SystemExit(f"newsboat exited {run.returncode}:\n{run.stderr[-3000:]}")
    with sqlite3.connect(cache) as db:
        entries = db.execute("SELECT count(*) FROM rss_item").fetchone()[0]
    figures.add(f"{tag}.wall", run.wall)
    figures.add(f"{tag}.cpu", run.cpu)
    figures.add(f"{tag}.peak", run.peak_mb)
    figures.add(f"{tag}.entries", entries)


def _version(python: str) -> str:
    where = subprocess.run(
        [python, "-c", "import bot, pathlib; print(pathlib.Path(bot.__file__).parents[1])"],
        capture_output=True,
        text=True,
        cwd="/",  # not this checkout: the venv's own sokbo
    ).stdout.strip()
    commit = subprocess.run(
        ["git", "-C", where or str(ROOT), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"{where} at {commit[:100]}"


def _print_sokbo(name: str, tag: str, sokbo: Figures) -> None:
    print(
        f"  {name + ' poll --once (whole):':27} wall {sokbo.cell(f'{tag}.wall', 's')}, "
        f"CPU {sokbo.cell(f'{tag}.cpu', 's')}, peak RSS {sokbo.cell(f'{tag}.peak', 'MB')}"
    )
    print(
        f"    fetch-parse-store phase:  wall {sokbo.cell(f'{tag}.phase.wall', 's')}, "
        f"CPU {sokbo.cell(f'{tag}.phase.cpu', 's')}, "
        f"peak RSS {sokbo.cell(f'{tag}.phase.peak', 'MB')}; "
        f"{sokbo.med(f'{tag}.new'):.0f} items new, {sokbo.med(f'{tag}.failed'):.0f} feeds "
        f"failed, {sokbo.med(f'{tag}.processes'):.0f} processes at most"
    )
    print(
        f"    pipeline:                 {sokbo.cell(f'{tag}.pipeline.s', 's')} for "
        f"{sokbo.med(f'{tag}.pipeline.stories'):.0f} new stories grouped, "
        f"{sokbo.med(f'{tag}.pipeline.summarized'):.0f} summarized, "
        f"{sokbo.med(f'{tag}.pipeline.indexed'):.0f} indexed → "
        f"{sokbo.cell(f'{tag}.pipeline.rate', 'stories/s')} summarized stories/s"
    )


def main() -> None:
    sokbo, reader, baseline, newsboat = Figures(), Figures(), Figures(), Figures()
    print(f"sokbo: {_version(SOKBO_PYTHON)}")
    if BASELINE_PYTHON:
        print(f"baseline sokbo: {_version(BASELINE_PYTHON)}")
    print(f"newsboat: {NEWSBOAT or 'not installed (apt-get install newsboat)'}")
    print(
        f"bench-poll: {FEEDS} loopback feeds × {ITEMS} items ({len(SLOW)} slow 2 s, "
        f"{len(BROKEN)} broken); cold, then 80 % unchanged (1 in 5 feeds moved by {SLIDE} items, "
        f"the rest {'200 with the same bytes: no ETag' if NO_ETAG else '304'}); {RUNS} runs "
        f"on fresh databases ({len(SUBSCRIPTIONS)} console chats subscribed, e.g. "
        f"{SUBSCRIPTIONS[0]!r}); {os.cpu_count()} CPUs, {load()}",
        flush=True,
    )
    loads = []
    with (
        LoopFeeds(no_etag=NO_ETAG) as feeds,
        tempfile.TemporaryDirectory(prefix="sokbo-bench-poll-") as tmp,
    ):
        urls = [feeds.url(i) for i in range(FEEDS)]
        urls_file = Path(tmp) / "urls.txt"
        urls_file.write_text("\n".join(urls), encoding="utf-8")
        for n in range(RUNS):
            work = Path(tmp) / f"run{n}"
            work.mkdir()
            cfg = sokbo_config(work / "config.toml", work / "sokbo.db", urls, log="INFO")
            subscribe([SOKBO_PYTHON, str(BENCH / "sokbo_driver.py"), "cli"], cfg, work, env())
            base_cfg = None
            if BASELINE_PYTHON:
                base_work = work / "baseline"
                base_work.mkdir()
                base_cfg = sokbo_config(
                    base_work / "config.toml", base_work / "sokbo.db", urls, log="INFO"
                )
                subscribe(
                    [BASELINE_PYTHON, str(BENCH / "sokbo_driver.py"), "cli"],
                    base_cfg,
                    base_work,
                    env(),
                )
            reader_db = work / "reader.sqlite"
            for cycle, tag in zip((1, 2), ("cold", "warm"), strict=True):
                feeds.set_generation(cycle)
                loads.append(load())
                order = ["sokbo", "reader", "baseline", "newsboat"]
                order = order[n % len(order) :] + order[: n % len(order)]
                for who in order:
                    if who == "sokbo":
                        sokbo_cycle(cfg, work, tag, sokbo)
                    elif who == "reader":
                        reader_cycle(reader_db, urls_file, work, tag, reader)
                    elif who == "baseline" and base_cfg is not None:
                        assert BASELINE_PYTHON is not None
                        sokbo_cycle(base_cfg, base_cfg.parent, tag, baseline, BASELINE_PYTHON)
                    elif who == "newsboat" and NEWSBOAT:
                        newsboat_cycle(work, urls_file, tag, newsboat)
                others = ""
                if BASELINE_PYTHON:
                    others += (
                        f", baseline {baseline.values[f'{tag}.wall'][-1]:.1f} s "
                        f"{baseline.values[f'{tag}.peak'][-1]:.0f} MB"
                    )
                if NEWSBOAT:
                    others += (
                        f", newsboat {newsboat.values[f'{tag}.wall'][-1]:.1f} s "
                        f"{newsboat.values[f'{tag}.peak'][-1]:.0f} MB"
                    )
                print(
                    f"  run {n + 1} {tag}: sokbo {sokbo.values[f'{tag}.wall'][-1]:.1f} s "
                    f"(phase {sokbo.values[f'{tag}.phase.wall'][-1]:.1f} s) "
                    f"{sokbo.values[f'{tag}.peak'][-1]:.0f} MB, reader "
                    f"{reader.values[f'{tag}.wall'][-1]:.1f} s "
                    f"{reader.values[f'{tag}.peak'][-1]:.0f} MB{others} [{loads[-1]}]",
                    flush=True,
                )
    loads.append(load())
    print(f"medians of {RUNS} runs [{', '.join(loads)}]:")
    verdicts = []
    for tag, cycle in zip(("cold", "warm"), CYCLES, strict=True):
        print(f"{FEEDS} feeds, {cycle}:")
        _print_sokbo("sokbo", tag, sokbo)
        if BASELINE_PYTHON:
            _print_sokbo("baseline", tag, baseline)
        print(
            f"  reader update_feeds(16):    wall {reader.cell(f'{tag}.wall', 's')}, "
            f"CPU {reader.cell(f'{tag}.cpu', 's')}, peak RSS {reader.cell(f'{tag}.peak', 'MB')}; "
            f"{reader.med(f'{tag}.entries'):.0f} entries stored, "
            f"{reader.med(f'{tag}.broken'):.0f} feeds broken"
        )
        if NEWSBOAT:
            print(
                f"  newsboat -x reload (16):    wall {newsboat.cell(f'{tag}.wall', 's')}, "
                f"CPU {newsboat.cell(f'{tag}.cpu', 's')}, "
                f"peak RSS {newsboat.cell(f'{tag}.peak', 'MB')}; "
                f"{newsboat.med(f'{tag}.entries'):.0f} entries stored"
            )
        wall_ratio = reader.med(f"{tag}.wall") / sokbo.med(f"{tag}.wall")
        phase_ratio = reader.med(f"{tag}.wall") / sokbo.med(f"{tag}.phase.wall")
        rss_ratio = sokbo.med(f"{tag}.peak") / reader.med(f"{tag}.peak")
        cpu_ratio = sokbo.med(f"{tag}.cpu") / reader.med(f"{tag}.cpu")
        print(
            f"  ratio: reader wall / sokbo whole {wall_ratio:.2f}× (>1: sokbo faster), / sokbo "
            f"phase {phase_ratio:.2f}×; sokbo CPU / reader {cpu_ratio:.2f}×; sokbo peak RSS / "
            f"reader {rss_ratio:.2f}×"
        )
        if BASELINE_PYTHON:
            print(
                f"  baseline: reader wall / baseline whole "
                f"{reader.med(f'{tag}.wall') / baseline.med(f'{tag}.wall'):.2f}×; baseline peak "
                f"RSS / reader {baseline.med(f'{tag}.peak') / reader.med(f'{tag}.peak'):.2f}×; "
                f"sokbo whole wall / baseline "
                f"{sokbo.med(f'{tag}.wall') / baseline.med(f'{tag}.wall'):.2f}×"
            )
        if NEWSBOAT:
            print(
                f"  newsboat: newsboat wall / sokbo whole "
                f"{newsboat.med(f'{tag}.wall') / sokbo.med(f'{tag}.wall'):.2f}×, / reader "
                f"{newsboat.med(f'{tag}.wall') / reader.med(f'{tag}.wall'):.2f}×"
            )
        verdicts += [
            f"{cycle}: whole cycle faster than reader: {'met' if wall_ratio > 1 else 'MISSED'}",
            f"{cycle}: peak RSS ≤ 3 × reader: {'met' if rss_ratio <= 3 else 'MISSED'}",
            f"{cycle}: phase peak ≤ 200 MB: "
            f"{'met' if sokbo.med(f'{tag}.phase.peak') <= 200 else 'MISSED'}",
            f"{cycle}: pipeline ≥ 500 stories/s: "
            f"{'met' if sokbo.med(f'{tag}.pipeline.rate') >= 500 else 'MISSED'}",
        ]
    print("targets: " + "; ".join(verdicts))


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the feed server too
    main()
