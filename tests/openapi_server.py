"""A loopback 정책브리핑 OpenAPI (``/1371000/pressReleaseService/pressReleaseList``) built from
the documented fields (../shared/SOURCES.md §2), for tests over a real socket.

Releases are held as field dicts (``NewsItemId``, ``Title``, ``MinisterCode``, ``ApproveDate``,
``ModifyDate``, ``ContentsStatus``, ``ModifyId``, ``DataContents``, ``OriginalUrl``, file names
and URLs …). A request is answered like the service: the key is checked (a missing or unknown
one gets the gateway's ``OpenAPI_ServiceResponse/cmmMsgHeader``), releases are those whose
ApproveDate or ModifyDate falls within startDate..endDate (Korean dates), paged by
``numOfRows``/``pageNo`` with ``totalCount``. Pages alternate the two item shapes public clients
disagree on: ``body/items/item`` and ``body/NewsItem``.

:func:`release_from_doc` turns one of tests/data/docs' korea.kr releases (GovPress_PDF_MD's
ground truth of real OpenAPI items, see tests/data/docs/SOURCES.md) back into the fields the
OpenAPI gives: its metadata lines, and its body as the HTML DataContents.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from tests.feed_server import LoopbackServer

PATH = "/1371000/pressReleaseService/pressReleaseList"
KEY = "tEsT+kEy/with=Reserved==chars"  # a decoded key: '+', '/' and '=' must be encoded once

_FIELDS = (
    "NewsItemId", "ContentsStatus", "ModifyId", "ModifyDate", "ApproveDate", "ApproveCode",
    "EmbargoDate", "GroupingCode", "Title", "SubTitle1", "SubTitle2", "SubTitle3",
    "ContentsType", "DataContents", "MinisterCode", "OriginalUrl", "OriginalimgUrl",
)  # fmt: skip


def release_from_doc(path: Path, *, modify_id: int = 0, status: str = "I") -> dict[str, object]:
    """The OpenAPI fields of a tests/data/docs ``gt_`` release (its markdown back to HTML)."""
    text = path.read_text(encoding="utf-8")
    meta = dict(re.findall(r"^- ([^:\n]+): (.+)$", text.split("## 본문", 1)[0], re.M))
    title = re.search(r"^# (.+)$", text, re.M)
    assert title is not None
    body = text.split("## 본문", 1)[1].split("## 첨부파일", 1)[0]
    url = meta["기사 URL"]
    news_id = re.search(r"newsId=(\d+)", url)
    assert news_id is not None
    files = [meta[k] for k in ("HWPX 첨부", "PDF 첨부") if k in meta]
    return {
        "NewsItemId": news_id.group(1),
        "ContentsStatus": status,
        "ModifyId": str(modify_id),
        "ModifyDate": meta["게시 시각"],
        "ApproveDate": meta["게시 시각"],
        "GroupingCode": "brief",
        "ContentsType": "H",
        "Title": title.group(1).strip(),
        "MinisterCode": meta["부처"],
        "OriginalUrl": url,
        "DataContents": markdown_html(body),
        "files": [
            (name, f"https://www.korea.kr/common/download.do?tblKey=GMN&fileId={n + 19842000}")
            for n, name in enumerate(files)
        ],
    }


def markdown_html(body: str) -> str:
    """The ground truth's markdown as the HTML a release body is (paragraphs, headings,
    tables): what DataContents carries."""
    out: list[str] = []
    rows: list[list[str]] = []

    def close_table() -> None:
        if rows:
            cells = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows
            )
            out.append(f"<table>{cells}</table>")
            rows.clear()

    for line in body.splitlines():
        line = line.strip()
        if line.startswith("|"):
            if not re.fullmatch(r"\|[\s\-|:]+\|", line):
                rows.append([c.strip() for c in line.strip("|").split("|")])
            continue
        close_table()
        if not line:
            continue
        if line.startswith("#"):
            out.append(f"<h3>{html.escape(line.lstrip('#').strip())}</h3>")
        else:
            out.append(f"<p>{html.escape(line)}</p>")
    close_table()
    return "\n".join(out)


def _kst_date(value: str) -> date | None:
    try:
        return datetime.strptime(value, "%m/%d/%Y %H:%M:%S").date()
    except ValueError:
        return None


def _item_xml(release: dict[str, object], tag: str) -> str:
    parts = [f"<{tag}>"]
    for name in _FIELDS:
        if name not in release:
            continue
        value = str(release[name])
        if name == "DataContents":
            parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
        else:
            parts.append(f"<{name}>{html.escape(value, quote=False)}</{name}>")
    for file_name, file_url in release.get("files", []):  # type: ignore[attr-defined]
        parts.append(
            f"<FileName>{html.escape(file_name, quote=False)}</FileName>"
            f"<FileUrl>{html.escape(file_url, quote=False)}</FileUrl>"
        )
    parts.append(f"</{tag}>")
    return "".join(parts)


def gateway_error(auth: str, code: str) -> bytes:
    return (
        "<OpenAPI_ServiceResponse><cmmMsgHeader><errMsg>SERVICE ERROR</errMsg>"
        f"<returnAuthMsg>{auth}</returnAuthMsg><returnReasonCode>{code}</returnReasonCode>"
        "</cmmMsgHeader></OpenAPI_ServiceResponse>"
    ).encode()


class OpenApiServer(LoopbackServer):
    """The fixture service in a thread; use as a context manager."""

    def __init__(self, key: str = KEY) -> None:
        self.key = key
        self.releases: list[dict[str, object]] = []
        self.requests: list[str] = []  # raw query strings, as sent
        self.result_code = "00"
        self.max_rows = 1000  # the service answers at most this many rows a page
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                server.requests.append(parts.query)
                if parts.path != PATH:
                    self._send(404, b"not found")
                    return
                self._send(200, server.answer(parts.query))

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/xml; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._serve(Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def answer(self, query: str) -> bytes:
        """What the service answers to one query string."""
        raw = dict(re.findall(r"([^&=]+)=([^&]*)", query))
        if "serviceKey" not in raw or not raw["serviceKey"]:
            return gateway_error("SERVICE_KEY_IS_NOT_REGISTERED_ERROR", "30")
        if unquote(raw["serviceKey"]) != self.key:  # decoded once: an encoded twice key fails
            return gateway_error("SERVICE_KEY_IS_NOT_REGISTERED_ERROR", "30")
        params = {k: v[0] for k, v in parse_qs(query).items()}
        if self.result_code not in ("0", "00"):
            return (
                f"<response><header><resultCode>{self.result_code}</resultCode>"
                "<resultMsg>SERVICE ERROR</resultMsg></header></response>"
            ).encode()
        try:
            start = datetime.strptime(params["startDate"], "%Y%m%d").date()
            end = datetime.strptime(params["endDate"], "%Y%m%d").date()
            rows = min(self.max_rows, int(params.get("numOfRows", "10")))
            page = int(params.get("pageNo", "1"))
        except (KeyError, ValueError):
            return (
                b"<response><header><resultCode>10</resultCode>"
                b"<resultMsg>INVALID_REQUEST_PARAMETER_ERROR</resultMsg></header></response>"
            )
        chosen = [r for r in self.releases if self._within(r, start, end)]
        shown = chosen[(page - 1) * rows : page * rows]
        tag, wrap = ("item", True) if page % 2 else ("NewsItem", False)
        items = "".join(_item_xml(r, tag) for r in shown)
        if wrap:
            items = f"<items>{items}</items>"
        return (
            '<?xml version="1.0" encoding="UTF-8"?><response><header><resultCode>00</resultCode>'
            "<resultMsg>NORMAL SERVICE.</resultMsg></header><body>"
            f"{items}<numOfRows>{rows}</numOfRows><pageNo>{page}</pageNo>"
            f"<totalCount>{len(chosen)}</totalCount></body></response>"
        ).encode()

    @staticmethod
    def _within(release: dict[str, object], start: date, end: date) -> bool:
        for field in ("ApproveDate", "ModifyDate"):
            day = _kst_date(str(release.get(field, "")))
            if day is not None and start <= day <= end:
                return True
        return False
