"""Government agencies: canonical names (as of the 2025–2026 reorganization) and the other
names they go by, former names included.

Used to name agencies in digests, to match ``/subscribe 과기정통부`` and to filter searches
(``과학기술정보통신부`` and ``과기정통부`` are the same agency). A former name resolves to its
successor (``환경부`` → 기후부, ``여가부`` → 성평등부), so old subscriptions and old stored
digests keep working; a ministry that was split follows both halves
(``/subscribe 기재부`` follows 재경부 and 예산처: :func:`followed_agencies`). The renames are
listed in docs/summaries.md (from SOURCES.md §4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# canonical short name (2026) → its full name first, then other names: former names and
# English abbreviations last (the full name is what /agencies shows after the short one).
AGENCIES: dict[str, tuple[str, ...]] = {
    "재경부": ("재정경제부", "MOFE"),
    "예산처": ("기획예산처", "MPB"),
    "과기정통부": ("과학기술정보통신부", "미래창조과학부", "미래부", "MSIT"),
    "중기부": ("중소벤처기업부", "중소기업청", "MSS"),
    "산업부": ("산업통상부", "산업통상자원부", "MOTIR", "MOTIE"),
    "고용부": ("고용노동부", "노동부", "MOEL"),
    "복지부": ("보건복지부", "MOHW"),
    "국토부": ("국토교통부", "MOLIT"),
    "교육부": ("교육부", "MOE"),
    "행안부": ("행정안전부", "MOIS"),
    "기후부": ("기후에너지환경부", "환경부", "MCEE", "ME"),
    "농식품부": ("농림축산식품부", "MAFRA"),
    "해수부": ("해양수산부", "MOF"),
    "문체부": ("문화체육관광부", "MCST"),
    "외교부": ("외교부", "MOFA"),
    "법무부": ("법무부", "MOJ"),
    "국방부": ("국방부", "MND"),
    "통일부": ("통일부", "MOU"),
    "성평등부": ("성평등가족부", "여성가족부", "여가부", "MOGEF"),
    "보훈부": ("국가보훈부", "국가보훈처", "보훈처", "MPVA"),
    "금융위": ("금융위원회", "FSC"),
    "공정위": ("공정거래위원회", "KFTC"),
    "방미통위": ("방송미디어통신위원회", "방송통신위원회", "방통위", "KMCC", "KCC"),
    "개인정보위": ("개인정보보호위원회", "PIPC"),
    "권익위": ("국민권익위원회", "ACRC"),
    "원안위": ("원자력안전위원회", "NSSC"),
    "인권위": ("국가인권위원회", "NHRCK"),
    "국무조정실": ("국무조정실", "국조실"),
    "인사처": ("인사혁신처", "MPM"),
    "법제처": ("법제처", "MOLEG"),
    "식약처": ("식품의약품안전처", "MFDS"),
    "데이터처": ("국가데이터처", "통계청", "MODS", "KOSTAT"),
    "지재처": ("지식재산처", "특허청", "MOIP", "KIPO"),
    "국세청": ("국세청", "NTS"),
    "관세청": ("관세청", "KCS"),
    "조달청": ("조달청", "PPS"),
    "경찰청": ("경찰청", "KNPA"),
    "해경청": ("해양경찰청", "KCG"),
    "소방청": ("소방청", "NFA"),
    "질병청": ("질병관리청", "KDCA"),
    "산림청": ("산림청", "KFS"),
    "기상청": ("기상청", "KMA"),
    "농진청": ("농촌진흥청", "RDA"),
    "병무청": ("병무청", "MMA"),
    "방사청": ("방위사업청", "DAPA"),
    "유산청": ("국가유산청", "문화재청", "KHS"),
    "행복청": ("행정중심복합도시건설청", "NAACC"),
    "새만금청": ("새만금개발청",),
    "우주청": ("우주항공청", "KASA"),
    "재외동포청": ("재외동포청", "OKA"),
}

# A body that was split: its names (former canonical first) → the canonical bodies that
# took its work over. Text naming it is the first successor's (the larger part); a
# subscription to it follows all of them.
SPLIT: dict[tuple[str, ...], tuple[str, ...]] = {
    ("기재부", "기획재정부", "MOEF"): ("재경부", "예산처"),
}

_ALIASES: dict[str, str] = {}
for _canonical, _others in AGENCIES.items():
    for _name in (_canonical, *_others):
        _ALIASES[_name.lower()] = _canonical
_SPLIT: dict[str, tuple[str, ...]] = {}
for _names, _successors in SPLIT.items():
    for _name in _names:
        _ALIASES[_name.lower()] = _successors[0]
        _SPLIT[_name.lower()] = _successors
_SPLIT_KEY = {n.lower(): names[0] for names in SPLIT for n in names}

# Korean names only for finding agencies in running text (Latin acronyms are too ambiguous).
_KOREAN_NAMES = sorted((n for n in _ALIASES if re.fullmatch(r"[가-힣]+", n)), key=len, reverse=True)
_FINDER = re.compile("|".join(map(re.escape, _KOREAN_NAMES)))
_SPACES = re.compile(r"\s+")


def resolve_agency(name: str) -> str | None:
    """The canonical short name for ``name`` (``과학기술정보통신부`` → ``과기정통부``,
    ``환경부`` → ``기후부``), or None. Spaces inside the name are ignored."""
    key = name.strip().lower()
    return _ALIASES.get(key) or _ALIASES.get(_SPACES.sub("", key))


def rule_value(name: str) -> str | None:
    """What a subscription to ``name`` stores: the canonical name, or for a split body its
    former name (``기재부``), which :func:`followed_agencies` expands."""
    key = _SPACES.sub("", name.strip().lower())
    return _SPLIT_KEY.get(key) or resolve_agency(name)


def followed_agencies(value: str) -> tuple[str, ...]:
    """The canonical agencies a stored subscription follows: ``기재부`` → (재경부, 예산처),
    ``환경부`` (stored before the rename) → (기후부,), an unknown value → itself."""
    key = value.strip().lower()
    if key in _SPLIT:
        return _SPLIT[key]
    canonical = resolve_agency(value)
    return (canonical,) if canonical else (value,)


def agency_names(canonical: str) -> tuple[str, ...]:
    """Every name of an agency, canonical first (for matching text and searching)."""
    return (canonical, *AGENCIES.get(canonical, ()))


def full_name(canonical: str) -> str:
    """The agency's full Korean name (``과기정통부`` → ``과학기술정보통신부``)."""
    return next(iter(AGENCIES.get(canonical, ())), canonical)


