"""The ingest commands as a user runs them: poll --once (text, jsonl), feeds add/remove/check,
and `sokbo run` as a real process that keeps running offline and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.feed_server import FeedServer, rss

ROOT = Path(__file__).resolve().parents[1]
ITEMS = [
    {"title": "중기부 추경 확정", "guid": "g1", "link": "https://www.korea.kr/1",
     "pubDate": "Fri, 10 Apr 2026 22:42:00 +0900",
     "content": "<p>추경이 확정되었다.</p><p>문의: 중소벤처기업부 정책총괄과 사무관 홍길동 "
                "(044-204-7320)</p>"},
]  # fmt: skip


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(path: Path, db: Path, feeds: dict[str, str], extra: str = "") -> Path:
    lines = [f'[database]\nurl = "sqlite:///{db}"', f"[feeds]\nread_timeout = 2\n{extra}"]
    lines += [f'[[feeds.sources]]\nname = "{n}"\nurl = "{u}"' for n, u in feeds.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_poll_once_jsonl(
    server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.add("/f", rss(ITEMS))
    config = write_config(tmp_path / "c.toml", tmp_path / "db.sqlite", {"보도자료": url})
    assert main(["poll", "--once", "--format", "jsonl", "--config", str(config)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["feed"] == "보도자료" and record["title"] == "중기부 추경 확정"
    assert record["published"] == "2026-04-10T22:42:00+09:00"
    assert record["url"] == "https://www.korea.kr/1"
    assert record["text"].startswith("추경이 확정되었다.")
    assert isinstance(record["id"], int)
    if "contacts" in record:  # filled when the contact extractor is installed (issue 3)
        assert any(c.get("phone") == "044-204-7320" for c in record["contacts"])
    # a second run finds nothing new, and says the feed answered as before
    assert main(["poll", "--once", "--format", "jsonl", "--config", str(config)]) == 0
    out = capsys.readouterr()
    assert out.out == ""
    assert "polled 1 feeds: 0 new, 0 edited, 1 unchanged, 0 failed" in out.err


def test_feeds_add_check_remove(
    server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "c.toml", tmp_path / "db.sqlite", {}, "sources = []\n")
    good = server.add("/good", rss(ITEMS))
    bad = server.add("/bad", "", status=500)
    assert main(["feeds", "add", good, "--name", "좋은 피드", "--config", str(config)]) == 0
    assert main(["feeds", "add", bad, "--config", str(config)]) == 0
    assert main(["feeds", "add", good, "--config", str(config)]) == 1
    assert main(["feeds", "add", "ftp://x", "--config", str(config)]) == 2
    out = capsys.readouterr()
    assert "added feed" in out.out and "already followed" in out.err
    assert "URL must start with" in out.err
    assert main(["feeds", "check", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "좋은 피드 ok: 1 items" in out
    assert "FAILED: HTTP 500 Internal Server Error" in out
    assert main(["feeds", "remove", "99", "--config", str(config)]) == 1
    assert main(["feeds", "list", "--config", str(config)]) == 0
    listing = capsys.readouterr().out
    assert "좋은 피드" in listing and "not polled yet" in listing
    assert "korea.kr" not in listing
    ids = [line.split("]")[0].lstrip("[") for line in listing.splitlines() if line.startswith("[")]
    assert main(["feeds", "remove", ids[-1], "--config", str(config)]) == 0
    assert f"feed {ids[-1]} removed" in capsys.readouterr().out


def test_invalid_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[feeds]\nmax_redirects = 99\n", encoding="utf-8")
    assert main(["feeds", "list", "--config", str(config)]) == 2
    assert "feeds.max_redirects" in capsys.readouterr().err


def test_run_keeps_running_offline_and_stops_on_sigterm(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/rss"
    config = write_config(
        tmp_path / "c.toml", tmp_path / "db.sqlite", {"끊긴 피드": dead},
        extra="poll_interval = 10\nbackoff_initial = 0.5\nbackoff_max = 1\n",
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
    env.pop("SOKBO_DATABASE_URL", None)
    log = tmp_path / "stderr.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if log.read_text().count("끊긴 피드 failed: connection refused") >= 2:
                    break
                assert proc.poll() is None, log.read_text()
                time.sleep(0.2)
            text = log.read_text()
            assert text.count("끊긴 피드 failed: connection refused") >= 2, text  # retried
            assert "Traceback" not in text
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
