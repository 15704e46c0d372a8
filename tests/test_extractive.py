"""The extractive digest: pure, plain values, real documents from data/."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.documents.source import read_document
from bot.summarize.base import Document
from bot.summarize.extractive import ExtractiveSummarizer, shorten, to_news_style
from bot.summarize.grounding import SourceFacts, ungrounded
from bot.topics import build_taxonomy

DOCS = Path(__file__).parent / "data" / "docs"
FIXTURES = sorted(p for p in DOCS.iterdir() if p.suffix in {".txt", ".md"} and p.stem != "SOURCES")
SUMMARIZER = ExtractiveSummarizer()


def test_news_style_and_shortening() -> None:
    assert to_news_style("사업이 시작됩니다.") == "사업이 시작된다."
    assert to_news_style("지원하고 있습니다.") == "지원하고 있다."
    assert to_news_style("목표입니다.") == "목표이다."
    assert to_news_style("확정했다") == "확정했다."
    text = "중소벤처기업부(장관 한성숙, 이하 중기부)는 " + "가나다라, " * 40
    short = shorten(text, 120)
    assert len(short) <= 120 and "장관 한성숙" not in short and short.endswith("…")


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_document_gives_a_valid_grounded_digest(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    doc = read_document(raw)
    summary = SUMMARIZER.summarize_now(doc)
    assert 1 <= len(summary.headline) <= 60
    assert len(summary.bullets) <= 5 and all(len(b) <= 200 for b in summary.bullets)
    assert not any(b.endswith("…") for b in summary.bullets)  # whole sentences only
    assert summary.summarizer == "extractive" and summary.prompt_version == ""
    facts = SourceFacts.of(doc.text, summary.contacts)
    for bullet in summary.bullets:
        assert ungrounded(bullet.rstrip("…"), facts) == [], bullet
    for item in [*summary.amounts, *summary.key_dates]:
        assert ungrounded(item.value, facts) == [], item


def test_press_release_digest() -> None:
    doc = read_document((DOCS / "articles__10_gt_중소벤처기업부_156754060.txt").read_text())
    s = SUMMARIZER.summarize_now(doc)
    assert s.headline == "중기부 '26년 추경예산 1조 6,903억원 확정"
    assert 3 <= len(s.bullets) <= 5
    assert "1조 6,903억원" in s.bullets[0]  # the conversion artefact "6,903 억원" repaired
    assert s.agencies == ["중기부"] and s.topics[0] == "중소기업"
    assert s.amounts[0].value == "1조 6,903억원"
    # 4월 10일 is the day the 국회 passed it: no label fits (not 신청 기간), so it is not shown
    assert all(d.label and d.label != "신청 기간" for d in s.key_dates)
    assert [c.name for c in s.contacts] == ["이하녕", "강해준"]
    assert s.source_url.startswith(
        "https://www.korea.kr/briefing/pressReleaseView.do?newsId=156754060"
    )


def test_html_blog_post_reads_as_news_style() -> None:
    doc = read_document((DOCS / "seeds__000_6fb3ceb66007639a.txt").read_text())
    s = SUMMARIZER.summarize_now(doc)
    assert s.headline == "딥테크 300억 원으로 지능형 반도체 혁신 촉진!"
    assert all(b.endswith(("다.", "…")) for b in s.bullets)
    assert not any("니다" in b for b in s.bullets)
    assert s.regions == ["광주", "대전"]
    assert "<" not in " ".join(s.bullets)


def test_extra_topics_from_config() -> None:
    summarizer = ExtractiveSummarizer(build_taxonomy({"우주": ("위성", "발사체")}))
    doc = Document(
        title="차세대 위성 발사체 개발", text="정부는 차세대 위성 발사체 개발에 착수했다고 밝혔다."
    )
    assert "우주" in summarizer.summarize_now(doc).topics


@pytest.mark.parametrize(
    "text",
    ["", "\x00\x01<<<>>>", "<p>" * 5000, "다." * 20000, "## 본문\n" + "|" * 3000, "😀" * 1000],
)
def test_hostile_text_never_raises(text: str) -> None:
    summary = SUMMARIZER.summarize_now(Document(title="", text=text))
    assert summary.headline
