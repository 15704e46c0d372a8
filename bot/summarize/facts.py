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
    r"(?:(?:총|최대|약)\s?)?\d[\d,]*(?:\.\d+)?\s?조(?:\s?\d[\d,]*\s?억)?\s?원"
    r"|(?:(?:총|최대|약)\s?)?\d[\d,]*(?:\.\d+)?\s?(?:억|만|천만)\s?원"
)
_DAY = r"\d{1,2}\s?월\s?\d{1,2}\s?일(?:\s?\([월화수목금토일]\))?"
_DATE_RANGE = re.compile(
    rf"{_DAY}(?:\s?\d{{1,2}}\s?시)?\s*(?:부터|~|∼|-)\s*(?:{_DAY}|\d{{1,2}}\s?일(?:\([월화수목금토일]\))?)"
    rf"(?:\s?\d{{1,2}}\s?시)?(?:\s?까지)?"
)
_DATE = re.compile(rf"(?:\d{{4}}\s?년\s?)?{_DAY}|\d{{4}}\.\s?\d{{1,2}}\.\s?\d{{1,2}}\.?")


def _label_for_amount(sentence: str, start: int = 0) -> str:
    """The label of the amount at ``start``: 추경/예산/투자/지원 just before it, else just
    after it in the same clause (``300억 원 규모의 예산``); 금액 when none is there."""
    before = sentence[max(0, start - 25) : start]
    after = re.split(r"[,.]", sentence[start : start + 30], maxsplit=1)[0]
    words = (("추경", "추경 예산"), ("예산", "예산"), ("투자", "투자 규모"), ("지원", "지원 규모"))
    for near in (before, after):
        for word, label in words:
            if word in near:
                return label
    return "금액"


_APPLY = re.compile(r"신청|접수|모집|공모")


def _label_for_date(sentence: str, start: int = 0, end: int = 0, is_range: bool = False) -> str:
    """A label that is right for this date, or "" (then the date is not shown).

    신청 기간 only for a range (or a deadline: …까지) in a sentence about applying; 시행일 for
    a date followed by 부터/시행/적용; 일정 for events. A briefing date gets no label.
    """
    after = sentence[end : end + 12]
    if _APPLY.search(sentence) and (is_range or re.match(r"\s*까지", after)):
        return "신청 기간" if is_range else "신청 마감"
    if re.match(r"\s*(부터|시행|적용)", after) or (re.search(r"시행|적용", after) and not is_range):
        return "시행일"
    if re.search(r"개최|축제|행사|열린|열려|박람회|설명회", sentence):
        return "일정"
    return ""


def find_amounts(sentences: list[str], limit: int = 4) -> list[Labeled]:
    out: dict[str, Labeled] = {}
    for sentence in sentences:
        for m in _AMOUNT.finditer(sentence):
            value = m.group(0).strip()
            key = re.sub(r"[\s,]|^(총|최대|약)", "", value)
            if key not in out and len(out) < limit:
                label = _label_for_amount(sentence, m.start())
                out[key] = Labeled(label=label, value=repair_spacing(value))
    return list(out.values())


def find_dates(sentences: list[str], limit: int = 3) -> list[Labeled]:
    out: dict[str, Labeled] = {}
    for sentence in sentences:
        ranges = list(_DATE_RANGE.finditer(sentence))
        matches = ranges or list(_DATE.finditer(sentence))[:1]
        for m in matches:
            value = m.group(0).strip()[:120]
            key = re.sub(r"\s", "", value)
            if any(key in k for k in out):
                continue
            label = _label_for_date(sentence, m.start(), m.end(), bool(ranges))
            if label and key not in out and len(out) < limit:
                out[key] = Labeled(label=label, value=repair_spacing(value))
    return list(out.values())


def find_regions(text: str, limit: int = 5) -> list[str]:
    found: dict[str, None] = {}
    for m in _REGION_WORD.finditer(text):
        found.setdefault(m.group(0), None)
    by_region: dict[str, str] = {}
    for name in found:
        by_region.setdefault(_REGION_OF[name], name)
    return list(by_region.values())[:limit]
