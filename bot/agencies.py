"""Government agencies: canonical short names and the other names they go by.

Used to name agencies in digests, to match ``/subscribe 과기정통부`` and to filter searches
(``과학기술정보통신부`` and ``과기정통부`` are the same agency).
"""

from __future__ import annotations

import re

# canonical short name → other names (full name first)
AGENCIES: dict[str, tuple[str, ...]] = {
    "과기정통부": ("과학기술정보통신부", "미래창조과학부", "미래부", "MSIT"),
    "중기부": ("중소벤처기업부", "중소기업청", "MSS"),
    "기재부": ("기획재정부", "MOEF"),
    "산업부": ("산업통상자원부", "산업통상부", "MOTIE"),
    "고용부": ("고용노동부", "노동부", "MOEL"),
    "복지부": ("보건복지부", "MOHW"),
    "국토부": ("국토교통부", "MOLIT"),
    "교육부": ("교육부", "MOE"),
    "행안부": ("행정안전부", "MOIS"),
    "환경부": ("환경부", "기후에너지환경부", "ME"),
    "농식품부": ("농림축산식품부", "MAFRA"),
    "해수부": ("해양수산부", "MOF"),
    "문체부": ("문화체육관광부", "MCST"),
    "외교부": ("외교부", "MOFA"),
    "법무부": ("법무부", "MOJ"),
    "국방부": ("국방부", "MND"),
    "통일부": ("통일부", "MOU"),
    "여가부": ("여성가족부", "성평등가족부", "MOGEF"),
    "금융위": ("금융위원회", "FSC"),
    "공정위": ("공정거래위원회", "KFTC"),
    "방통위": ("방송통신위원회", "KCC"),
    "개인정보위": ("개인정보보호위원회", "PIPC"),
    "경찰청": ("경찰청", "KNPA"),
    "기상청": ("기상청", "KMA"),
    "특허청": ("특허청", "지식재산처", "KIPO"),
    "식약처": ("식품의약품안전처", "MFDS"),
    "국세청": ("국세청", "NTS"),
    "관세청": ("관세청", "KCS"),
    "조달청": ("조달청", "PPS"),
    "통계청": ("통계청", "국가데이터처", "KOSTAT"),
    "소방청": ("소방청",),
    "질병청": ("질병관리청", "KDCA"),
    "산림청": ("산림청",),
    "국무조정실": ("국무조정실", "국조실"),
}

_ALIASES: dict[str, str] = {}
for _canonical, _others in AGENCIES.items():
    for _name in (_canonical, *_others):
        _ALIASES[_name.lower()] = _canonical

# Korean names only for finding agencies in running text (Latin acronyms are too ambiguous).
_KOREAN_NAMES = sorted((n for n in _ALIASES if re.fullmatch(r"[가-힣]+", n)), key=len, reverse=True)
_FINDER = re.compile("|".join(map(re.escape, _KOREAN_NAMES)))


def resolve_agency(name: str) -> str | None:
    """The canonical short name for ``name`` (``과학기술정보통신부`` → ``과기정통부``), or None."""
    return _ALIASES.get(name.strip().lower())


def agency_names(canonical: str) -> tuple[str, ...]:
    """Every name of an agency, canonical first (for matching text and searching)."""
    return (canonical, *AGENCIES.get(canonical, ()))


def find_agencies(text: str) -> list[str]:
    """Canonical agencies named in ``text``, in order of first mention."""
    found: dict[str, None] = {}
    for match in _FINDER.finditer(text):
        found.setdefault(_ALIASES[match.group(0).lower()], None)
    return list(found)
