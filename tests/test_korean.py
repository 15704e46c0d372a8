"""bot.korean on mecab-ko: sentence splitting of press-release Korean, stems, spacing repair.

Most split cases are lines of the real documents in tests/data/docs (named in the comment
beside them) or of ../shared/data/press_variants; a few are built to pin one rule.
"""

from __future__ import annotations

import pytest

from bot.korean import repair_spacing, split_sentences, stem, strip_endings, tokens

SPLITS: list[tuple[str, list[str]]] = [
    # articles__14 (국토교통부): header line with a dated 배포 field, kept whole
    (
        "보도시점 2026. 4. 13.(월) 12:00 배포 2026. 4. 12.(일) 10:00",
        ["보도시점 2026. 4. 13.(월) 12:00 배포 2026. 4. 12.(일) 10:00"],
    ),
    ("(2025. 5. 29.(목) 조간)", ["(2025. 5. 29.(목) 조간)"]),
    ("배포 2025. 5. 28.(수) 09:00", ["배포 2025. 5. 28.(수) 09:00"]),
    # seeds (과기정통부): ’25.4.30 inside 「 」 and a sentence after it
    (
        "「국가 기술사업화 비전 선포식(’25.4.30)」의 후속으로 개최됐다. 전략 대화가 이어졌다.",
        ["「국가 기술사업화 비전 선포식(’25.4.30)」의 후속으로 개최됐다.", "전략 대화가 이어졌다."],
    ),
    ("’25.5월 대비 수출이 1.5배 늘었다.", ["’25.5월 대비 수출이 1.5배 늘었다."]),
    (
        "성장률은 2.3%로 전망된다. 물가는 1.8% 수준이다.",
        ["성장률은 2.3%로 전망된다.", "물가는 1.8% 수준이다."],
    ),
    # articles__10 (중소벤처기업부): two sentences, the second opening with a date
    (
        "선정 절차를 진행 중이다. 4월 13일(월) 부터 모집하는 이번 공고는 원청기업을 대상으로 한다.",
        [
            "선정 절차를 진행 중이다.",
            "4월 13일(월) 부터 모집하는 이번 공고는 원청기업을 대상으로 한다.",
        ],
    ),
    # 명사형 종결 (등., 예정., 함.) ends a sentence too
    (
        "지원 대상은 중소기업, 소상공인 등. 신청은 다음 달부터.",
        ["지원 대상은 중소기업, 소상공인 등.", "신청은 다음 달부터."],
    ),
    (
        "5월 중 공고 예정. 자세한 내용은 누리집 참조.",
        ["5월 중 공고 예정.", "자세한 내용은 누리집 참조."],
    ),
    ("결정된 바 없음. 보도에 유의 바람.", ["결정된 바 없음.", "보도에 유의 바람."]),
    # quotations: a period inside closing quotes followed by 라고/며 does not end the sentence
    (
        "“이자 비용을 편성하는 방안을 검토하고 있다.”라고 보도",
        ["“이자 비용을 편성하는 방안을 검토하고 있다.”라고 보도"],
    ),
    (
        "장관은 “현장의 목소리를 듣겠다.”며 “적극 지원하겠다.”고 말했다. 이어 간담회가 열렸다.",
        [
            "장관은 “현장의 목소리를 듣겠다.”며 “적극 지원하겠다.”고 말했다.",
            "이어 간담회가 열렸다.",
        ],
    ),
    (
        "그는 “지원하겠다.” 이어 “협력하겠다.”고 밝혔다.",
        ["그는 “지원하겠다.”", "이어 “협력하겠다.”고 밝혔다."],
    ),
    ("‘빠르게’ 추진한다. ‘함께’ 간다.", ["‘빠르게’ 추진한다.", "‘함께’ 간다."]),
    # ※ notes start a new unit, also mid-line
    (
        "단속 건수는 1,234건이다. ※ 현장 단속 통계로 추후 변동될 수 있음",
        ["단속 건수는 1,234건이다.", "※ 현장 단속 통계로 추후 변동될 수 있음"],
    ),
    (
        "※ (일시/장소) 2025. 5. 28.(수) 16:00~17:30, 코리아나 호텔",
        ["※ (일시/장소) 2025. 5. 28.(수) 16:00~17:30, 코리아나 호텔"],
    ),
    # list items without a final period, one per line
    (
        "□ 주요 내용\nㅇ 지원 대상: 창업 7년 이내 기업\nㅇ 지원 규모: 최대 1억 원",
        ["□ 주요 내용", "ㅇ 지원 대상: 창업 7년 이내 기업", "ㅇ 지원 규모: 최대 1억 원"],
    ),
    ("- 제목\n- 등록일\n- 2011-05-11", ["- 제목", "- 등록일", "- 2011-05-11"]),
    ("1. 개요\n2. 추진 배경", ["1. 개요", "2. 추진 배경"]),
    ("가. 추진 배경 설명. 다음 단계로 간다.", ["가. 추진 배경 설명.", "다음 단계로 간다."]),
    ("1. 사업 개요를 설명한다.", ["1. 사업 개요를 설명한다."]),
    # numbers, money and times never split
    ("총 2,000.5억 원을 투입한다.", ["총 2,000.5억 원을 투입한다."]),
    (
        "오전 10:30에 시작한다. 오후 3.5시간 진행된다.",
        ["오전 10:30에 시작한다.", "오후 3.5시간 진행된다."],
    ),
    ("v2.0을 공개했다. 이어 시연했다.", ["v2.0을 공개했다.", "이어 시연했다."]),
    ("2024. 5.28. ~ 5.29. 일부 언론이 보도했다.", ["2024. 5.28. ~ 5.29. 일부 언론이 보도했다."]),
    # question and exclamation marks
    ("왜 중요한가? 답은 명확하다!", ["왜 중요한가?", "답은 명확하다!"]),
    (
        "딥테크 300억 원으로 지능형 반도체 혁신 촉진!",
        ["딥테크 300억 원으로 지능형 반도체 혁신 촉진!"],
    ),
    # Latin abbreviations stay inside
    (
        "Dr. Kim과 Mr. Lee가 참석했다. 회의는 끝났다.",
        ["Dr. Kim과 Mr. Lee가 참석했다.", "회의는 끝났다."],
    ),
    # a period glued to the next word is not a boundary (conversion artefact kept as is)
    ("정부가 투자한다.거점이다", ["정부가 투자한다.거점이다"]),
    ("정부가 투자한다. 거점이다!", ["정부가 투자한다.", "거점이다!"]),
    # blank lines and spaces
    ("\n\n  첫 문장이다.  \n\n둘째 문장이다.\n", ["첫 문장이다.", "둘째 문장이다."]),
    ("", []),
    # bracketed asides with periods inside
    (
        "예산은 늘었다(전년 대비 12.5% 증가). 집행률도 높다.",
        ["예산은 늘었다(전년 대비 12.5% 증가).", "집행률도 높다."],
    ),
    (
        "사업설명회(4. 20.)를 연다. 참가는 무료다.",
        ["사업설명회(4. 20.)를 연다.", "참가는 무료다."],
    ),
    # a Table cell run joined by " | " stays one unit per line
    ("| 구분 | 내용 |\n| 대상 | 중소기업 |", ["| 구분 | 내용 |", "| 대상 | 중소기업 |"]),
]


