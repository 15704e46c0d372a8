"""The words of a contact block: titles (과장, 사무관), designations (책임자/담당자), labels,
Korean personal names by their shape, and unit words (부서, 기관) by their endings.

Pure vocabulary and predicates; :mod:`bot.documents.people` uses them to read the block.
"""

from __future__ import annotations

import re

from bot.agencies import resolve_agency

TITLES = (
    "과장", "팀장", "국장", "실장", "단장", "반장", "부장", "차장", "계장", "센터장", "본부장",
    "소장", "원장", "처장", "관장", "부단장", "부팀장", "파트장", "담당관", "정책관", "심의관",
    "기획관", "대변인", "사무관", "서기관", "주무관", "행정관", "전문관", "연구관", "연구사",
    "주사", "주사보", "총경", "경정", "경감", "경위", "경사", "경장", "순경", "대리", "선임",
    "주임", "팀원", "연구원", "선임연구원", "책임연구원", "수석연구원", "전문위원", "위원",
    "매니저", "책임", "수석", "과장대리", "전문경력관", "연구위원", "감독관", "조사관",
    "기술서기관", "공업사무관", "시설사무관", "행정사무관", "전산사무관", "보건사무관",
    # military, fire, police and prosecution ranks: never a person's name
    "소위", "중위", "대위", "소령", "중령", "대령", "준장", "준위", "원사", "상사", "중사",
    "하사", "소방사", "소방교", "소방장", "소방위", "소방경", "소방령", "소방정", "소방준감",
    "경무관", "치안감", "검사", "수사관", "외무행정관", "책임컨설턴트", "컨설턴트", "교수",
    "이사관", "부이사관", "서기보", "사무원", "실무관", "전문연구원", "부연구위원",
)  # fmt: skip
TITLE_SET = frozenset(TITLES)
DESIGNATIONS = ("책임자", "담당자")
LABELS = frozenset(
    [
        "담당부서",
        "담당기관",
        "부서",
        "기관",
        "부서명",
        "구분",
        "소속",
        "역할",
        "직위",
        "직급",
        "성명",
        "이름",
        "연락처",
        "전화",
        "전화번호",
        "담당",
        "비고",
        "문의",
        "문의처",
        "TEL",
        "Tel",
        "tel",
        "부서/기관",
    ]
)
# Common Korean surnames (one syllable) and the two-syllable ones.
SURNAMES = frozenset(
    "김이박최정강조윤장임한오서신권황안송류유전홍고문양손배백허남심노하곽성차주우구민진나지"
    "엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예경봉사"
    "부가복태목형피두감음빈동온호범좌팽승간상갈시견당화창옹순라"
)
SURNAMES2 = ("남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방")
UNIT_END = (
    "부", "처", "청", "과", "실", "국", "단", "팀", "센터", "본부", "위원회", "재단", "공단",
    "공사", "협회", "사무소", "소", "관", "원", "TF", "반", "회", "시", "도", "군", "구",
)  # fmt: skip
INSTITUTION_END = (
    "재단", "연구원", "공단", "공사", "진흥원", "협회", "연구소", "기술원", "평가원",
    "개발원", "정보원", "관리원", "진흥회", "센터", "대학교", "병원", "은행",
)  # fmt: skip


def squash(value: str) -> str:
    return re.sub(r"\s+", "", value)


_TITLE_END = re.compile(
    r"(국장|과장|팀장|실장|단장|부장|소장|원장|관장|센터장|본부장|사무관|서기관|주무관|연구관|담당관|이사관|연구사|연구원)$"
)


def is_title(word: str) -> bool:
    """A title (과장, 사무관, 사무국장 …), also when letter-spaced."""
    w = squash(word)
    return w in TITLE_SET or (
        (len(w) >= 3 and bool(_TITLE_END.search(w)) and not w.endswith("연구원")) or w in TITLE_SET
    )


_TITLE_WORD = re.compile(
    r"(?:^|[\s/|:,(])(?:"
    + "|".join(r"\s?".join(t) for t in sorted(TITLES, key=len, reverse=True))
    + r")(?=$|[\s/|:,)])"
)


def is_title_word(text: str) -> bool:
    """Whether ``text`` contains a title as a word (``주무관 / 노태훈``, ``과 장``)."""
    return bool(_TITLE_WORD.search(text))


_PARTICLE_END = frozenset("이가은는을를의과와께도")


def is_name(word: str, *, after_title: bool = False) -> bool:
    """A Korean personal name by its shape: a surname, 2–4 syllables, not a unit word.

    Right after a title (``사무관 강주실``) a name may end like a unit (실, 단, 관, 원)."""
    w = squash(word)
    if not re.fullmatch(r"[가-힣]{2,4}", w) or is_title(w) or w in DESIGNATIONS:
        return False
    if w[:-1] in TITLE_SET and w[-1] in _PARTICLE_END:
        return False  # a title with its particle (사무관이), a fragment of body text
    if not (w[0] in SURNAMES or w[:2] in SURNAMES2):
        return False
    if resolve_agency(w) is not None or w.endswith(INSTITUTION_END):
        return False
    if len(w) >= 4 and w.endswith(UNIT_END):
        return False
    if after_title and len(w) == 3:
        return not w.endswith(("부", "처", "청", "과", "팀", "국"))
    return not w.endswith(("부", "처", "청", "과", "실", "국", "단", "팀", "센터", "본부"))


def is_organization(word: str) -> bool:
    """An institution (a ministry, an agency, 한국인터넷진흥원 …), not a department."""
    w = squash(word)
    if resolve_agency(w) is not None or (len(w) >= 4 and w.endswith(INSTITUTION_END)):
        return True
    # ministries and agencies: 재정경제부, 기획예산처, 질병관리청, 금융위원회
    return len(w) >= 3 and w.endswith(("부", "처", "청", "위원회")) and not w.endswith("본부")
