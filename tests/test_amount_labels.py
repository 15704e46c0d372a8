"""An amount's label is its grammatical head in the sentence (bot/summarize/facts.py), read
with the tagger's parts of speech; sentences are taken from the real releases in tests/data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.render import slack, telegram, text
from bot.summarize.facts import _AMOUNT, amount_noun, find_amounts
from bot.types import Labeled, Summary

DATA = Path(__file__).parent / "data"


def _sentence(path: str, needle: str) -> str:
    """The line of a file in tests/data that contains ``needle`` (the release's own words),
    as a reader sees it: without HTML tags and markdown emphasis."""
    for line in (DATA / path).read_text(encoding="utf-8").splitlines():
        if needle in line:
            return re.sub(r"<[^>]+>|\*\*", "", line)
    raise AssertionError(f"{needle!r} not in {path}")


def _label_after(sentence: str, needle: str) -> str:
    """The label of the first amount after ``needle`` in the sentence."""
    at = sentence.index(needle)
    m = next(m for m in _AMOUNT.finditer(sentence) if m.start() >= at)
    return amount_noun(sentence, m.start(), m.end())


def _labels(sentence: str) -> dict[str, str]:
    """Each amount of the sentence (spaces removed) → its label."""
    return {
        "".join(m.group(0).split()): amount_noun(sentence, m.start(), m.end())
        for m in _AMOUNT.finditer(sentence)
    }


SUPPLEMENTARY = "docs/articles__10_gt_중소벤처기업부_156754060.txt"


def test_a_verbal_noun_names_spending_only_with_its_object() -> None:
    # 피해 최소화에 4,622억원, 민생안정에 4,952억원, 열풍 조성에 6,719억원, AI 전환에 610억원
    labels = _labels(_sentence(SUPPLEMENTARY, "최소화에"))
    assert labels["4,622억원"] == "피해 최소화"  # not 최소화 alone
    assert labels["4,952억원"] == "민생안정"
    assert labels["6,719억원"] == "열풍 조성"  # not 조성 alone
    assert labels["610억원"] == "AI 전환"


def test_a_subject_that_acts_on_the_amount_is_not_its_label() -> None:
    # 정부는 50억 원을 투입하여 …: the government spends it; the budget is named later
    spend = _sentence("docs/newsdao__2024-07-19-13.md", "정부는 50억 원을")
    assert _labels(spend)["50억원"] == ""
    budget = _sentence("docs/newsdao__2024-07-19-13.md", "50억 원의 예산")
    amounts = find_amounts([spend, budget])
    assert ("예산", "50억 원") in [(a.label, a.value) for a in amounts]
    assert all(a.label != "정부" for a in amounts)


def test_a_subject_whose_predicate_is_the_amount_is_its_label() -> None:
    # 외국인 보유 토지 공시지가는 31조 4,962억 원으로 …: the land's value, not 보유
    line = _sentence("press/readhim__156448349.md", "공시지가는 31조")
    assert _labels(line)["31조4,962억원"] == "토지 공시지가"


def test_bracketed_amount_and_bare_noun_before_it() -> None:
    threshold = _sentence("press/kordoc__156757801.md", "기준금액(2천만 원)")
    assert _label_after(threshold, "기준금액(") == "기준금액"
    # 승용자동차 6만 원, 승합 자동차 7만 원의 범 칙금: 칙금 was a split word of 범칙금
    fines = _labels(_sentence("docs/articles__15_gt_경찰청_156754183.txt", "승합 자동차"))
    assert fines == {"6만원": "승용자동차", "7만원": "승합 자동차"}
    # 국비 최대 1억원 지원: 지원 after the amount is the verb, not what it is of
    state = _labels(_sentence("docs/articles__12_gt_중소벤처기업부_156754124.txt", "국비 최대 1"))
    assert state == {"최대1억원": "국비"}


def test_no_head_gives_the_amount_without_a_label_and_not_a_cut_number() -> None:
    # 본예산 62.8조원 대비 0.2조원 증가한 63.0조원 규모이다
    line = _sentence("docs/articles__14_gt_국토교통부_156754053.txt", "본예산")
    assert _labels(line) == {"62.8조원": "본예산", "0.2조원": "", "63.0조원": ""}
    assert [(a.label, a.value) for a in find_amounts([line])] == [
        ("본예산", "62.8조원"),
        ("", "0.2조원"),
        ("", "63.0조원"),
    ]
    # the pattern finds 204억원 inside 1천204억원: that tail is no amount of the text
    assert find_amounts(["공항 시설 예산 1천204억원을 반영했다."]) == []


@pytest.mark.parametrize("render", ["text", "telegram", "slack"])
def test_an_amount_without_a_label_is_shown_as_its_value(render: str) -> None:
    summary = Summary(
        headline="국토부 추경",
        bullets=["예산이 늘었다."],
        amounts=[Labeled(label="본예산", value="62.8조원"), Labeled(label="", value="0.2조원")],
    )
    from bot.messages import Alert
    from tests.test_render_common import MORNING

    alert = Alert(1, summary, "국토부", MORNING, "https://www.molit.go.kr/a")
    if render == "text":
        out = text.render_alert(alert)
        assert "- 본예산: 62.8조원\n- 0.2조원" in out
    elif render == "telegram":
        out = "".join(telegram.render_message(alert))
        assert "▪ 본예산: 62.8조원\n▪ 0.2조원" in out
    else:
        [message] = slack.render(alert)
        out = str(message.blocks)
        assert "• *본예산*: 62.8조원" in out and "• 0.2조원" in out
    assert ": 0.2조원" not in out
