"""Extraction quality on real release attachments: do the HWPX, HWP and PDF of one release give
the same contacts, and do they name the department the OpenAPI metadata gives?

    python bench/attachment_quality.py [DIR]      (default: ../shared/data/attachments)

For every release with more than one format, contacts are compared as sets of (name, phone
digits). "agree" = the same set as the HWPX (the reference when present; else the first
format), also counted with each contact's department (부서) text; "dept" = the agency read
from the file alone (a contact's organization, else the first agency its text names) is the
metadata's department. Releases whose id ends in an even digit are development; odd ones are
held out (split by id when this script was written, before the PDF rules were tuned on
development releases only, so the split does not follow the results).
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from bot.agencies import find_agencies, resolve_agency
from bot.documents import build_document
from bot.documents.attachments import AttachmentError, text_from_attachment
from bot.documents.contacts import contacts_of
from bot.types import Contact

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "attachments"
FORMATS = ("hwpx", "hwp", "pdf")


def _key(contact: object) -> tuple[str, str]:
    name = re.sub(r"\s+", "", getattr(contact, "name", None) or "")
    phone = re.sub(r"\D", "", getattr(contact, "phone", None) or "")
    return name, phone


def _agency(contacts: list[Contact], text: str) -> str | None:
    """The releasing body as the bot would read it from the file alone: a contact's
    organization, else the first agency the text names (a release's logo is an image)."""
    for contact in contacts:
        if contact.organization and (found := resolve_agency(contact.organization)):
            return found
    named = find_agencies(text[:3000])
    return named[0] if named else None


def main(folder: Path) -> int:
    releases: dict[str, dict[str, Path]] = defaultdict(dict)
    for path in sorted(folder.iterdir()):
        stem, _, suffix = path.name.partition(".")
        if suffix in FORMATS:
            releases[stem][suffix] = path
    rows = []
    for stem, files in sorted(releases.items()):
        meta_path = folder / f"{stem}.metadata.json"
        department = json.loads(meta_path.read_text())["department"] if meta_path.exists() else ""
        found: dict[str, set[tuple[str, str]]] = {}
        units: dict[str, set[tuple[str, str, str]]] = {}
        dept: dict[str, bool] = {}
        lines: dict[str, set[str]] = {}
        for kind in FORMATS:
            if kind not in files:
                continue
            began = time.perf_counter()
            try:
                text = text_from_attachment(files[kind].read_bytes(), files[kind].name)
            except AttachmentError as e:
                print(f"{stem}.{kind}: {e}")
                continue
            contacts = contacts_of(build_document(text))
            lines[kind] = {line for line in text.splitlines() if line.strip()}
            found[kind] = {_key(c) for c in contacts if c.name or c.phone}
            units[kind] = {(*_key(c), re.sub(r"\s+", "", c.department or "")) for c in contacts}
            wanted = resolve_agency(department) or department
            dept[kind] = bool(department) and _agency(list(contacts), text) == wanted
            took = time.perf_counter() - began
            print(f"{stem}.{kind}: {len(contacts)} contacts, {took * 1000:.0f} ms, "
                  f"dept={'yes' if dept[kind] else 'no'} "
                  f"{sorted(found[kind])[:3]}")  # fmt: skip
        if "hwp" in lines and "hwpx" in lines:
            same = len(lines["hwp"] & lines["hwpx"]) / max(1, len(lines["hwpx"]))
            print(f"{stem}: {same:.1%} of the HWPX's lines are in the HWP's text, verbatim")
        reference = "hwpx" if "hwpx" in found else next(iter(found), None)
        held_out = stem[-1].isdigit() and int(stem[-1]) % 2 == 1
        rows.append((stem, held_out, department, reference, found, dept, units))
    print()
    for split, keep in (("dev", False), ("held-out", True)):
        print(f"== {split}")
        for kind in FORMATS:
            pairs = [r for r in rows if r[1] == keep and kind in r[4] and r[3] and r[3] != kind]
            agree = sum(1 for r in pairs if r[4][kind] == r[4][r[3]])
            agree_units = sum(1 for r in pairs if r[6][kind] == r[6][r[3]])
            with_meta = [r for r in rows if r[1] == keep and kind in r[5] and r[2]]
            dept_ok = sum(1 for r in with_meta if r[5][kind])
            nonempty = sum(1 for r in rows if r[1] == keep and r[4].get(kind))
            read = sum(1 for r in rows if r[1] == keep and kind in r[4])
            line = f"{kind:5} read {read:2}, with contacts {nonempty:2}"
            if pairs:
                line += f", same contacts as {pairs[0][3]}: {agree}/{len(pairs)}"
                line += f" (with the same 부서: {agree_units}/{len(pairs)})"
            if with_meta:
                line += f", names the metadata's department: {dept_ok}/{len(with_meta)}"
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
