"""The people of a release's contact block (담당 부서), read from its structure.

The block arrives in many shapes — ``<li>담당 부서: 국토도시실 성장거점정책과 / 책임자 과장
백승호 / (044-201-3684)</li>``, six-column tables, tables whose cells hold two people
(``사무관 주무관 | 오현승 민 솔 | (02-…) (02-…)``), header tables (``과장 정우진, 사무관
조현익 ☎ (044)201-3398, 3400``) — but always from the same atoms: unit words (기관, 부서),
a designation (책임자/담당자), a title (과장, 사무관; sometimes letter-spaced ``과 장``), a name
(``김 곤`` when written with a space), phone numbers, and bracket tags (``<총괄>``, ``<공동>``).
Each row is cut into atoms; a name is a Korean personal name in a name position (after a
title or designation, or right before a phone); phones pair with names in order. Units carry
over from row to row, so a person on a row that names no department keeps the one above.
Pure; phones are kept as written (an abbreviated ``3400`` after ``(044)201-3398`` is
completed from it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from bot.agencies import resolve_agency
from bot.types import Contact

_AREA = r"(?:\+82[-\s]?)?(?:\(0\d{1,2}\)\s?|0\d{1,2}[-.)]\s?)\d{3,4}[-.]\d{4}"
_LOCAL = r"\d{3,4}-\d{4}"
PHONE = re.compile(rf"(?<![\d-])(?:{_AREA}|{_LOCAL})(?![\d-])")
_YEAR_RANGE = re.compile(r"^(19|20)\d\d-(19|20)\d\d$")

TITLES = (
    "과장", "팀장", "국장", "실장", "단장", "반장", "부장", "차장", "계장", "센터장", "본부장",
    "소장", "원장", "처장", "관장", "부단장", "부팀장", "파트장", "담당관", "정책관", "심의관",
    "기획관", "대변인", "사무관", "서기관", "주무관", "행정관", "전문관", "연구관", "연구사",
    "주사", "주사보", "총경", "경정", "경감", "경위", "경사", "경장", "순경", "대리", "선임",
    "주임", "팀원", "연구원", "선임연구원", "책임연구원", "수석연구원", "전문위원", "위원",
    "매니저", "책임", "수석", "과장대리", "전문경력관", "연구위원", "감독관", "조사관",
    "기술서기관", "공업사무관", "시설사무관", "행정사무관", "전산사무관", "보건사무관",
)  # fmt: skip
_TITLE_SET = frozenset(TITLES)
DESIGNATIONS = ("책임자", "담당자")
_LABELS = frozenset(
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
_SURNAMES = frozenset(
    "김이박최정강조윤장임한오서신권황안송류유전홍고문양손배백허남심노하곽성차주우구민진나지"
    "엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예경봉사"
    "부가복태목형피두감음빈동온호범좌팽승간상갈시견당화창옹순라"
)
_SURNAMES2 = ("남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방")
_UNIT_END = (
    "부", "처", "청", "과", "실", "국", "단", "팀", "센터", "본부", "위원회", "재단", "공단",
    "공사", "협회", "사무소", "소", "관", "원", "TF", "반", "회", "시", "도", "군", "구",
)  # fmt: skip
INSTITUTION_END = (
    "재단", "연구원", "공단", "공사", "진흥원", "협회", "연구소", "기술원", "평가원",
    "개발원", "정보원", "관리원", "진흥회", "센터", "대학교", "병원", "은행",
)  # fmt: skip


def phone_digits(phone: str) -> str:
    """Digits only, for comparing numbers written in different ways (+82 → 0)."""
    digits = re.sub(r"\D", "", phone)
    return "0" + digits[2:] if digits.startswith("82") and len(digits) >= 11 else digits


def phones_in(text: str) -> list[str]:
    """Every phone number written in ``text`` (with or without an area code)."""
    return [m.group(0) for m in PHONE.finditer(text) if not _YEAR_RANGE.match(m.group(0))]


def _squash(value: str) -> str:
    return re.sub(r"\s+", "", value)


_TITLE_END = re.compile(
    r"(국장|과장|팀장|실장|단장|부장|소장|원장|관장|센터장|본부장|사무관|서기관|주무관|연구관|담당관|이사관|연구사|연구원)$"
)


def is_title(word: str) -> bool:
    """A title (과장, 사무관, 사무국장 …), also when letter-spaced."""
    w = _squash(word)
    return w in _TITLE_SET or (
        (len(w) >= 3 and bool(_TITLE_END.search(w)) and not w.endswith("연구원")) or w in _TITLE_SET
    )


_TITLE_WORD = re.compile(
    r"(?:^|[\s/|:,(])(?:"
    + "|".join(r"\s?".join(t) for t in sorted(TITLES, key=len, reverse=True))
    + r")(?=$|[\s/|:,)])"
)


def is_title_word(text: str) -> bool:
    """Whether ``text`` contains a title as a word (``주무관 / 노태훈``, ``과 장``)."""
    return bool(_TITLE_WORD.search(text))


def is_name(word: str, *, after_title: bool = False) -> bool:
    """A Korean personal name by its shape: a surname, 2–4 syllables, not a unit word.

    Right after a title (``사무관 강주실``) a name may end like a unit (실, 단, 관, 원)."""
    w = _squash(word)
    if not re.fullmatch(r"[가-힣]{2,4}", w) or is_title(w) or w in DESIGNATIONS:
        return False
    if not (w[0] in _SURNAMES or w[:2] in _SURNAMES2):
        return False
    if resolve_agency(w) is not None or w.endswith(INSTITUTION_END):
        return False
    if len(w) >= 4 and w.endswith(_UNIT_END):
        return False
    if after_title and len(w) == 3:
        return not w.endswith(("부", "처", "청", "과", "팀", "국"))
    return not w.endswith(("부", "처", "청", "과", "실", "국", "단", "팀", "센터", "본부"))


def is_organization(word: str) -> bool:
    """An institution (a ministry, an agency, 한국인터넷진흥원 …), not a department."""
    w = _squash(word)
    if resolve_agency(w) is not None or (len(w) >= 4 and w.endswith(INSTITUTION_END)):
        return True
    # ministries and agencies: 재정경제부, 기획예산처, 질병관리청, 금융위원회
    return len(w) >= 3 and w.endswith(("부", "처", "청", "위원회")) and not w.endswith("본부")


# --- atoms -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Atom:
    kind: str  # phone, group, sep, label, desig, title, name, word
    text: str


_SCAN = re.compile(
    rf"(?P<phone>(?<![\d-])(?:{_AREA}|{_LOCAL}))(?![\d-])"
    r"|(?P<abbr>(?<![\d-])\d{3,4}(?![\d-]))"
    r"|(?P<group><\s*[^<>\n]{1,30}?\s*>)"
    r"|(?P<sep>[/:：,、\n∙•☎☏|()\[\]{}~※]+)"
    r"|(?P<word>[^\s/:：,、∙•☎☏|()<>\[\]{}~※]+)"
)


def _atoms(text: str) -> list[_Atom]:
    raw: list[_Atom] = []
    last_phone: str | None = None
    for m in _SCAN.finditer(text):
        kind = m.lastgroup or "sep"
        value = m.group(0)
        if kind == "phone":
            if _YEAR_RANGE.match(value):
                raw.append(_Atom("word", value))
                continue
            last_phone = value
            raw.append(_Atom("phone", value))
        elif kind == "abbr":
            # "(044)201-3398, 3400, 3408": a number after a phone is the same line's extension
            tail = re.search(r"(\d+)$", last_phone or "")
            prev = next((a for a in reversed(raw) if a.kind != "sep"), None)
            if tail and prev and prev.kind == "phone" and len(tail.group(1)) == len(value):
                full = (last_phone or "")[: -len(value)] + value
                raw.append(_Atom("phone", full))
            else:
                raw.append(_Atom("word", value))
        elif kind == "group":
            raw.append(_Atom("group", _squash(value[1:-1])))
        elif kind == "sep":
            raw.append(_Atom("sep", value))
        else:
            raw.append(_Atom("word", value))
    return _classify(raw)


def _classify(raw: list[_Atom]) -> list[_Atom]:
    """Words → label / designation / title / name / word, joining letter-spaced words."""
    out: list[_Atom] = []
    i = 0
    while i < len(raw):
        atom = raw[i]
        if atom.kind != "word":
            out.append(atom)
            i += 1
            continue
        # letter-spaced title: 과 장, 주 무 관, 팀 원
        joined = None
        if len(atom.text) == 1:
            for span in (4, 3, 2):
                words = raw[i : i + span]
                if len(words) == span and all(w.kind == "word" and len(w.text) == 1 for w in words):
                    candidate = "".join(w.text for w in words)
                    if candidate in _TITLE_SET or candidate in DESIGNATIONS:
                        joined = (candidate, span)
                        break
        if joined:
            kind = "desig" if joined[0] in DESIGNATIONS else "title"
            out.append(_Atom(kind, joined[0]))
            i += joined[1]
            continue
        word = atom.text
        if word in DESIGNATIONS:
            out.append(_Atom("desig", word))
        elif word in _TITLE_SET or (len(word) <= 5 and is_title(word)):
            out.append(_Atom("title", word))
        elif word in _LABELS or word.rstrip(":") in _LABELS:
            out.append(_Atom("label", word))
        else:
            out.append(_Atom("word", word))
        i += 1
    return _names(out)


def _prev_solid(atoms: list[_Atom], i: int) -> _Atom | None:
    """The atom before ``i``, across separators but not across a line break."""
    for j in range(i - 1, -1, -1):
        if atoms[j].kind == "sep":
            if "\n" in atoms[j].text:
                return None
            continue
        return atoms[j]
    return None


def _next_solid(atoms: list[_Atom], i: int) -> _Atom | None:
    """The atom after ``i``, across separators but not across a line break."""
    for j in range(i + 1, len(atoms)):
        if atoms[j].kind == "sep":
            if "\n" in atoms[j].text:
                return None
            continue
        return atoms[j]
    return None


def _names(atoms: list[_Atom]) -> list[_Atom]:
    """Mark names: a name-shaped word after a title, a designation or another name, or
    right before a phone. ``김 곤`` (surname, space, given name) is joined."""
    out: list[_Atom] = []
    i = 0
    while i < len(atoms):
        atom = atoms[i]
        if atom.kind != "word":
            out.append(atom)
            i += 1
            continue
        prev = _prev_solid(out, len(out))
        after_title = prev is not None and prev.kind in ("title", "desig", "name")
        spaced = (
            len(atom.text) == 1
            and atom.text in _SURNAMES
            and i + 1 < len(atoms)
            and atoms[i + 1].kind == "word"
            and re.fullmatch(r"[가-힣]{1,2}", atoms[i + 1].text) is not None
        )
        if spaced and after_title:
            out.append(_Atom("name", f"{atom.text} {atoms[i + 1].text}"))
            i += 2
            continue
        nxt = _next_solid(atoms, i)
        before_phone = nxt is not None and nxt.kind == "phone"
        if (after_title and is_name(atom.text, after_title=True)) or (
            before_phone and is_name(atom.text)
        ):
            out.append(_Atom("name", atom.text))
        else:
            out.append(atom)
        i += 1
    return out


# --- rows → people ---------------------------------------------------------------------------


@dataclass
class _Person:
    name: str | None
    title: str | None
    desig: str | None
    organization: str | None
    department: str | None
    phones: list[str] = field(default_factory=list)

    def contact(self) -> Contact:
        role = " ".join(x for x in (self.desig, self.title) if x) or None
        return Contact(
            organization=self.organization,
            department=self.department,
            role=role,
            name=self.name,
            phone=", ".join(dict.fromkeys(self.phones)) or None,
        )


def rows_of(blocks: Iterable[object]) -> list[str]:
    """One text per row of a contact block: a table row's cells joined by `` | ``."""
    rows: list[str] = []
    for block in blocks:
        kind = getattr(block, "kind", "")
        if kind == "table":
            rows += [" | ".join(row) for row in getattr(block, "rows", ())]
        elif kind in ("item", "paragraph", "heading"):
            rows.append(str(getattr(block, "text", "")))
    return rows


