"""Contacts of a release without a contact block: ``문의`` lines, key-value headers, inline desks.

Older or converted releases put contacts in running text: ``문의 :`` / ``문  의:`` lines with
several desks, inline ``과(044-202-4745)`` mentions, ``☎054-…``, local numbers without an
area code (``대변인(2110-7096)``), ``담당자 : 유동욱`` header fields, and ``담당 부서`` rows
in plain text (``| 책임자 | 과장 | 예우영 | (044-204-7444) |``). The output is deduplicated,
in source order, with the responsible (책임자) first. Phones keep the source's spelling; they
are compared by digits only. A document with a contact block is read by
:mod:`bot.documents.people` instead (see :func:`bot.documents.contacts.contacts_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.agencies import resolve_agency
from bot.documents.phones import AREA, LOCAL, PHONE, YEAR_RANGE, phone_digits, phones_in
from bot.documents.source import looks_like_html, plain_text
from bot.types import Contact

_AREA_PHONE = re.compile(rf"(?<![\d-]){AREA}(?![\d-])")
# A run of phones, optionally in parentheses: "(02-3150-0650, 010-7720-9778)".
_PHONE_GROUP = re.compile(
    rf"(☎|☏|TEL[.:]?|Tel[.:]?|전화\s*[:：]?)?\s*\(?\s*((?:{AREA}|{LOCAL})"
    rf"(?:\s*[,/]\s*(?:{AREA}|{LOCAL}))*)\s*\)?"
)

_DESIGNATIONS = ("책임자", "담당자")
_TITLES = (
    "과장", "팀장", "국장", "실장", "단장", "반장", "부장", "차장", "계장", "센터장",
    "본부장", "사무관", "서기관", "주무관", "행정관", "전문관", "연구관", "연구사", "주사",
    "주사보",
    "총경", "경정", "경감", "경위", "경사", "경장", "순경", "대리", "선임", "주임",
)  # fmt: skip
# Titles are sometimes letter-spaced in tables ("과 장", "총 경").
_TITLE = re.compile(
    "^(?:" + "|".join(r"\s?".join(t) for t in sorted(_TITLES, key=len, reverse=True)) + ")$"
)
_TITLE_PREFIX = re.compile(
    "^(" + "|".join(r"\s?".join(t) for t in sorted(_TITLES, key=len, reverse=True)) + r")\s+"
)
_NAME = re.compile(r"^[가-힣]{2,4}$|^[가-힣] [가-힣]{1,2}$")
_UNIT_SUFFIXES = (
    "부", "처", "청", "원", "과", "실", "관", "국", "단", "팀",
    "소", "센터", "본부", "위원회", "재단", "공단", "공사", "협회", "사무소", "도",
    "시", "군", "TF", "대변인", "과장", "국장", "실장", "팀장",
)  # fmt: skip
_INSTITUTION_SUFFIXES = (
    "재단", "연구원", "공단", "공사", "진흥원", "협회", "연구소", "기술원", "평가원",
)  # fmt: skip
_BLOCK_MARKER = re.compile(
    r"^[#\s\-*•|<>]*(담당\s*부서|담당\s*기관|문의처|문\s*의|연락처|보도\s*담당)\s*[|:：]?\s*$"
)
_BLOCK_ROW_START = re.compile(r"^[\s\-*•|]*(담당\s*부서|담당\s*기관)\s*(\t|\||:|：)")
_INQUIRY = re.compile(r"문\s*의\s*(?:처|사항)?\s*[:：]")
_KEY_VALUE = re.compile(
    r"^[\s\-*•·]*(담당자|담당\s*부서|연락처|전화번호|전화|문의\s*전화)\s*[:：]\s*(.+?)\s*$"
)
_SEGMENT_SPLIT = re.compile(r"\t+|\s*\|\s*|\s+/\s+|\s*/\s*(?=\()")
_TABLE_RULE = re.compile(r"^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*$")
_LABEL = re.compile(r"^\s*[-*•]?\s*([^:：/|\t()]{1,30}?)\s*[:：]\s*(.*)$")


def _is_unit(token: str) -> bool:
    return token.endswith(_UNIT_SUFFIXES) or resolve_agency(token) is not None


def _is_title(token: str) -> bool:
    return bool(_TITLE.match(token))


def _squash(value: str) -> str:
    return re.sub(r"\s+", "", value)


@dataclass
class _Found:
    contact: Contact
    responsible: bool
    order: int


def _split_org(words: list[str], default_org: str | None) -> tuple[str | None, str | None]:
    """(organization, department) from the unit words of one contact."""
    if not words:
        return default_org, None
    first = words[0]
    if len(words) > 1 and (resolve_agency(first) or first.endswith(_INSTITUTION_SUFFIXES)):
        return first, " ".join(words[1:])
    if len(words) == 1 and (resolve_agency(first) or first.endswith(_INSTITUTION_SUFFIXES)):
        return first, None
    return default_org, " ".join(words)


def _parse_row(line: str) -> tuple[list[str], str | None, str | None, list[str]]:
    """(unit words, role, name, phones) of one row of a 담당 부서 block or table."""
    line = line.strip().lstrip("-*• ").strip()
    segments: list[str] = []
    m = _LABEL.match(line)
    if m:
        segments.append(m.group(1))
        line = m.group(2)
    segments += _SEGMENT_SPLIT.split(line)
    units: list[str] = []
    designation: str | None = None
    title: str | None = None
    name: str | None = None
    phones: list[str] = []
    for raw in segments:
        seg = raw.strip().strip("|").strip()
        for phone in phones_in(seg):
            phones.append(phone)
        seg = PHONE.sub("", seg)
        seg = re.sub(r"\(\s*[,/\s]*\)", "", seg).strip(" ()/,")
        if not seg or re.fullmatch(r"<[^>]*>", seg):
            continue
        if re.fullmatch(r"담당\s*(부서|기관)", seg):
            continue
        words = seg.split()
        while words:
            if words[0] in _DESIGNATIONS:
                designation = words.pop(0)
                continue
            tm = _TITLE_PREFIX.match(" ".join(words) + " ")
            if tm and title is None:
                title = _squash(tm.group(1))
                words = " ".join(words)[tm.end() :].split()
                continue
            break
        if not words:
            continue
        rest = " ".join(words)
        if (title or designation) and name is None and _NAME.match(rest) and not _is_unit(rest):
            name = rest
        elif name is None and not title and not designation:
            units += words
        elif name is None and _NAME.match(rest):
            name = rest
        else:
            units += words
    role = " ".join(x for x in (designation, title) if x) or None
    return units, role, name, phones


def _item_from_words(
    words: list[str], phones: str, default_org: str | None
) -> tuple[Contact, bool] | None:
    """A contact from the words just before a phone group ("…과 김경선 (044-…)")."""
    kept: list[str] = []
    for word in reversed(words):
        word = word.strip("<>*[]「」'\"‘’“”")
        if not word:
            continue
        if kept and not (_is_unit(word) or _is_title(word) or word in _DESIGNATIONS):
            break
        if not kept and not (_is_unit(word) or _is_title(word) or _NAME.match(word)):
            break
        kept.append(word)
    kept.reverse()
    name = role = None
    if len(kept) >= 2 and _NAME.match(kept[-1]) and not _is_unit(kept[-1]):
        name = kept.pop()
    while kept and (_is_title(kept[-1]) or kept[-1] in _DESIGNATIONS):
        role = kept.pop() if role is None else f"{kept.pop()} {role}"
    if name is None and role is None and kept and not _is_unit(kept[-1]):
        return None
    if not kept and name is None and role is None:
        return None
    org, dept = _split_org(kept, default_org)
    contact = Contact(organization=org, department=dept, role=role, name=name, phone=phones)
    return contact, bool(role and role.startswith("책임자"))


# What every phone above holds (LOCAL's and AREA's last two parts): a line without it has none,
# and this is much cheaper to look for than the phone group, which may start anywhere.
_PHONE_HINT = re.compile(r"\d[-.]\d{4}")


def _groups(line: str, *, local_ok: bool) -> list[tuple[int, int, str]]:
    """(start, end, phones as written) of each phone group in ``line``."""
    found: list[tuple[int, int, str]] = []
    if not _PHONE_HINT.search(line):
        return found
    for m in _PHONE_GROUP.finditer(line):
        phones = m.group(2)
        has_mark = bool(m.group(1))
        if not (local_ok or has_mark) and not _AREA_PHONE.search(phones):
            continue
        if YEAR_RANGE.match(phones):
            continue
        found.append((m.start(), m.end(), phones))
    return found


def _items(line: str, *, local_ok: bool, default_org: str | None) -> list[tuple[Contact, bool]]:
    out: list[tuple[Contact, bool]] = []
    prev_end = 0
    carry_org: str | None = None
    for start, end, phones in _groups(line, local_ok=local_ok):
        gap = line[prev_end:start]
        continues = prev_end > 0 and re.match(r"^\s*(,|、|와|과|및|/)", gap) is not None
        gap = re.sub(r"^\s*(,|、|와|과|및|/)\s*", " ", gap) if continues else gap
        words = re.sub(r"[,.;:：|]", " , ", gap).split()
        item = _item_from_words(words, phones, carry_org if continues else default_org)
        if item and _fragment(item[0], line):
            item = None  # "기대효과 사무관 장기 044-…": body text around a number, not a desk
        if item:
            out.append(item)
            carry_org = item[0].organization
        prev_end = end
    return out


def _fragment(contact: Contact, line: str) -> bool:
    """A person (a name) found on a line that is a sentence of the body: it ends like one and
    has no 문의/담당/연락 cue. A desk number in a sentence without a person stays."""
    if not contact.name:
        return False
    cue = re.search(r"문의|담당|연락|☎|전화|Tel|TEL", line)
    return not cue and re.search(r"(다|요)\s*[.!]?\s*$", line.strip()) is not None


def contacts_in_lines(text: str, organization: str | None) -> list[Contact]:
    """The contacts the line rules find in ``text`` (plain, markdown or HTML)."""
    if looks_like_html(text):
        text = plain_text(text)
    if organization is None:
        m = re.search(r"^-\s*부처\s*:\s*(\S+)\s*$", text[:2000], re.M)
        organization = m.group(1) if m else None
    lines = text.split("\n")
    found: list[_Found] = []

    def add(contact: Contact, responsible: bool) -> None:
        found.append(_Found(contact, responsible, len(found)))

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        marker = _BLOCK_MARKER.match(stripped)
        row_start = _BLOCK_ROW_START.match(line)
        if marker or row_start:
            j = i + 1 if marker else i
            while j < len(lines) and not lines[j].strip() and marker:
                j += 1
                if j - i > 3:
                    break
            dept: str | None = None
            if row_start and _row_contact(line, organization) is None:
                units = _parse_row(line)[0]  # a header row naming only the department
                dept = _split_org(units, organization)[1]
                j = i + 1
            took = 0
            while j < len(lines) and lines[j].strip():
                if _TABLE_RULE.match(lines[j]):
                    j += 1
                    continue
                row = _row_contact(lines[j], organization, inherit=dept)
                if row is None:
                    break
                contact, responsible = row
                dept = contact.department
                add(contact, responsible)
                took += 1
                j += 1
            if took:
                i = j
                continue
        inquiry = _INQUIRY.search(line)
        if inquiry:
            after = line[inquiry.end() :]
            for contact, responsible in _items(after, local_ok=True, default_org=organization):
                add(contact, responsible)
            i += 1
            continue
        kv = _KEY_VALUE.match(line)
        if kv:
            fields: dict[str, str] = {}
            j = i
            while j < len(lines) and (m := _KEY_VALUE.match(lines[j])):
                key = _squash(m.group(1))
                fields.setdefault(key, m.group(2))
                j += 1
            header = _kv_contact(fields, organization)
            if header is not None:
                add(header, False)
                i = j
                continue
        for contact, responsible in _items(line, local_ok=False, default_org=organization):
            add(contact, responsible)
        i += 1
    return _finish(found)


def _row_contact(
    line: str, organization: str | None, inherit: str | None = None
) -> tuple[Contact, bool] | None:
    units, role, name, phones = _parse_row(line)
    if name is None and not phones:
        return None
    if name is None and not units and role is None:
        return None
    org, dept = _split_org(units, organization)
    if dept is None and org == organization:
        dept = inherit
    phone = ", ".join(phones) or None
    contact = Contact(organization=org, department=dept, role=role, name=name, phone=phone)
    return contact, bool(role and role.startswith("책임자"))


def _kv_contact(fields: dict[str, str], organization: str | None) -> Contact | None:
    name = fields.get("담당자")
    dept = fields.get("담당부서")
    phone_text = fields.get("연락처") or fields.get("전화번호") or fields.get("전화") or ""
    phone_text = phone_text or fields.get("문의전화", "")
    phones = phones_in(phone_text) + (phones_in(name or "") if name else [])
    if name:
        name = PHONE.sub("", name).strip(" ()/,") or None
        if name and not _NAME.match(name):
            return None
    if not (name or phones) or not (name or dept or phones):
        return None
    org, department = _split_org(dept.split(), organization) if dept else (organization, None)
    return Contact(
        organization=org,
        department=department,
        role="담당자" if name else None,
        name=name,
        phone=", ".join(phones) or None,
    )


def _key(contact: Contact) -> tuple[str, str]:
    phone = ",".join(sorted(phone_digits(p) for p in phones_in(contact.phone or "")))
    return phone, _squash(contact.name or "") if phone == "" else ""


def _finish(found: list[_Found]) -> list[Contact]:
    seen: dict[tuple[str, str], int] = {}
    kept: list[_Found] = []
    for item in found:
        key = _key(item.contact)
        if key == ("", ""):
            key = ("", _squash(item.contact.department or ""))
        if key in seen:
            first = kept[seen[key]]
            if item.responsible and not first.responsible:
                kept[seen[key]] = replace(first, responsible=True)
            continue
        seen[key] = len(kept)
        kept.append(item)
    kept.sort(key=lambda f: (not f.responsible, f.order))
    return [f.contact for f in kept]
