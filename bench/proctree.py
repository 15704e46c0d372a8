"""Measure a command as a user runs it: a separate process, with everything it starts.

``measure(cmd)`` starts the command and, until it exits, samples its process tree every
``interval`` seconds from /proc (the root and every descendant, found through
``/proc/PID/task/TID/children``): the sum of their resident sets (VmRSS) is the tree's RSS at
that moment, and the largest sum is the tree's peak. Short spikes between two samples are
caught by each process's high-water mark (VmHWM), read at every sample. The peak reported
is the larger of the two: for a single-process command it is its VmHWM (missing at most what
it grew in its last ``interval`` before exiting), for a tree the sampled sum (an upper bound,
since shared library pages count once per process). ``ru_maxrss`` is not used: Linux carries
the forking parent's high-water mark into the child across exec, so it would report this
measuring process's size for any small command. A child seen between fork and exec (still
this process's image) is skipped for the same reason. CPU is the ``os.wait4`` rusage: the
process plus all the descendants it reaped (user + system). Wall is from the fork to the
reaping, on the monotonic clock every process shares (marks written by the measured
process with ``time.monotonic()`` can be placed on the same axis).
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


def status_kb(pid: int, key: str) -> int:
    """A ``/proc/PID/status`` field in kB (0 if the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def rollup_kb(pid: int, keys: tuple[str, ...]) -> int:
    """The sum of ``/proc/PID/smaps_rollup`` fields in kB (0 if the process is gone): e.g.
    Private_Clean + Private_Dirty, the process's own pages (USS), or Pss."""
    try:
        total = 0
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.split(":", 1)[0] in keys:
                total += int(line.split()[1])
        return total
    except (OSError, ValueError, IndexError):
        return 0


_OWN_CMDLINE = Path("/proc/self/cmdline").read_bytes()


def tree(pid: int) -> list[int]:
    """``pid`` and all its live descendants (except children not yet exec'd from us)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            if Path(f"/proc/{p}/cmdline").read_bytes() == _OWN_CMDLINE:
                continue  # forked from this process, not yet exec'd: our pages, not its
        except OSError:
            continue
        out.append(p)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{p}/task").iterdir():
                with contextlib.suppress(OSError, ValueError):
                    todo.extend(int(c) for c in (task / "children").read_text().split())
    return out


@dataclass
class Sample:
    t: float  # time.monotonic()
    rss_mb: float  # sum of VmRSS over the tree
    processes: int


class TreeSampler(threading.Thread):
    """Samples the tree of ``pid`` until stopped or the process is gone."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[Sample] = []
        self.hwm_mb = 0.0  # the largest VmHWM of any process of the tree
        self.most_processes = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            pids = tree(self.pid)
            total = sum(status_kb(p, "VmRSS:") for p in pids) / 1024
            if not pids:
                if not Path(f"/proc/{self.pid}").exists():
                    return
                self.stop.wait(0.001)  # not exec'd yet
                continue
            hwm = max((status_kb(p, "VmHWM:") for p in pids), default=0) / 1024
            self.hwm_mb = max(self.hwm_mb, hwm)
            self.samples.append(Sample(time.monotonic(), total, len(pids)))
            self.most_processes = max(self.most_processes, len(pids))
            self.stop.wait(self.interval)

    def peak(self, until: float | None = None) -> float:
        """Largest sampled tree RSS (up to ``until`` on the monotonic clock, when given)."""
        values = [s.rss_mb for s in self.samples if until is None or s.t <= until]
        return max(values, default=0.0)


@dataclass
class Run:
    """One measured process: wall, CPU and peak RSS of its whole tree."""

    wall: float
    cpu: float
    peak_mb: float
    returncode: int
    started: float  # time.monotonic() at launch
    sampler: TreeSampler = field(repr=False)
    stdout: str = ""
    stderr: str = ""


def measure(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    interval: float = 0.02,
    timeout: float = 1800,
    capture: bool = True,
    stdout_path: Path | None = None,
    on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> Run:
    """Run ``cmd`` to its end and measure it (see the module docstring).

    ``on_start`` runs in this thread right after launch (e.g. to wait for a log line and then
    signal the process); the measurement ends when the process exits.
    """
    out: IO[bytes] | int
    sink = None
    if stdout_path is not None:
        sink = stdout_path.open("wb")
        out = sink
    else:
        out = subprocess.PIPE if capture else subprocess.DEVNULL
    started = time.monotonic()
    process = subprocess.Popen(
        list(cmd),
        env=dict(env) if env is not None else None,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.PIPE if capture else subprocess.DEVNULL,
    )
    sampler = TreeSampler(process.pid, interval)
    sampler.start()
    chunks: dict[str, bytes] = {"stdout": b"", "stderr": b""}

    def drain(name: str, stream: IO[bytes] | None) -> None:
        if stream is not None:
            chunks[name] = stream.read()

    readers = [
        threading.Thread(target=drain, args=(name, getattr(process, name)), daemon=True)
        for name in ("stdout", "stderr")
    ]
    for reader in readers:
        reader.start()
    timer = threading.Timer(timeout, lambda: os.kill(process.pid, signal.SIGKILL))
    timer.start()
    try:
        if on_start is not None:
            on_start(process)
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop.set()
    sampler.join()
    for reader in readers:
        reader.join(timeout=10)
    if sink is not None:
        sink.close()
    peak = max(sampler.peak(), sampler.hwm_mb)
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mb=peak,
        returncode=process.returncode,
        started=started,
        sampler=sampler,
        stdout=chunks["stdout"].decode("utf-8", "replace"),
        stderr=chunks["stderr"].decode("utf-8", "replace"),
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """End a server the way its user would (SIGTERM), killing it after ``timeout`` s."""
    process.send_signal(signal.SIGTERM)  # nothing when it has already exited
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def load() -> str:
    """The 1-minute load average, for the line beside a figure (shared machine)."""
    return f"load {os.getloadavg()[0]:.1f}"
