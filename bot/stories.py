"""Which articles tell the same story: exact keys only (canonical URL, title, content hash).

Two articles are one story when they share any key. Keys are computed here, purely; the
store (bot/store/stories.py) looks them up. Fuzzy grouping is deliberately not done: a wrong
merge hides news, a missed merge only costs one extra alert.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say where a click came from.
TRACKING_PARAMS = frozenset(
    {
        "call_from",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "referrer",
        "src",
        "from",
        "_ga",
        "yclid",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")

# Titles this short ("보도자료", "알림") are too generic to group by.
MIN_TITLE_KEY = 8

_BRACKETED_PREFIX = re.compile(r"^\s*(?:[\[【(〔<《][^\]】)〕>》]{1,12}[\]】)〕>》]\s*)+")
_NOT_WORD = re.compile(r"[^\w]+")


def canonical_url(url: str) -> str:
    """The URL with tracking parameters, fragment, default port and trailing slash removed.

    Scheme and host are lower-cased; the remaining query is sorted so parameter order does
    not matter. ``https://www.korea.kr/x.do?newsId=1&call_from=rsslink`` →
    ``https://www.korea.kr/x.do?newsId=1``.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def normalize_title(title: str) -> str:
    """A title reduced to its words: NFKC, lower case, no ``[보도자료]`` prefix, no punctuation."""
    text = unicodedata.normalize("NFKC", title)
    text = _BRACKETED_PREFIX.sub("", text)
    return _NOT_WORD.sub("", text.lower())[:500]


@dataclass(frozen=True, slots=True)
class StoryKeys:
    """The exact keys under which an article may join an existing story."""

    canonical_url: str
    norm_title: str
    content_hash: str

    @property
    def title_usable(self) -> bool:
        return len(self.norm_title) >= MIN_TITLE_KEY


def story_keys(url: str, title: str, content_hash: str) -> StoryKeys:
    return StoryKeys(canonical_url(url), normalize_title(title), content_hash)
