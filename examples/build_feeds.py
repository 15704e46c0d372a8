"""Build the sample feeds under examples/feeds/ from the project's shared data (see README.md).

Run once by hand when the data changes: ``.venv/bin/python examples/build_feeds.py [DATA_DIR]``.
The output is committed, so `make demo` needs neither this script nor the data folder.
"""

from __future__ import annotations

import html
import re
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).parent
KST = timezone(timedelta(hours=9))


def paragraphs_html(text: str) -> str:
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    out = []
    for block in blocks:
        block = re.sub(r"^#+\s*", "", block)
        lines = "<br/>".join(html.escape(line.strip()) for line in block.splitlines())
        out.append(f"<p>{lines}</p>")
    return "\n".join(out)


def press_releases(data: Path) -> str:
    """RSS 2.0 (UTF-8) of the korea.kr press releases in articles/10-15, body in content:encoded."""
    items = []
    for path in sorted(data.glob("articles/1[0-5]_*.txt")):
        text = path.read_text(encoding="utf-8")
        title = re.search(r"^# (.+)$", text, re.M).group(1).strip()  # type: ignore[union-attr]
        link = re.search(r"기사 URL: (\S+)", text).group(1).replace("openData", "rsslink")  # type: ignore[union-attr]
        posted = re.search(r"게시 시각: (\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d):(\d\d)", text)
        month, day, year, hh, mm, ss = (int(x) for x in posted.groups())  # type: ignore[union-attr]
        when = datetime(year, month, day, hh, mm, ss, tzinfo=KST)
        body = text.split("## 본문", 1)[-1]
        guid = re.search(r"newsId=(\d+)", link).group(1)  # type: ignore[union-attr]
        items.append(
            f"<item><title>{html.escape(title)}</title><link>{html.escape(link)}</link>"
            f'<guid isPermaLink="false">korea.kr-{guid}</guid>'
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{html.escape(title)}</description>"
            f"<content:encoded><![CDATA[{paragraphs_html(body)}]]></content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
        "<channel><title>정책브리핑 보도자료 (예시)</title><link>https://www.korea.kr/</link>"
        "<description>examples/README.md: real releases of April 2026</description>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )


SEED_TITLES = {
    "001": "중소기업 기술혁신의 요람 ‘산학연플랫폼 협력기술개발사업’ 운영기관 선정",
    "003": "혁신특구 대구·대전·경남 선정…미래 성장 가능성 확보",
    "004": "인공지능·디지털 대전환을 뒷받침하는 정보통신기술 기술사업화 생태계 혁신 첫걸음",
}


def euc_kr_seeds(data: Path) -> bytes:
    """RSS 2.0 encoded EUC-KR (as many Korean government servers still serve), dates YYYY.MM.DD."""
    dates = {"001": "2022.04.11", "003": "2024.04.04", "004": "2025.05.28"}
    items = []
    for key, title in SEED_TITLES.items():
        [path] = data.glob(f"seeds/{key}_*.txt")
        body = path.read_text(encoding="utf-8")
        items.append(
            f"<item><title>{html.escape(title)}</title>"
            f"<link>/seeds/{key}.html</link><pubDate>{dates[key]}</pubDate>"
            f"<description><![CDATA[{paragraphs_html(body)}]]></description></item>"
        )
    doc = (
        '<?xml version="1.0" encoding="euc-kr"?>\n<rss version="2.0"><channel>'
        "<title>중기부·과기정통부 소식 (예시, EUC-KR)</title><link>http://127.0.0.1/</link>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )
    return doc.encode("cp949", errors="replace")


def atom_posts(data: Path) -> str:
    """Atom feed of the blog-style posts (seeds 000/002, newsdao/): HTML bodies, Jekyll titles."""
    sources = [
        *sorted(data.glob("seeds/000_*.txt")),
        *sorted(data.glob("seeds/002_*.txt")),
        *sorted(data.glob("newsdao/*.md")),
    ]
    dates = ["2024-06-10T09:00:00+09:00", "2024-06-12T09:00:00+09:00",
             "2024-06-17T09:00:00+09:00", "2024-07-19T09:00:00+09:00"]  # fmt: skip
    entries = []
    for path, updated in zip(sources, dates, strict=True):
        text = path.read_text(encoding="utf-8")
        title = re.search(r"^title: (.+)$", text, re.M).group(1).strip().strip("'\"")  # type: ignore[union-attr]
        body = text.split("\n---\n", 1)[-1] if text.startswith("---") else text
        entries.append(
            f"<entry><id>tag:sokbo.example,2024:{path.stem}</id><title>{html.escape(title)}</title>"
            f'<link href="/posts/{path.stem}.html"/><updated>{updated}</updated>'
            f'<content type="html">{html.escape(body)}</content></entry>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>실시간 뉴스 속보 (예시, Atom)</title><id>tag:sokbo.example,2024:posts</id>"
        "<updated>2024-07-19T09:00:00+09:00</updated>\n" + "\n".join(entries) + "\n</feed>\n"
    )


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[1] / "shared" / "data"
    out = HERE / "feeds"
    out.mkdir(exist_ok=True)
    (out / "press_releases.xml").write_text(press_releases(data), encoding="utf-8")
    (out / "seeds_euc-kr.xml").write_bytes(euc_kr_seeds(data))
    (out / "posts_atom.xml").write_text(atom_posts(data), encoding="utf-8")
    print(f"wrote {', '.join(p.name for p in sorted(out.glob('*.xml')))}")


if __name__ == "__main__":
    main()
