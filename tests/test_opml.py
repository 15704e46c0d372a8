"""OPML import/export: the pure parser and writer, and `sokbo feeds export/import` on both
engines, with files in the forms Miniflux and newsboat write and a round trip of our own."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.opml import OpmlError, OpmlFeed, export_opml, parse_opml
from bot.store import create_engine
from bot.store import feeds as feed_store

# What Miniflux's "Export" writes: categories as outlines holding the feeds.
MINIFLUX = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
    <head>
        <title>Miniflux</title>
        <dateCreated>Fri, 10 Apr 2026 09:00:00 UTC</dateCreated>
    </head>
    <body>
        <outline text="정책">
            <outline title="정책브리핑 보도자료" text="정책브리핑 보도자료" xmlUrl="https://www.korea.kr/rss/pressrelease.xml" htmlUrl="https://www.korea.kr/" type="rss"></outline>
            <outline title="중기부 보도자료" text="중기부 보도자료" xmlUrl="https://www.mss.go.kr/rss/smba/board/86.do" htmlUrl="https://www.mss.go.kr/" type="rss"></outline>
        </outline>
        <outline text="기술">
            <outline title="과기정통부 &amp; 소식" text="과기정통부 &amp; 소식" xmlUrl="https://www.msit.go.kr/user/rss/rss.do?bbsSeqNo=94" htmlUrl="https://www.msit.go.kr/" type="rss"></outline>
            <outline title="깨진 주소" text="깨진 주소" xmlUrl="ftp://files.example.kr/feed.xml" type="rss"></outline>
            <outline title="주소 없음" text="주소 없음" type="rss"></outline>
        </outline>
    </body>
</opml>
"""  # noqa: E501

# What `newsboat -e` writes: a flat list, version 1.0, text and xmlUrl only (and the same
# feed twice, as a hand-edited urls file can produce).
NEWSBOAT = """<?xml version="1.0"?>
<opml version="1.0">
  <head>
    <title>newsboat - Exported Feeds</title>
  </head>
  <body>
    <outline type="rss" xmlUrl="https://www.korea.kr/rss/policy.xml" htmlUrl="https://www.korea.kr" title="정책브리핑 정책뉴스" />
    <outline type="rss" xmlUrl="https://newsdao.kr/feed.xml" htmlUrl="" title="" />
    <outline type="rss" xmlUrl="https://www.korea.kr/rss/policy.xml" title="정책브리핑 정책뉴스" />
  </body>
</opml>
"""  # noqa: E501


def test_parse_nested_miniflux() -> None:
    doc = parse_opml(MINIFLUX.encode())
    assert [f.title for f in doc.feeds] == [
        "정책브리핑 보도자료",
        "중기부 보도자료",
        "과기정통부 & 소식",
    ]
    assert doc.feeds[2].xml_url == "https://www.msit.go.kr/user/rss/rss.do?bbsSeqNo=94"
    assert doc.feeds[0].html_url == "https://www.korea.kr/"
    assert doc.invalid == (
        ("기술 > 깨진 주소", "xmlUrl 'ftp://files.example.kr/feed.xml' is not an http:// or "
         "https:// address"),
        ("기술 > 주소 없음", "no xmlUrl attribute"),
    )  # fmt: skip


def test_parse_flat_newsboat_names_untitled_feeds_by_host() -> None:
    doc = parse_opml(NEWSBOAT.encode())
    assert [(f.title, f.xml_url) for f in doc.feeds] == [
        ("정책브리핑 정책뉴스", "https://www.korea.kr/rss/policy.xml"),
        ("newsdao.kr", "https://newsdao.kr/feed.xml"),
        ("정책브리핑 정책뉴스", "https://www.korea.kr/rss/policy.xml"),
    ]
    assert doc.feeds[1].html_url is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html><body>not a feed list</body></html>", "root element is <html>"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "root element is <rss>"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
        (b"<opml><body><outline", "not well-formed XML"),
        (b"", "not well-formed XML"),
        (
            b'<!DOCTYPE opml [<!ENTITY a "aaaa">]><opml><body>&a;</body></opml>',
            "declares XML entities",
        ),
    ],
)
def test_not_opml_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(OpmlError, match=reason):
        parse_opml(data)


def test_export_parses_back() -> None:
    feeds = [
        OpmlFeed("정책 <속보> & 소식", "https://a.example.kr/rss?x=1&y=2", "https://a.example.kr/"),
        OpmlFeed("B", "https://b.example.kr/atom.xml"),
    ]
    text = export_opml(feeds, title="sokbo feeds", now=datetime(2026, 4, 10, tzinfo=UTC))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert "<dateCreated>Fri, 10 Apr 2026 00:00:00 +0000</dateCreated>" in text
    assert parse_opml(text.encode()).feeds == tuple(feeds)


