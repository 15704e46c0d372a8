"""``sokbo search`` end to end through bot.cli.main, on both engines."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.cli import main
from tests.search_corpus import BASE_TIME, add_feed, add_story


@pytest.fixture
def config(tmp_path: Path, db_url: str, engine: Engine) -> Path:
    feed = add_feed(engine)
    add_story(
        engine,
        feed,
        title="딥테크 스케일업 밸리",
        text="과학기술정보통신부는 딥테크를 키운다.",
        published_at=BASE_TIME - timedelta(days=2),
    )
    add_story(
        engine,
        feed,
        title="중기부 반도체 지원",
        text="중소벤처기업부는 인공지능(AI) 반도체 기업을 돕는다.",
        published_at=BASE_TIME,
    )
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    return path


def test_text_output_marks_matches(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "딥테크를", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "딥테크 스케일업 밸리" in out and "[딥테크]" in out and "과기정통부" in out


def test_jsonl_with_filters(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["search", "AI 반도체", "--format", "jsonl", "--agency", "중소벤처기업부"]
    assert main([*args, "--since", "2026-01-01", "--limit", "3", "--config", str(config)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["headline"] == "중기부 반도체 지원" and record["agency"] == "중기부"
    assert record["matches"] == ["AI", "반도체"]


def test_bad_query_exits_1_with_korean_reason(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "?!", "--config", str(config)]) == 1
    assert "검색할 단어가 없어요" in capsys.readouterr().err
    # issue 21, item 8: a date datetime cannot move to UTC was an OverflowError traceback
    assert main(["search", "딥테크", "--since", "0001-01-01", "--config", str(config)]) == 1
    assert "1900년부터 2999년 사이로" in capsys.readouterr().err


def test_bad_options_exit_2(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "딥테크", "--since", "어제", "--config", str(config)]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["search", "딥테크", "--limit", "0", "--config", str(config)]) == 2
    assert main(["search", "딥테크", "--agency", "없는부", "--config", str(config)]) == 1
