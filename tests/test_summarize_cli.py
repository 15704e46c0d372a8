"""``sokbo summarize``: a real release as JSON and text, and clear errors for bad sources."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import DOCS

RELEASE = DOCS / "articles__10_gt_중소벤처기업부_156754060.txt"


@pytest.fixture(autouse=True)
def _offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("SOKBO_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")


def test_json_digest_of_a_release_keeps_its_contacts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summarize", str(RELEASE), "--format", "json"]) == 0
    digest = json.loads(capsys.readouterr().out)
    assert digest["summarizer"] == "extractive"
    assert "추경" in digest["headline"]
    assert [c["phone"] for c in digest["contacts"] if c["phone"]] == ["044-204-7320"]


def test_text_digest_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(RELEASE.read_text(encoding="utf-8")))
    assert main(["summarize", "-"]) == 0
    out = capsys.readouterr().out
    assert "문의" in out and "044-204-7320" in out


@pytest.mark.parametrize("source", ["/nonexistent/file.txt", "http://127.0.0.1:9/x"])
def test_unreadable_source_is_one_line_and_exit_1(
    source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summarize", source]) == 1
    err = capsys.readouterr().err
    assert err.startswith("cannot read") and "Traceback" not in err


def test_empty_input_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n  \n"))
    assert main(["summarize", "-"]) == 1
    assert "nothing to summarize" in capsys.readouterr().err