@pytest.mark.parametrize(("text", "expected"), SPLITS, ids=[str(i) for i in range(len(SPLITS))])
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_there_are_at_least_thirty_split_cases() -> None:
    assert len(SPLITS) >= 30


@pytest.mark.parametrize(
    ("word", "stemmed", "stripped"),
    [
        ("반도체를", "반도체", "반도체"),
        ("딥테크의", "딥테크", "딥테크"),
        ("AI를", "AI", "AI"),
        ("300억을", "300억", "300억"),
        ("지원한다", "지원", "지원"),
        ("거점이다", "거점", "거점"),
        ("새만금에서", "새만금", "새만금"),
        ("특구", "특구", "특구"),
        ("경로", "경로", "경로"),
    ],
)
def test_stem_and_strip_endings(word: str, stemmed: str, stripped: str) -> None:
    assert stem(word) == stemmed
    assert strip_endings(word) == stripped


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("해양수산부 는 새 제도를 만든다", "해양수산부는 새 제도를 만든다"),
        ("총 2,000 만 원을 지원한다", "총 2,000만 원을 지원한다"),
        ("4월 1 일부터 신청한다", "4월 1일부터 신청한다"),
        ("기업 을 돕는다", "기업을 돕는다"),
        ("AI 가 바꾼다", "AI가 바꾼다"),
        ("2026 년 3 개 기관", "2026년 3개 기관"),
        # already right, or spaces that belong there: unchanged
        ("중소기업과 대학 및 연구소", "중소기업과 대학 및 연구소"),
        ("이 사업은 기업을 돕는다", "이 사업은 기업을 돕는다"),
        ("300억 원 규모", "300억 원 규모"),
        ("과 장 김 곤", "과 장 김 곤"),
    ],
)
def test_repair_spacing(broken: str, fixed: str) -> None:
    assert repair_spacing(broken) == fixed


def test_analysis_is_capped() -> None:
    huge = "반도체 특구를 지정한다 " * 100_000
    assert tokens(huge, limit=300)[-1].end <= 300
    assert len(tokens(huge)) < 30_000


def test_compound_parts_spell_the_word() -> None:
    [token] = [t for t in tokens("해양수산부") if t.tag.startswith("NNP")]
    assert [("해양수산부"[s:e]) for s, e in token.parts] == ["해양", "수산", "부"]