def people_from_rows(rows: Sequence[str], *, organization: str | None = None) -> list[Contact]:
    """Every person of a contact block, responsible (책임자) first, then in source order."""
    people: list[_Person] = []
    org: str | None = None
    dept: str | None = None
    for row in rows:
        atoms = _atoms(row)
        units = [a.text for a in atoms if a.kind == "word" and re.search(r"[가-힣A-Za-z]", a.text)]
        units = [u for u in units if not re.fullmatch(r"\d.*", u)]
        if units and not (is_organization(units[-1]) or units[-1].endswith(_UNIT_END)):
            units = []  # a note or a sentence in the block, not a department
        if units:
            row_org, row_dept = _split_units(units)
            if row_org is not None:
                org, dept = row_org, row_dept
            elif row_dept is not None:
                dept = row_dept
        pending_titles: list[str] = []
        pending_desigs: list[str] = []
        names = sum(1 for a in atoms if a.kind == "name")
        desigs = [i for i, a in enumerate(atoms) if a.kind == "desig"]
        first_title = next((i for i, a in enumerate(atoms) if a.kind == "title"), len(atoms))
        # "담당자 | 과장 정우진, 사무관 조현익, 주무관 최승식": one designation before a cell of
        # several people is the cell's label, not the first person's designation
        label_only = names > 1 and len(desigs) == 1 and desigs[0] < first_title
        row_people: list[tuple[int, _Person]] = []
        phones: list[tuple[int, str]] = []
        for index, atom in enumerate(atoms):
            if atom.kind == "title":
                pending_titles.append(atom.text)
            elif atom.kind == "desig" and not label_only:
                pending_desigs.append(atom.text)
            elif atom.kind == "phone":
                phones.append((index, atom.text))
            elif atom.kind == "name":
                person = _Person(
                    name=atom.text,
                    title=pending_titles.pop(0) if pending_titles else None,
                    desig=pending_desigs.pop(0) if pending_desigs else None,
                    organization=org or organization,
                    department=dept,
                )
                row_people.append((index, person))
        _pair(row_people, phones, people, org or organization, dept)
        people += [p for _, p in row_people]
    return _finish(people)