def find_agencies(text: str) -> list[str]:
    """Canonical agencies named in ``text``, in order of first mention."""
    found: dict[str, None] = {}
    for match in _FINDER.finditer(text):
        found.setdefault(_ALIASES[match.group(0).lower()], None)
    return list(found)


def agencies_in_name(name: str) -> list[str]:
    """Agencies a signal that names a body names: the whole of it (``MOEL``, ``고용노동부``)
    or the Korean names in it (``고용노동부 노동시장정책관``, ``정책브리핑(기상청)``)."""
    whole = resolve_agency(name)
    return [whole] if whole else find_agencies(name)


_TITLE_PREFIX = re.compile(r"^\s*[\[［【(〔<]\s*([^\]］】)〕>]{2,20}?)\s*[\]］】)〕>]")
_TITLE_LEAD = re.compile(r"^\s*([가-힣·]{2,14}(?:\s?[가-힣]{2,10})?)\s*[,，·]\s")


def title_agencies(title: str) -> list[str]:
    """The body a title names in front: a bracket prefix (``[중기부] …``, ``(관세청) …``) or a
    leading subject set off by a comma (``관세청, 한-UAE CEPA …``)."""
    for pattern in (_TITLE_PREFIX, _TITLE_LEAD):
        m = pattern.match(title)
        if m and (found := agencies_in_name(m.group(1))):
            return found
    return []


def ranked_agencies(
    signals: Iterable[str], *, lead: str = "", text: str = "", limit: int = 5
) -> list[str]:
    """Agencies of one release, in order of trust. ``signals`` are the names that say who
    issued it, most trusted first (the source's author, the feed's name, the header's 부처,
    the title's prefix, the contact block's organisations); each contributes what it names.
    When none names an agency, the text does (the title and lead first); when one does, the
    text only adds agencies named in the title and lead (co-issuers), not the body's
    mentions of others."""
    found: dict[str, None] = {}
    for signal in signals:
        for agency in agencies_in_name(signal) if signal else ():
            found.setdefault(agency, None)
    for agency in find_agencies(lead):
        found.setdefault(agency, None)
    if not found:
        for agency in find_agencies(text):
            found.setdefault(agency, None)
    return list(found)[:limit]
