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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from bot.documents.names import (
    DESIGNATIONS,
    LABELS,
    SURNAMES,
    TITLE_SET,
    UNIT_END,
    is_name,
    is_organization,
    is_title,
    squash,
)
from bot.documents.phones import BLOCK_AREA, LOCAL, YEAR_RANGE, phone_digits
from bot.types import Contact

# --- atoms -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Atom:
    kind: str  # phone, group, sep, label, desig, title, name, word
    text: str


_SCAN = re.compile(
    rf"(?P<phone>(?<![\d-])(?:{BLOCK_AREA}|{LOCAL}))(?![\d-])"
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
            if YEAR_RANGE.match(value):
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
            raw.append(_Atom("group", squash(value[1:-1])))
        elif kind == "sep":
            raw.append(_Atom("sep", value))
        else:
            raw.append(_Atom("word", value))
    return _classify(raw)


def _over_words(atoms: list[_Atom], word: Callable[[int, list[_Atom]], int]) -> list[_Atom]:
    """One pass over ``atoms``: other atoms pass through; at a word, ``word(i, out)`` appends
    what it becomes and returns how many atoms it took (a spaced name or title takes several)."""
    out: list[_Atom] = []
    i = 0
    while i < len(atoms):
        if atoms[i].kind == "word":
            i += word(i, out)
        else:
            out.append(atoms[i])
            i += 1
    return out


def _classify(raw: list[_Atom]) -> list[_Atom]:
    """Words → label / designation / title / name / word, joining letter-spaced words."""

    def classify(i: int, out: list[_Atom]) -> int:
        word = raw[i].text
        # letter-spaced title: 과 장, 주 무 관, 팀 원
        if len(word) == 1:
            for span in (4, 3, 2):
                words = raw[i : i + span]
                if len(words) == span and all(w.kind == "word" and len(w.text) == 1 for w in words):
                    candidate = "".join(w.text for w in words)
                    if candidate in TITLE_SET or candidate in DESIGNATIONS:
                        kind = "desig" if candidate in DESIGNATIONS else "title"
                        out.append(_Atom(kind, candidate))
                        return span
        if word in DESIGNATIONS:
            out.append(_Atom("desig", word))
        elif word in TITLE_SET or (len(word) <= 5 and is_title(word)):
            out.append(_Atom("title", word))
        elif word in LABELS or word.rstrip(":") in LABELS:
            out.append(_Atom("label", word))
        else:
            out.append(_Atom("word", word))
        return 1

    return _names(_over_words(raw, classify))


def _solid(atoms: list[_Atom], indices: Iterable[int]) -> _Atom | None:
    """The first atom at ``indices`` that is not a separator, but none across a line break."""
    for j in indices:
        if atoms[j].kind == "sep":
            if "\n" in atoms[j].text:
                return None
            continue
        return atoms[j]
    return None


def _name_shaped(word: str) -> bool:
    """Between a title and a phone (``원장 | 박상국 | 041-…``) a name may end like a unit
    (국, 원): the place decides; an organisation or department word still is not one."""
    w = word.replace(" ", "")
    return (
        re.fullmatch(r"[가-힣]{3}", w) is not None
        and w[0] in SURNAMES
        and not is_organization(w)
        and not w.endswith(("과", "팀", "실", "단", "센터"))
    )


def _names(atoms: list[_Atom]) -> list[_Atom]:
    """Mark names: a name-shaped word after a title, a designation or another name, or
    right before a phone. ``김 곤`` (surname, space, given name) is joined."""

    def name(i: int, out: list[_Atom]) -> int:
        atom = atoms[i]
        prev = _solid(out, range(len(out) - 1, -1, -1))
        after_title = prev is not None and prev.kind in ("title", "desig", "name")
        # a surname set apart (김 곤, 김 민수) or a letter-spaced name (정 유 진): joined
        parts = [atom.text]
        if len(atom.text) == 1 and atom.text in SURNAMES:
            j = i + 1
            while j < len(atoms) and atoms[j].kind == "word":
                piece = atoms[j].text
                single = re.fullmatch(r"[가-힣]", piece) is not None
                first_pair = j == i + 1 and re.fullmatch(r"[가-힣]{2}", piece) is not None
                if not (single or first_pair) or len("".join(parts)) + len(piece) > 4:
                    break
                parts.append(piece)
                j += 1
                if first_pair:
                    break
        if len(parts) > 1 and after_title and is_name("".join(parts), after_title=True):
            out.append(_Atom("name", "".join(parts)))
            return len(parts)
        nxt = _solid(atoms, range(i + 1, len(atoms)))
        before_phone = nxt is not None and nxt.kind == "phone"
        if (
            (after_title and is_name(atom.text, after_title=True))
            or (before_phone and is_name(atom.text))
            or (after_title and before_phone and _name_shaped(atom.text))
        ):
            out.append(_Atom("name", atom.text))
        else:
            out.append(atom)
        return 1

    return _over_words(atoms, name)


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
        if units and not (is_organization(units[-1]) or units[-1].endswith(UNIT_END)):
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
        key = (squash(person.name or ""), digits)
        same_name = next(
            (i for (name, _), i in seen.items() if person.name and name == squash(person.name)),
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
