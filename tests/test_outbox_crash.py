"""kill -9 during a real fan-out loses nothing and repeats at most one send per kill."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bot.clock import SystemClock
from bot.store import create_engine
from bot.store.deliveries import enqueue, state_counts
from tests.core_helpers import add_chats, add_story

ROOT = Path(__file__).resolve().parents[1]
CHATS = 300


def test_kill_9_loses_nothing(db_url: str, tmp_path: Path) -> None:
    engine = create_engine(db_url)
    now = SystemClock().now()
    story = add_story(engine, "반도체 특별법 시행", now)
    enqueue(engine, add_chats(engine, CHATS, now), story, now)
    out = tmp_path / "sent.txt"
    rng = random.Random(4)
    kills = 0
    for _ in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fanout_worker", db_url, str(out)], cwd=ROOT
        )
        time.sleep(rng.uniform(0.4, 1.2))
        if proc.poll() is None:
            proc.kill()  # SIGKILL: no cleanup at all
            kills += 1
        proc.wait()
    final = subprocess.run(
        [sys.executable, "-m", "tests.fanout_worker", db_url, str(out)], cwd=ROOT, timeout=120
    )
    assert final.returncode == 0
    lines = Counter(out.read_text().splitlines())
    assert kills >= 2
    assert len(lines) == CHATS  # nobody lost
    duplicates = sum(n - 1 for n in lines.values())
    assert duplicates <= kills
    assert state_counts(engine) == {"sent": CHATS}
    engine.dispose()