def write_config(tmp_path: Path, db_url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n[feeds]\nsources = []\n', encoding="utf-8")
    return config


def test_cli_import_export_round_trip(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, db_url)
    engine = create_engine(db_url)
    feed_store.add_feed(
        engine, "https://www.korea.kr/rss/pressrelease.xml", "이미 있는 피드", datetime.now(UTC)
    )
    miniflux = tmp_path / "miniflux.opml"
    miniflux.write_text(MINIFLUX, encoding="utf-8")
    assert main(["feeds", "import", str(miniflux), "--config", str(config)]) == 1  # invalid ones
    out, err = capsys.readouterr()
    assert "skipped 정책브리핑 보도자료: already followed as feed 1" in out
    assert "added feed 2: 중기부 보도자료 (https://www.mss.go.kr/rss/smba/board/86.do)" in out
    assert "added feed 3: 과기정통부 & 소식" in out
    assert "invalid entry '기술 > 깨진 주소': xmlUrl 'ftp://files.example.kr/feed.xml'" in err
    assert "invalid entry '기술 > 주소 없음': no xmlUrl attribute" in err
    assert "imported 2 feeds, skipped 1 already followed or repeated, 2 invalid" in err

    newsboat = tmp_path / "newsboat.opml"
    newsboat.write_text(NEWSBOAT, encoding="utf-8")
    assert main(["feeds", "import", str(newsboat), "--config", str(config)]) == 0
    out, _ = capsys.readouterr()
    assert "added feed 4: 정책브리핑 정책뉴스" in out
    assert "added feed 5: newsdao.kr (https://newsdao.kr/feed.xml)" in out
    assert "skipped 정책브리핑 정책뉴스: listed twice in the file" in out

    feed_store.remove_feed(engine, 5)  # removed feeds are not exported
    exported = tmp_path / "sokbo.opml"
    assert main(["feeds", "export", "--output", str(exported), "--config", str(config)]) == 0
    doc = parse_opml(exported.read_bytes())
    assert [f.xml_url for f in doc.feeds] == [
        "https://www.korea.kr/rss/pressrelease.xml",
        "https://www.mss.go.kr/rss/smba/board/86.do",
        "https://www.msit.go.kr/user/rss/rss.do?bbsSeqNo=94",
        "https://www.korea.kr/rss/policy.xml",
    ]
    assert doc.feeds[2].title == "과기정통부 & 소식"
    assert doc.feeds[1].html_url == "https://www.mss.go.kr/"

    # our own export into a fresh database gives the same feeds
    other = tmp_path / "other"
    other.mkdir()
    fresh = write_config(other, f"sqlite:///{other / 'fresh.db'}")
    assert main(["feeds", "import", str(exported), "--config", str(fresh)]) == 0
    again = feed_store.list_feeds(create_engine(f"sqlite:///{other / 'fresh.db'}"))
    assert [(f.name, f.url) for f in again] == [(f.title, f.xml_url) for f in doc.feeds]
    engine.dispose()


def test_cli_import_refuses_non_opml_and_changes_nothing(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, db_url)
    page = tmp_path / "page.html"
    page.write_text("<html><body><a href='https://x.kr/rss'>rss</a></body></html>")
    assert main(["feeds", "import", str(page), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "is not an OPML file: root element is <html>, not <opml>; nothing was imported" in err
    assert main(["feeds", "import", str(tmp_path / "missing.opml"), "--config", str(config)]) == 1
    assert "cannot read" in capsys.readouterr().err
    engine = create_engine(db_url)
    assert feed_store.list_feeds(engine) == []
    engine.dispose()


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_nesting_is_read_without_recursion(
    depth: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 21, item 8: an OPML nested 1,000 deep ended in RecursionError."""
    inner = (
        '<outline title="깊은 피드" xmlUrl="https://deep.example.kr/rss"/>'
        '<outline title="깊은 오류" xmlUrl="ftp://deep.example.kr/rss"/>'
    )
    body = '<outline text="폴더">' * depth + inner + "</outline>" * depth
    data = f'<opml version="2.0"><head/><body>{body}</body></opml>'.encode()
    doc = parse_opml(data)
    assert [f.xml_url for f in doc.feeds] == ["https://deep.example.kr/rss"]
    [(where, reason)] = doc.invalid
    assert where == "폴더 > 폴더 > 폴더 > … > 깊은 오류" and "ftp://" in reason
    opml = tmp_path / "deep.opml"
    opml.write_bytes(data)
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'deep.db'}")
    assert main(["feeds", "import", str(opml), "--config", str(config)]) == 1  # one invalid
    out, err = capsys.readouterr()
    assert "added feed 1: 깊은 피드" in out and "Traceback" not in err
