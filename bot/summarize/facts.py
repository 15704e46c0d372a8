"""Facts a digest lists beside its bullets: amounts, dates and regions, copied verbatim.

Each value is a substring of the source (spacing artefacts repaired), so the facts are
grounded by construction. A label is given only when the words around the value say what
it is (신청 기간 needs an application sentence); otherwise it is absent, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.korean import repair_spacing
from bot.types import Labeled

REGIONS: Mapping[str, tuple[str, ...]] = {
    "서울": ("서울특별시", "서울시", "서울"),
    "부산": ("부산광역시", "부산"),
    "대구": ("대구광역시", "대구"),
    "인천": ("인천광역시", "인천"),
    "광주": ("광주광역시", "광주"),
    "대전": ("대전광역시", "대전"),
    "울산": ("울산광역시", "울산"),
    "세종": ("세종특별자치시", "세종시"),
    "경기": ("경기도", "경기"),
    "강원": ("강원특별자치도", "강원도", "강원"),
    "충북": ("충청북도", "충북"),
    "충남": ("충청남도", "충남"),
    "전북": ("전북특별자치도", "전라북도", "전북"),
    "전남": ("전라남도", "전남"),
    "경북": ("경상북도", "경북"),
    "경남": ("경상남도", "경남"),
    "제주": ("제주특별자치도", "제주도", "제주"),
}
_REGION_WORD = re.compile(
    "|".join(sorted((re.escape(n) for ns in REGIONS.values() for n in ns), key=len, reverse=True))
)
_REGION_OF = {n: short for short, ns in REGIONS.items() for n in ns}

_AMOUNT = re.compile(
    r"(?:(?:총|최대|약)\s?)?\d[\d,]*(?:\.\d+)?\s?"
    r"(?:조(?:\s?\d[\d,]*\s?억)?|억(?:\s?\d[\d,]*\s?(?:천만|만))?|천만|만)\s?원"
)
_DAY = r"\d{1,2}\s?월\s?\d{1,2}\s?일(?:\s?\([월화수목금토일]\))?"
_DATE_RANGE = re.compile(
    rf"{_DAY}(?:\s?\d{{1,2}}\s?시)?\s*(?:부터|~|∼|-)\s*(?:{_DAY}|\d{{1,2}}\s?일(?:\([월화수목금토일]\))?)"
    rf"(?:\s?\d{{1,2}}\s?시)?(?:\s?까지)?"
)
_DATE = re.compile(rf"(?:\d{{4}}\s?년\s?)?{_DAY}|\d{{4}}\.\s?\d{{1,2}}\.\s?\d{{1,2}}\.?")


_PARTICLE_END = re.compile(r"(은|는|이|가|을|를|의|에|에서|로|으로|도|만|과|와|까지)$")
_NOT_NOUN = re.compile(
    r"(다|고|며|여|해|서|면|게|지|히|등|및|총|약|최대|최소|월|연|각|당|[하되]기)$"
)
# ``[하되]기``: a verb made a noun for a purpose clause (예방하기 위해 50억 원을) is not what
# the amount is of; nouns that end in 기 (경기, 전기, 주기) have no 하/되 before it.
_FUND_AFTER = re.compile(
    r"^\s*(?:규모의?|상당의?|의)?\s*(?:[가-힣]{1,4}\s)?"
    r"([가-힣]{0,8}(?:비|금|액|예산|자금|기금|투자|지원|수당|보조금))"
    r"(?=[은는이가을를의에도로과와]?(?:[^가-힣]|$))"
)
_ADNOMINAL = re.compile(r"^[가-힣]{2,}(?:한|된|할|될|던)$")
_NOUNS_LIKE_VERBS = frozenset({"상한", "하한", "기한", "권한", "제한", "한도된"})
_VAGUE = frozenset({"경우", "때", "중", "등", "대상", "기준", "대비", "소관"})
_HEAD_NOUN = frozenset({"규모", "금액", "예산", "비용", "총액", "액수", "한도", "단가"})


def amount_noun(sentence: str, start: int, end: int) -> str:
    """The noun an amount belongs to, from the words next to it: the word just before it
    (``훈련수당을 월 최대 40만 원`` → 훈련수당, particles off) or a money noun just after it
    (``300억 원 규모의 예산`` → 예산); "" when neither is there (then it is not shown)."""
    if (m := _FUND_AFTER.match(sentence[end : end + 24])) and m.group(1) not in _VAGUE:
        return m.group(1)  # "9억 원의 예산": the amount names its noun after it
    before = re.split(r"[,.·()\[\]「」‘’“”:]", sentence[max(0, start - 30) : start])[-1].split()
    words = [_PARTICLE_END.sub("", _PARTICLE_END.sub("", w)) for w in before[-3:]]
    for i in range(len(words) - 1, -1, -1):
        word = words[i]
        if word in _VAGUE:
            continue  # 인구감소지역의 경우 → 인구감소지역
        if _ADNOMINAL.search(word) and word not in _NOUNS_LIKE_VERBS:
            continue  # 0.2조원 증가한 63.0조원: a verb's form, not the amount's noun
        if re.fullmatch(r"[가-힣]{2,12}", word) and not _NOT_NOUN.search(word):
            if word in _HEAD_NOUN and i and re.fullmatch(r"[가-힣]{2,8}", words[i - 1]):
                return f"{words[i - 1]} {word}"  # 지원 규모, 사업 예산
            return word
        if not re.fullmatch(r"[가-힣]{1,3}|월|연", word):
            break
    return ""


_UNIT_WON = (("조", 10**12), ("천억", 10**11), ("억", 10**8), ("천만", 10**7), ("만", 10**4))


def won(value: str) -> int | None:
    """The amount in 원 (``최대 2천만 원`` = ``최대 2,000만 원`` = 20,000,000), for merging
    duplicates written two ways."""
    text = re.sub(r"[\s,]", "", value)
    text = re.sub(r"^(총|최대|최소|약)", "", text).removesuffix("원")
    total = 0.0
    for unit, size in _UNIT_WON:
        if m := re.match(rf"(\d+(?:\.\d+)?)?{unit}", text):
            total += float(m.group(1) or 1) * size
            text = text[m.end() :]
    if text:
        if m := re.fullmatch(r"(\d+(?:\.\d+)?)(천)?", text):
            total += float(m.group(1)) * (1000 if m.group(2) else 1)
        else:
            return None
    return int(total) if total else None


_APPLY = re.compile(r"신청|접수|모집|공모")


def _label_for_date(sentence: str, start: int = 0, end: int = 0, is_range: bool = False) -> str:
    """A label said by the words right next to the date, or "" (then it is not shown).

    신청·접수 기간 for a range with 신청/접수/모집 beside it (신청 마감 for "…까지"); 시행일 for
    "부터 시행/적용" or "시행"; 종료일 for "…까지"; 행사일 for 개최/열린다 after it in the
    clause; 발표일 for 발표 right after.
    A posting or meeting date with none of these words next to it gets no label."""
    after = sentence[end : end + 14]
    near = sentence[max(0, start - 14) : start] + " " + after
    if _APPLY.search(near) and (is_range or re.match(r"\s*까지", after)):
        return "신청·접수 기간" if is_range else "신청 마감"
    if re.match(r"\s*(?:\([월화수목금토일]\))?\s*부터\s*[^,.]{0,6}?(신청|접수|모집)", after):
        return "신청 시작일"
    if re.match(r"\s*(?:부터\s*)?(?:시행|적용|발효)", after):
        return "시행일"
    if not is_range and re.match(r"\s*까지(?!의)", after):  # "…까지의 기간": a rule, not a day
        return "종료일"  # "5월 10일까지 열리는": when it ends, not a day of the event
    wide = sentence[end : end + 60]
    if re.match(r"\s*(?:[^,.]{0,30}?에서\s*)?[^,.]{0,24}?(개최|열린|열리|열려|개막)", wide):
        return "행사일"
    if re.match(r"\s*[^,.]{0,6}?발표", after):
        return "발표일"
    return ""


_AMOUNT_TAIL = re.compile(r"^\((?:1인당|연간|월|가구당|개소당|기업당|1개사당|건당)[^()]{0,6}\)")


def find_amounts(sentences: list[str], limit: int = 4) -> list[Labeled]:
    """Amounts with their noun (``훈련수당: 월 최대 40만 원``); the same sum written twice
    (2천만 원 / 2,000만 원) shown once; an amount whose noun is not next to it is left out."""
    out: dict[object, Labeled] = {}
    for sentence in sentences:
        for m in _AMOUNT.finditer(sentence):
            value = m.group(0).strip()
            key: object = won(value) or re.sub(r"[\s,]|^(총|최대|약)", "", value)
            if key in out or len(out) >= limit:
                continue
            label = amount_noun(sentence, m.start(), m.end())
            if not label:
                continue
            if tail := _AMOUNT_TAIL.match(sentence[m.end() :]):
                value += tail.group(0)
            out[key] = Labeled(label=label[:40], value=repair_spacing(value)[:120])
    return list(out.values())


def find_dates(sentences: list[str], limit: int = 3) -> list[Labeled]:
    out: dict[str, Labeled] = {}
    for sentence in sentences:
        ranges = list(_DATE_RANGE.finditer(sentence))
        matches = ranges or list(_DATE.finditer(sentence))
        for m in matches:
            value = m.group(0).strip()[:120]
            key = re.sub(r"\s", "", value)
            if any(key in k for k in out):
                continue
            label = _label_for_date(sentence, m.start(), m.end(), bool(ranges))
            if label and key not in out and len(out) < limit:
                out[key] = Labeled(label=label, value=repair_spacing(value))
    return list(out.values())


# What may follow a region's name in the same word: a particle, 지역/권/내, or nothing.
_REGION_TAIL = re.compile(
    r"(?:에서는|에서도|에서|에는|에도|으로|지역|권역|권|내|은|는|이|가|을|를|의|에|과|와|도|로|만)?"
    r"(?![가-힣])"
)
_AFTER_PAREN = re.compile(r"[^()]*\)(?=[가-힣])(?!(?:에서|에|은|는|이|가|을|를|의|과|와|도|로|등))")
# A meeting's or visit's venue is where a briefing was held, not what the release is about.
_GATHERING = re.compile(
    r"회의|간담회|협약|위촉|발대식|출범식|선포식|기념식|브리핑|방문|주재|면담|접견|시상식|설명회|토론회"
)
_VENUE = re.compile(
    r"^(?:\s?[가-힣]+(?:구|군|시|동|청사|센터|광장|홀|호텔))*\s?(?:에서|에\s?위치|소재)"
)
# A street address (서울시 중구 후암로 98): where a building stands, not a subject.
_ADDRESS = re.compile(r"^\s?(?:[가-힣]+(?:시|도)\s?)?[가-힣]+(?:구|군)\s?[가-힣0-9]+(?:로|길)\s?\d")


def find_regions(text: str, limit: int = 5) -> list[str]:
    """Regions the release is about, from its sentences (tables are not passed in).

    A name counts only as a word of its own (``서울에서``, ``서울지역``), never inside
    another word (대전환, 경기둔화, 정부서울청사, 서울대, 부산본부세관) or a name in
    brackets (한달빛(대전·대구)보건연합대학); the place where a meeting or a visit was
    held (``서울 종로구에서 간담회``) is its venue, not its subject."""
    found: dict[str, None] = {}
    for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
        if len(re.findall(r"[가-힣]", sentence)) < 12 or sentence.count("|") > 2:
            continue  # a flattened table row or a caption, not a sentence
        gathering = bool(_GATHERING.search(sentence))
        for m in _REGION_WORD.finditer(sentence):
            if m.start() > 0 and re.match(r"[가-힣]", sentence[m.start() - 1]):
                continue  # inside a longer word
            rest = sentence[m.end() :]
            if not _REGION_TAIL.match(rest):
                continue
            if _AFTER_PAREN.match(rest) and "(" in sentence[: m.start()][-20:]:
                continue  # 한달빛(대전·대구·광주)보건연합대학: part of a name
            if (gathering and _VENUE.match(rest)) or _ADDRESS.match(rest):
                continue
            found.setdefault(m.group(0), None)
    by_region: dict[str, str] = {}
    for name in found:
        by_region.setdefault(_REGION_OF[name], name)
    return list(by_region.values())[:limit]
