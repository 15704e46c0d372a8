"""Feed bytes → text: the declared encoding, else UTF-8, else CP949; said so when it lied."""

from __future__ import annotations

import codecs
import re

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", re.I)
_XML_DECL_TEXT = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.I)


def decode(body: bytes, content_type: str = "") -> tuple[str, str | None]:
    """Decode with the declared encoding, else UTF-8, else CP949; say so when the declaration lied.

    EUC-KR is read as CP949 (its superset) because Korean servers label CP949 text EUC-KR.
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), None
    declared: list[str] = []
    if m := _CHARSET.search(content_type):
        declared.append(m.group(1))
    if m2 := _XML_DECL.search(body[:400]):
        declared.append(m2.group(1).decode("ascii"))
    candidates = [_normal_codec(name) for name in declared] + ["utf-8", "cp949"]
    first_declared = _normal_codec(declared[0]) if declared else None
    for codec in dict.fromkeys(c for c in candidates if c):
        try:
            text = body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        note = None
        if first_declared and codec != first_declared:
            note = f"declared encoding {declared[0]} is wrong; decoded as {codec}"
        return text, note
    return _utf8_replacing(body)


_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")


def _utf8_replacing(body: bytes) -> tuple[str, str]:
    """No encoding fits: UTF-8 with each run of invalid bytes replaced by U+FFFD, and how
    many runs there were (a stray byte costs one character, not the document)."""
    text = body.decode("utf-8", errors="surrogateescape")
    bad = len(_ESCAPED_BYTES.findall(text))
    note = f"undecodable bytes replaced ({bad} invalid UTF-8 sequence{'s' if bad > 1 else ''})"
    return _ESCAPED_BYTES.sub("\ufffd", text), note


def _normal_codec(name: str) -> str | None:
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return "cp949" if codec in {"euc_kr", "cp949", "ks_c_5601-1987"} else codec


def as_utf8_document(text: str) -> bytes:
    """Re-encode as UTF-8 with a matching declaration so feedparser trusts our decoding."""
    text = _XML_DECL_TEXT.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1)
    return text.encode("utf-8")
