"""Attachments → text, pure: real HWPX/HWP 5/PDF releases (tests/data/attachments, provenance
in its SOURCES.md), hand-built HWP records with a contact table, and damaged files."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from bot.documents import build_document
from bot.documents.attachments import AttachmentError, attachment_kind, text_from_attachment
from bot.documents.attachments.hwp import _lines, para_text, records
from bot.documents.attachments.lines import to_text
from bot.documents.attachments.pdf import join_wrapped
from bot.documents.contacts import contacts_of

DATA = Path(__file__).parent / "data" / "attachments"


def _contacts(text: str) -> list[tuple[str | None, str | None]]:
    return [(c.name, c.phone) for c in contacts_of(build_document(text))]


def test_hwpx_and_pdf_of_one_release_give_the_same_contacts() -> None:
    for release in ("156755044", "156755015"):
        hwpx = text_from_attachment((DATA / f"{release}.hwpx").read_bytes(), "a.hwpx")
        pdf = text_from_attachment((DATA / f"{release}.pdf").read_bytes(), "a.pdf")
        assert _contacts(hwpx)
        assert sorted(_contacts(hwpx)) == sorted(_contacts(pdf))
    hwpx = text_from_attachment((DATA / "156755044.hwpx").read_bytes())
    assert ("임혜림", "02-2100-8460") in _contacts(hwpx)
    # the contact block is a table in the file and stays one
    assert "| 담당 부서 | 개발협력국 | 책임자 | 과장 | 임혜림 | (02-2100-8460) |" in hwpx


def test_hwpx_keeps_text_not_picture_captions_or_previews() -> None:
    text = text_from_attachment((DATA / "156755044.hwpx").read_bytes())
    assert "그림입니다" not in text and "원본 그림의 이름" not in text
    assert "우리 정부는 이번 지원이 피해지역 내 인도적 상황 완화에 도움이 되기를" in text


def test_hwp5_reads_like_the_hwpx_of_the_same_document() -> None:
    hwp = text_from_attachment((DATA / "nirs_251011.hwp").read_bytes(), "x.hwp")
    hwpx = text_from_attachment((DATA / "nirs_251011.hwpx").read_bytes(), "x.hwpx")
    assert hwp.splitlines()[0] == "국정자원 UPS, 배터리 관련 참고자료"
    same = set(hwp.splitlines()) & set(hwpx.splitlines())
    assert len(same) >= 0.95 * len(set(hwpx.splitlines()))
    # merged cells (rowSpan) leave the covered grid positions empty, columns stay aligned
    assert "| 위치 | 구성 | 총용량<br>(KVA) | 수량<br>(대) | 설치년도 |" in hwp


def _record(tag: int, level: int, data: bytes) -> bytes:
    return struct.pack("<I", tag | (level << 10) | (len(data) << 20)) + data


def _para(level: int, text: str) -> bytes:
    return _record(0x42, level, b"\0" * 22) + _record(0x43, level + 1, text.encode("utf-16-le"))


def _cell(level: int, row: int, col: int, text: str) -> bytes:
    header = struct.pack("<HHI4H", 1, 0, 0, col, row, 1, 1) + b"\0" * 20
    return _record(0x48, level, header) + _para(level, text)


def test_hwp_table_records_become_a_contact_table_the_extractor_reads() -> None:
    """A 담당 부서 table as HWP 5 stores it: a paragraph whose text holds the table control
    (code 11, 8 units), its CTRL_HEADER 'tbl ', and one LIST_HEADER (row, column) per cell."""
    control = "\x0b" + "tbl " + "\0\0" + "\x0b"  # extended control: 8 UTF-16 units
    rows = [
        ["담당 부서", "기획재정담당관", "책임자", "과 장", "나종태", "(042-481-7660)"],
        ["", "", "담당자", "사무관", "이준호", "(042-481-7695)"],
    ]
    table = _record(0x47, 1, b" lbt") + _record(0x4D, 2, b"\0" * 18)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table += _cell(2, r, c, value)
    stream = _para(0, "본문 첫 문단이다.") + _para(0, control) + table + _para(0, "끝.")
    lines = list(_lines(list(records(stream)), 0, len(list(records(stream))), base=None))
    text = to_text(lines)
    assert "| 담당 부서 | 기획재정담당관 | 책임자 | 과 장 | 나종태 | (042-481-7660) |" in text
    assert text.splitlines()[0] == "본문 첫 문단이다." and text.splitlines()[-1] == "끝."
    assert ("나종태", "042-481-7660") in _contacts(text)
    assert ("이준호", "042-481-7695") in _contacts(text)


def test_para_text_drops_inline_controls_and_keeps_tabs_and_breaks() -> None:
    data = ("가" + "\x09" + "x" * 7 + "나\x0a다" + "\x02" + "y" * 6 + "\x02" + "라\x0d").encode(
        "utf-16-le"
    )
    assert para_text(data) == "가\t나\n다라"


def test_pdf_wrapped_lines_are_joined_and_new_units_kept() -> None:
    raw = [
        " 관세청은 4월 13일(월) 정부대전청사에서 조직의 역할과 일하는 방식을 ",
        "전면 혁신하기 위해 핵심가치를 재정립하고, 이를 조직에 내재화하기 위한 첫 행보로 핵심",
        "가치 선포식을 개최하였다.",
        "- 2 -",
        "□ 다음 문단",
        "담당 부서 기획재정담당관 책임자 과 장 나종태 (042-481-7660)",
    ]
    assert join_wrapped(raw) == [
        "관세청은 4월 13일(월) 정부대전청사에서 조직의 역할과 일하는 방식을 전면 혁신하기 "
        "위해 핵심가치를 재정립하고, 이를 조직에 내재화하기 위한 첫 행보로 핵심가치 "
        "선포식을 개최하였다.",
        "□ 다음 문단",
        "담당 부서 기획재정담당관 책임자 과 장 나종태 (042-481-7660)",
    ]


def test_pdf_contact_block_split_from_the_sentence_and_spaced_title_rejoined() -> None:
    raw = [
        "조치를 강구해 나갈 예정이다. 끝.담당 부서 영사안전국 책임자 과 ",
        "장 김보람 (02-2100-7576)",
        "재외국민보호과 담당자 사무관 강경랑 (02-2100-6918)",
    ]
    from bot.documents.attachments.pdf import _BLOCK_AFTER_SENTENCE

    lines = join_wrapped(_BLOCK_AFTER_SENTENCE.sub("\n", "\n".join(raw)).split("\n"))
    assert lines[1] == "담당 부서 영사안전국 책임자 과 장 김보람 (02-2100-7576)"
    assert ("김보람", "02-2100-7576") in _contacts("\n".join(lines))
    assert ("강경랑", "02-2100-6918") in _contacts("\n".join(lines))


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/hwp+zip")
        for name, body in parts.items():
            archive.writestr(name, body)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"PK\x03\x04application/hwp+zip" + b"\0" * 50, "a.hwpx", "HWPX is not a readable zip"),
        (_zip({"Contents/header.xml": b"<x/>"}), "a.hwpx", "no Contents/section"),
        (_zip({"Contents/section0.xml": b"<hs:sec><hp:p>"}), "a.hwpx", "not well-formed XML"),
        (
            _zip({"Contents/section0.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'}),
            "a.hwpx",
            "declares a DTD",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "a.hwp", "HWP OLE container"),
        (b"HWP Document File V3.00", "a.hwp", "not an HWP 5 file"),
        (b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF", "a.pdf", "PDF cannot be opened"),
        (b"<html>not a file</html>", "a.pdf", "not a PDF"),
        (b"hello", "notes.txt", "not an HWPX, HWP or PDF file"),
    ],
)
def test_damaged_files_give_a_clear_reason(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(AttachmentError, match=reason):
        text_from_attachment(data, name)


def test_truncated_real_files_give_a_clear_reason() -> None:
    for name in ("156755044.hwpx", "nirs_251011.hwp", "156755044.pdf"):
        data = (DATA / name).read_bytes()
        with pytest.raises(AttachmentError) as caught:
            text_from_attachment(data[: len(data) // 3], name)
        assert str(caught.value).strip()


def test_a_section_that_inflates_past_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.documents.attachments import hwp, hwpx

    monkeypatch.setattr(hwpx, "MAX_PART", 10_000)
    bomb = _zip({"Contents/section0.xml": b"<x>" + b" " * 200_000 + b"</x>"})
    assert len(bomb) < 5_000
    with pytest.raises(AttachmentError, match="larger than 10000 bytes inflated"):
        text_from_attachment(bomb, "bomb.hwpx")
    monkeypatch.setattr(hwp, "MAX_SECTION", 10_000)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = deflate.compress(b"\0" * 200_000) + deflate.flush()
    with pytest.raises(AttachmentError, match="larger than 10000 bytes inflated"):
        hwp._inflate(packed, 10_000)


def test_kind_is_read_from_the_bytes_not_only_the_name() -> None:
    assert attachment_kind((DATA / "156755044.hwpx").read_bytes(), "download.do") == "hwpx"
    assert attachment_kind((DATA / "nirs_251011.hwp").read_bytes(), "") == "hwp"
    assert attachment_kind((DATA / "156755044.pdf").read_bytes(), "file.hwp") == "pdf"
    assert attachment_kind(b"<html></html>", "page.html") is None