def _pair(
    row_people: list[tuple[int, _Person]],
    phones: list[tuple[int, str]],
    earlier: list[_Person],
    organization: str | None,
    dept: str | None,
) -> None:
    """Give each phone of a row to its person: in order when the counts agree, else to the
    nearest name before it; a row of phones only completes the people above it."""
    if not phones:
        return
    if not row_people:
        waiting = [p for p in reversed(earlier) if not p.phones and p.name]
        waiting.reverse()
        if waiting and len(waiting) >= len(phones):
            for person, (_, phone) in zip(waiting[-len(phones) :], phones, strict=False):
                person.phones.append(phone)
            return
        if dept or organization:  # a desk number: 대변인(02-2110-7096)
            desk = _Person(None, None, None, organization, dept, [p for _, p in phones])
            earlier.append(desk)
        return
    if len(row_people) == len(phones):
        for (_, person), (_, phone) in zip(row_people, phones, strict=True):
            person.phones.append(phone)
        return
    for at, phone in phones:
        before = [p for i, p in row_people if i < at]
        target = before[-1] if before else row_people[0][1]
        target.phones.append(phone)


def _split_units(units: list[str]) -> tuple[str | None, str | None]:
    """(organization, department) of a row's unit words; None when the row names none."""
    words = [u for u in units if not is_title(u)]
    if not words:
        return None, None
    if is_organization(words[0]):
        rest = " ".join(words[1:]) or None
        return words[0], rest
    return None, " ".join(words)


