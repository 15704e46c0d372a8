"""Issue 15: a CLI that says what it did — run as a user runs it (real processes, real feeds)."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import __version__
from bot.cli import IsoFormatter, build_parser, main, search_argv
from tests.feed_server import FeedServer, rss

ROOT = Path(__file__).resolve().parents[1]
ITEMS = [
    {"title": "중기부 추경 확정", "guid": "g1", "link": "https://www.korea.kr/1",
     "pubDate": "Fri, 10 Apr 2026 22:42:00 +0900", "content": "<p>추경이 확정되었다.</p>"},
]  # fmt: skip
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d ")


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        yield s


def closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/feed"


def config(tmp_path: Path, feeds: dict[str, str]) -> Path:
    lines = [f'[database]\nurl = "sqlite:///{tmp_path / "db.sqlite"}"', "[feeds]\nread_timeout = 2"]
    lines += [f'[[feeds.sources]]\nname = "{n}"\nurl = "{u}"' for n, u in feeds.items()]
    if not feeds:
        lines[1] += "\nsources = []"
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sokbo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for secret in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "OPENAI_API_KEY"):
        env.pop(secret, None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_config_before_and_after_the_command_and_db_upgrade_says_what_it_did(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(config(tmp_path, {}))
    assert main(["--config", path, "db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"applied \d+ migrations to sqlite:///", out)
    assert "0001_foundation" in out and "0005_chat_language" in out
    assert main(["db", "upgrade", "--config", path]) == 0
    assert "is up to date; no migrations to apply" in capsys.readouterr().out
    # given in both places, the one after the command wins (it is the more specific)
    args = build_parser().parse_args(["--config", "a.toml", "run", "--config", "b.toml"])
    assert str(args.config) == "b.toml"
    assert str(build_parser().parse_args(["--config", "a.toml", "feeds", "list"]).config) == (
        "a.toml"
    )


def test_search_minus_word_is_a_word_not_an_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(config(tmp_path, {}))
    assert main(["search", "-수출", "--config", path]) == 1
    err = capsys.readouterr().err
    assert "빼는 단어만 있어요" in err and "usage:" not in err
    assert main(["--config", path, "search", "반도체", "-수출", "--limit", "3"]) == 0
    assert "검색 결과가 없어요" in capsys.readouterr().out
    assert search_argv(["search", "AI", "-수출", "--format", "jsonl", '"양자 컴퓨터"']) == [
        "search",
        "--format",
        "jsonl",
        "--",
        "AI",
        "-수출",
        '"양자 컴퓨터"',
    ]
    assert main(["search", "--config", path]) == 1
    assert "검색어를 입력해 주세요" in capsys.readouterr().err


def test_help_describes_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["search", "--help"])
    options = capsys.readouterr().out.split("options:")[1]
    for option, words in [("--limit", "at most"), ("--agency", "agency"), ("--format", "jsonl")]:
        described = options[options.index("  " + option) :].split("\n  --")[0]
        assert words in described, option
    with pytest.raises(SystemExit):
        main(["poll", "--help"])
    assert "sokbo run" in capsys.readouterr().out


def test_poll_without_once_says_what_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["poll", "--config", str(config(tmp_path, {}))]) == 2
    err = capsys.readouterr().err
    assert "--once" in err and "sokbo run" in err


def test_poll_once_one_line_per_failed_feed_and_exit_status(
    server: FeedServer, tmp_path: Path
) -> None:
    good = server.add("/f", rss(ITEMS))
    bad = closed_url()
    path = str(config(tmp_path, {"좋은 피드": good, "닫힌 피드": bad}))
    done = sokbo("--config", path, "poll", "--once", "--format", "jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    failed = [line for line in done.stderr.splitlines() if "닫힌 피드" in line]
    assert len(failed) == 1, done.stderr  # one line, not a log line and a CLI line
    assert "alembic" not in done.stderr  # library INFO chatter is quiet
    logged = [line for line in done.stderr.splitlines() if " INFO " in line]
    assert logged and all(ISO.match(line) for line in logged), done.stderr
    # every feed failing is a failure of the command
    (tmp_path / "other").mkdir()
    only_bad = str(config(tmp_path / "other", {"닫힌 피드": bad}))
    done = sokbo("poll", "--once", "--config", only_bad, cwd=tmp_path)
    assert done.returncode == 1
    assert len([line for line in done.stderr.splitlines() if "닫힌 피드" in line]) == 1


def test_iso_log_times_carry_the_offset() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    line = IsoFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s").format(record)
    assert ISO.match(line) and line.endswith("INFO x: hello")


def test_run_says_in_one_line_which_services_run(tmp_path: Path) -> None:
    from bot.app import App
    from bot.cli_commands.ingest import services_line
    from bot.config import load_settings

    settings = load_settings(config(tmp_path, {"보도자료": "https://example.kr/rss"}), env={})
    app = App.build(settings)
    try:
        line = services_line(app)
    finally:
        app.engine.dispose()
    assert "\n" not in line and line.startswith("sokbo: running — 1 feeds every 300 s")
    assert "Telegram off (no TELEGRAM_BOT_TOKEN)" in line and "Slack off" in line
    assert "offline summaries (no OPENAI_API_KEY)" in line and "console on" in line
    assert "web on http://127.0.0.1:8080" in line


def test_the_command_line_exits_without_teardown_but_runs_exit_handlers(tmp_path: Path) -> None:
    """``sokbo`` leaves through exit_now once main returns (the interpreter's teardown cost
    0.3-0.4 s of a warm poll): its status, its output and the exit handlers are kept."""
    script = (
        "import atexit, sys\n"
        "from bot.cli import exit_now\n"
        "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
        "sys.stdout.write('buffered, unflushed')\n"
        "exit_now(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 3
    assert done.stdout == "buffered, unflushed"
    assert done.stderr == "handler ran\n"
    version = subprocess.run(
        [sys.executable, "-m", "bot", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert version.returncode == 0 and version.stdout.startswith("sokbo ")


def test_the_command_line_does_not_load_trio() -> None:
    """httpcore imports trio whenever it is installed (selenium brings it here): sokbo runs on
    asyncio only, so its process marks trio absent and httpcore does without it."""
    script = (
        "import atexit\n"
        "def report():\n"
        "    from httpcore import _synchronization\n"
        "    print(_synchronization.trio)\n"
        "atexit.register(report)\n"
        "from bot.cli import console_main\n"
        "console_main(['--version'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"sokbo {__version__}", "None"]


def test_the_command_line_waits_for_a_thread_still_running() -> None:
    """exit_now leaves without the interpreter's teardown only when nothing of the process
    still runs: a thread of its own that has not ended is waited for, as Python does."""
    script = (
        "import threading, time\n"
        "from bot.cli import exit_now\n"
        "def late():\n"
        "    time.sleep(0.5)\n"
        "    print('thread done', flush=True)\n"
        "threading.Thread(target=late).start()\n"
        "exit_now(4)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 4
    assert done.stdout == "thread done\n"
