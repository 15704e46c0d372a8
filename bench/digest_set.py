"""Builds bench/data/releases/*.md from real 보도자료 HWPX files (run once; output committed).

Input: a folder of ``<newsId>.hwpx`` + ``<newsId>.metadata.json`` as fetched from the
정책브리핑 OpenAPI (provenance in bench/data/SOURCES.md). Output: one markdown file per release,
``# title`` (the OpenAPI's Title) and the body: one line per paragraph,
tables as pipe rows (as a feed's HTML table becomes rows). Only what the bench needs; the
project's own HWPX reader is h-fulltext's (bot/fulltext).

    python bench/digest_set.py /work/shared/data/attachments
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
OUT = Path(__file__).resolve().parent / "data" / "releases"


def _text(p: ET.Element) -> str:
    """The paragraph's own text (not that of tables nested in it)."""
    parts: list[str] = []
    for run in p.findall(f"{HP}run"):
        for child in run:
            if child.tag == f"{HP}t":
                parts.append("".join(child.itertext()))
    return " ".join("".join(parts).split())


def _lines(node: ET.Element, out: list[str]) -> None:
    for child in node:
        if child.tag == f"{HP}p":
            text = _text(child)
            if text:
                out.append(text)
            for tbl in child.iter(f"{HP}tbl"):
                if tbl in _seen:
                    continue
                _seen.add(tbl)
                for tr in tbl.findall(f"{HP}tr"):
                    cells = []
                    for tc in tr.findall(f"{HP}tc"):
                        for sub in tc.iter(f"{HP}tbl"):
                            _seen.add(sub)
                        cells.append(
                            " ".join(_text(p) for p in tc.iter(f"{HP}p") if _text(p)).replace(
                                "|", "/"
                            )
                        )
                    if any(cells):
                        out.append("| " + " | ".join(cells) + " |")
        else:
            _lines(child, out)


_seen: set[ET.Element] = set()


def convert(hwpx: Path) -> list[str]:
    with zipfile.ZipFile(hwpx) as z:
        root = ET.fromstring(z.read("Contents/section0.xml"))
    out: list[str] = []
    _seen.clear()
    _lines(root, out)
    return out


def main() -> None:
    src = Path(sys.argv[1])
    OUT.mkdir(parents=True, exist_ok=True)
    for meta_path in sorted(src.glob("*.metadata.json")):
        news_id = meta_path.name.split(".")[0]
        hwpx = src / f"{news_id}.hwpx"
        if not hwpx.exists():
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        lines = convert(hwpx)
        head = [f"# {meta['title']}", ""]
        (OUT / f"{news_id}.md").write_text(
            "\n".join(head + [line + "\n" for line in lines]), encoding="utf-8"
        )
        print(news_id, len(lines))


if __name__ == "__main__":
    main()
