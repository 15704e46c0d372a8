"""The topic taxonomy: canonical Korean names, the aliases people type, and classification.

A story's topics come from keywords in its title and text (the title counts double).
The taxonomy is extendable in config (``[topics] extra``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

OTHER = "기타"

# canonical name → (aliases a user may type, keywords that put a story in the topic)
BUILTIN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "AI": (
        ("ai", "인공지능", "에이아이"),
        ("인공지능", "AI", "생성형", "LLM", "sLLM", "머신러닝", "딥러닝", "AX", "피지컬AI"),
    ),
    "반도체": (("반도체", "칩", "시스템반도체"), ("반도체", "팹리스", "파운드리", "HBM", "NPU")),
    "양자": (("양자", "퀀텀", "양자기술"), ("양자", "퀀텀")),
    "창업·벤처": (
        ("창업", "벤처", "스타트업", "창업벤처", "창업·벤처"),
        ("창업", "벤처", "스타트업", "유니콘", "딥테크", "액셀러레이터", "모태펀드", "투자유치"),
    ),
    "중소기업": (
        ("중소기업", "소상공인", "중기", "중소벤처"),
        ("중소기업", "소상공인", "중소벤처", "전통시장", "온누리상품권", "자영업"),
    ),
    "지역·특구": (
        ("지역", "특구", "지역특구", "지역·특구", "균형발전"),
        ("특구", "지역", "지자체", "균형발전", "광역", "거점"),
    ),
    "ICT·통신": (
        ("ict", "통신", "ict·통신", "ict통신", "정보통신", "네트워크"),
        ("ICT", "통신", "5G", "6G", "네트워크", "소프트웨어", "디지털", "클라우드", "데이터"),
    ),
    "과학기술": (
        ("과학", "과학기술", "r&d", "연구개발"),
        ("과학기술", "연구개발", "R&D", "연구자", "원천기술", "기초연구", "출연연"),
    ),
    "산업·통상": (
        ("산업", "통상", "수출", "산업·통상", "산업통상"),
        ("산업", "수출", "통상", "무역", "제조", "관세", "공급망"),
    ),
    "고용·노동": (
        ("고용", "노동", "일자리", "고용·노동", "고용노동"),
        ("고용", "노동", "일자리", "근로", "임금", "취업", "채용", "실업"),
    ),
    "복지·보건": (
        ("복지", "보건", "의료", "복지·보건", "보건복지"),
        ("복지", "보건", "의료", "건강", "돌봄", "연금", "출산", "아동", "노인", "장애"),
    ),
    "교통·국토": (
        ("교통", "국토", "부동산", "주택", "교통·국토"),
        ("교통", "국토", "주택", "부동산", "철도", "도로", "항공", "건설", "도시"),
    ),
    "안전·치안": (
        ("안전", "치안", "경찰", "재난", "안전·치안"),
        ("안전", "치안", "경찰", "범죄", "재난", "사고", "수사", "단속"),
    ),
    OTHER: (("기타",), ()),
}


@dataclass(frozen=True)
class Taxonomy:
    """Topics with aliases (for commands) and keywords (for classifying stories)."""

    aliases: Mapping[str, str]  # lower-cased alias → canonical name
    keywords: Mapping[str, tuple[str, ...]]  # canonical name → keywords
    names: tuple[str, ...]

    def resolve(self, word: str) -> str | None:
        """The canonical topic a user means by ``word`` (``인공지능`` → ``AI``), or None."""
        key = word.strip().lower().replace(" ", "")
        return self.aliases.get(key) or self.aliases.get(key.replace("·", ""))

    def classify(
        self, title: str, text: str, *, limit: int = 3, lead: str | None = None
    ) -> list[str]:
        """The ``limit`` strongest topics plus any the title names; ``기타`` when none fits.

        With ``lead`` (the release's subtitle and first sentences), a topic also needs one of
        its terms in the title or the lead: one mention in a footnote does not make a topic.
        Latin terms (AI, ICT) count as whole words only (not the "ai" of "main")."""
        scores: dict[str, int] = {}
        lowered_title, lowered_text = title.lower(), text.lower()
        lowered_lead = lowered_title + "\n" + (lead or "").lower()
        for name, words in self.keywords.items():
            score = 0
            in_front = lead is None
            for word in words:
                w = word.lower()
                score += 3 * _count(lowered_title, w) + min(_count(lowered_text, w), 5)
                in_front = in_front or _count(lowered_lead, w) > 0
            if score >= 2 and in_front:
                scores[name] = score
        ranked = sorted(scores, key=lambda n: (-scores[n], self.names.index(n)))
        chosen = ranked[:limit]
        # A topic the headline names is always kept, even when the body talks more of others:
        # "지능형 반도체 혁신" must reach 반도체 subscribers.
        chosen += [
            n
            for n in ranked[limit:]
            if any(_count(lowered_title, w.lower()) for w in self.keywords[n])
        ]
        return chosen or [OTHER]


def _count(text: str, word: str) -> int:
    """Occurrences of ``word`` in ``text``; a Latin word only where no letter touches it."""
    if word not in text:  # most keywords are absent: no regex scan for them
        return 0
    pattern = _whole_word(word)
    if pattern is not None:
        return len(pattern.findall(text))
    return text.count(word)


@lru_cache(maxsize=4096)
def _whole_word(word: str) -> re.Pattern[str] | None:
    """The pattern a Latin ``word`` is counted by (None for others): decided and compiled once
    per keyword, not for each of the taxonomy's words in every article."""
    if re.fullmatch(r"[a-z0-9&+.\- ]+", word):
        return re.compile(rf"(?<![a-z]){re.escape(word)}(?![a-z])")
    return None


def build_taxonomy(extra: Mapping[str, Sequence[str]] | None = None) -> Taxonomy:
    """The built-in taxonomy plus ``extra`` topics (name → aliases, also used as keywords)."""
    aliases: dict[str, str] = {}
    keywords: dict[str, tuple[str, ...]] = {}
    names: list[str] = []
    items = [(n, (a, k)) for n, (a, k) in BUILTIN.items()]
    items += [(n, (tuple(a), (n, *a))) for n, a in (extra or {}).items()]
    for name, (alias_list, words) in items:
        if name not in names:
            names.append(name)
        keywords[name] = tuple(dict.fromkeys(keywords.get(name, ()) + tuple(words)))
        for alias in (name, *alias_list):
            aliases[alias.lower().replace(" ", "")] = name
    return Taxonomy(aliases=aliases, keywords=keywords, names=tuple(names))


DEFAULT_TAXONOMY = build_taxonomy()
