"""Contact extraction on every real document (expected values beside the fixtures) and on
the formats the data folder lacks (synthetic lines written for these tests)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bot.documents.contacts import extract_contacts
from bot.documents.phones import phone_digits, phones_in
from bot.types import Contact

DOCS = Path(__file__).parent / "data" / "docs"
FIXTURES = sorted(p for p in DOCS.iterdir() if p.suffix in {".txt", ".md"} and p.stem != "SOURCES")


def test_every_shared_document_has_a_fixture() -> None:
    shared = Path("/work/shared/data")
    if shared.is_dir():  # the copies must stay complete
        names = {
            f"{p.parent.name}__{p.name}"
            for d in ("seeds", "articles", "newsdao")
            for p in (shared / d).iterdir()
        }
        assert names <= {p.name for p in FIXTURES}
    assert len(FIXTURES) >= 22


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_document_contacts_match_expected(path: Path) -> None:
    expected = json.loads(Path(f"{path}.contacts.json").read_text(encoding="utf-8"))
    got = [dataclasses.asdict(c) for c in extract_contacts(path.read_text(encoding="utf-8"))]
    assert got == expected


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_phone_is_written_in_the_source(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for contact in extract_contacts(text):
        for phone in phones_in(contact.phone or ""):
            assert phone in text


def test_responsible_first_then_source_order() -> None:
    text = (DOCS / "articles__14_gt_국토교통부_156754053.txt").read_text(encoding="utf-8")
    contacts = extract_contacts(text)
    roles = [c.role or "" for c in contacts]
    first_other = next(i for i, r in enumerate(roles) if not r.startswith("책임자"))
    assert all(r.startswith("책임자") for r in roles[:first_other])
    assert not any(r.startswith("책임자") for r in roles[first_other:])
    assert [c.name for c in contacts[:2]] == ["허경민", "천재민"]


def test_pipe_table_with_spaced_title() -> None:
    text = (
        "본문입니다.\n\n|담당 부서|산업정책과|\n"
        "|책임자|과 장 홍길동 (044-203-5830)|\n|담당자|사무관 김철수 (044-203-5831)|\n"
    )
    assert extract_contacts(text) == [
        Contact(None, "산업정책과", "책임자 과장", "홍길동", "044-203-5830"),
        Contact(None, "산업정책과", "담당자 사무관", "김철수", "044-203-5831"),
    ]


def test_phone_mark_and_local_number() -> None:
    text = "문의: 경상북도 일자리경제과 ☎054-880-2345\n"
    assert extract_contacts(text) == [
        Contact(None, "경상북도 일자리경제과", None, None, "054-880-2345")
    ]
    assert extract_contacts("자세한 사항은 지역경제과 ☎054-880-2345로 연락") == [
        Contact(None, "지역경제과", None, None, "054-880-2345")
    ]


def test_local_numbers_only_in_contact_context() -> None:
    assert extract_contacts("2021-2025 계획(2021-2025)에 따라 1588-1234건을 처리했다.") == []
    assert extract_contacts("문의: 대변인(2110-7096)")[0].phone == "2110-7096"


def test_release_without_contacts_and_hostile_text() -> None:
    assert extract_contacts("") == []
    assert extract_contacts("담당 부서\n\n\n") == []
    assert extract_contacts("(" * 5000 + "044-" * 2000) == []
    assert extract_contacts("문의:" + "(" * 3000) == []
    assert extract_contacts("<td>" * 2000 + "</td>" * 2000) == []
    assert extract_contacts(
        "<table><tr><th>문의</th></tr><tr><td>예산과</td><td>044-202-1234</td></tr>"
    ) == [Contact(None, "예산과", None, None, "044-202-1234")]


def test_duplicates_collapse_by_digits() -> None:
    text = "문의 : 기획재정부 국고과(044-215-5110)\n\n담당 부서: 국고과 (044.215.5110)\n"
    contacts = extract_contacts(text)
    assert [phone_digits(c.phone or "") for c in contacts] == ["0442155110"]


def test_phone_digits_normalises_country_code() -> None:
    assert phone_digits("+82-44-202-7529") == phone_digits("044-202-7529") == "0442027529"
