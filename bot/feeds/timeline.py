"""An optional timeline of one poll cycle: where its wall time goes.

Off by default (poll_cycle takes ``timeline=None``); bench-poll ``--trace`` and the env
variable SOKBO_POLL_TRACE=1 (which logs the summary after each cycle) turn it on. Recording
is a dict store per event, cheap next to a fetch.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field

# Per-feed events, in the order they happen: "slot" (may fetch), "fetched" (answer read),
# "parse_sent", "parsed", "done" (stored or recorded).
EVENTS = ("slot", "fetched", "parse_sent", "parsed", "done")


@dataclass(slots=True)
class Timeline:
    start: float = field(default_factory=time.perf_counter)
    end: float | None = None
    feeds: dict[int, dict[str, float]] = field(default_factory=dict)
    writes: list[tuple[float, float, int, int]] = field(
        default_factory=list
    )  # start, end, items, feeds
    parse_busy: float = 0.0  # seconds the parse workers spent parsing (their own clocks)
    parse_workers: list[tuple[float, float]] = field(default_factory=list)  # worker up, down

    def now(self) -> float:
        return time.perf_counter() - self.start

    def mark(self, feed_id: int, event: str) -> None:
        self.feeds.setdefault(feed_id, {})[event] = self.now()

    def summary(self, slow: Collection[int] = ()) -> str:
        """A few lines in words: the critical path of the cycle."""
        end = self.end if self.end is not None else self.now()
        lines = [f"timeline: cycle {end:.2f} s, {len(self.feeds)} feeds"]
        done = {f: e["done"] for f, e in self.feeds.items() if "done" in e}
        fast = [t for f, t in done.items() if f not in slow]
        if fast:
            lines.append(f"  last non-slow feed done at {max(fast):.2f} s")
        for f in sorted(slow):
            e = self.feeds.get(f, {})
            if e:
                lines.append(
                    f"  slow feed {f}: slot {e.get('slot', -1):.2f} s, fetched "
                    f"{e.get('fetched', -1):.2f} s, done {e.get('done', -1):.2f} s"
                )
        fetched = sorted(e["fetched"] - e["slot"] for e in self.feeds.values() if "fetched" in e)
        if fetched:
            fetch_sum = sum(fetched)
            lines.append(
                f"  fetch: median {fetched[len(fetched) // 2] * 1000:.0f} ms, p99 "
                f"{fetched[int(len(fetched) * 0.99)] * 1000:.0f} ms; on average "
                f"{fetch_sum / end:.1f} fetches in progress"
            )
        parsed = [e for e in self.feeds.values() if "parsed" in e]
        if parsed:
            first = min(e["parse_sent"] for e in parsed)
            waits = sorted(e["parsed"] - e["parse_sent"] for e in parsed)
            alive = sum(down - up for up, down in self.parse_workers)
            lines.append(
                f"  parse: {len(parsed)} documents, first sent at {first:.2f} s, last back at "
                f"{max(e['parsed'] for e in parsed):.2f} s; sent→back median "
                f"{waits[len(waits) // 2] * 1000:.0f} ms; workers busy {self.parse_busy:.2f} s "
                f"of {alive:.2f} s alive (idle {alive - self.parse_busy:.2f} s)"
            )
        if self.writes:
            busy = sum(e - s for s, e, _, _ in self.writes)
            lines.append(
                f"  writes: {len(self.writes)} batches, {sum(w[2] for w in self.writes)} items, "
                f"{busy:.2f} s in the writer thread, last ended at "
                f"{max(e for _, e, _, _ in self.writes):.2f} s"
            )
        lines.append("  per 0.5 s: fetched / parsed / done / written items")
        bins = int(end / 0.5) + 1
        counts = [[0, 0, 0, 0] for _ in range(bins)]
        for e in self.feeds.values():
            for col, event in enumerate(("fetched", "parsed", "done")):
                if event in e:
                    counts[min(bins - 1, int(e[event] / 0.5))][col] += 1
        for _, w_end, items, _ in self.writes:
            counts[min(bins - 1, int(w_end / 0.5))][3] += items
        for i, (a, b, c, d) in enumerate(counts):
            lines.append(f"    {i * 0.5:4.1f} s: {a:4d} {b:4d} {c:4d} {d:5d}")
        return "\n".join(lines)