def _finish(people: list[_Person]) -> list[Contact]:
    seen: dict[tuple[str, str], int] = {}
    kept: list[_Person] = []
    for person in people:
        if not person.name and not person.phones:
            continue
        digits = ",".join(phone_digits(p) for p in person.phones)
        key = (_squash(person.name or ""), digits)
        same_name = next(
            (i for (name, _), i in seen.items() if person.name and name == _squash(person.name)),
            None,
        )
        if key in seen:
            continue
        if same_name is not None and (not person.phones or not kept[same_name].phones):
            if person.phones:
                kept[same_name] = replace(kept[same_name], phones=person.phones)
            continue
        seen[key] = len(kept)
        kept.append(person)
    ordered = sorted(
        enumerate(kept), key=lambda e: (not (e[1].desig or "").startswith("책임자"), e[0])
    )
    return [p.contact() for _, p in ordered]


def overview(contacts: Sequence[Contact]) -> tuple[list[Contact], int]:
    """What a short message shows: the responsible person (책임자) and the first 담당자 (the
    first other named person when no one is marked), and how many more there are (외 N명)."""
    if not contacts:
        return [], 0
    responsible = next((c for c in contacts if (c.role or "").startswith("책임자")), contacts[0])
    rest = [c for c in contacts if c is not responsible]
    officer = next((c for c in rest if (c.role or "").startswith("담당자")), None)
    if officer is None:
        officer = next((c for c in rest if c.name), rest[0] if rest else None)
    shown = [responsible] + ([officer] if officer is not None else [])
    return shown, len(contacts) - len(shown)
