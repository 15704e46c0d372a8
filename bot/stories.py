"""Which articles tell the same story: exact keys only (canonical URL, title, content hash).

Two articles are one story when they share any key. Keys are computed here, purely; the
store (bot/store/stories.py) looks them up. Fuzzy grouping is deliberately not done: a wrong
merge hides news, a missed merge only costs one extra alert.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

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
# Query or path parameters that carry a server session, never the release: dropped always.
SESSION_PARAMS = frozenset(
    {"jsessionid", "phpsessid", "aspsessionid", "sessionid", "session_id", "sessid", "cfid",
     "cftoken"}
)  # fmt: skip
# Names that are a session id only when the value looks like one (``sid=105`` may be a
# section number; ``sid=9f8c2e…`` with 16+ token characters is a session).
_MAYBE_SESSION = frozenset({"sid", "sess", "s"})
_TOKEN = re.compile(r"[A-Za-z0-9._~!*\-]{16,}")
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid)=[^/;?#]*", re.I)

# Titles this short ("보도자료", "알림") are too generic to group by.
MIN_TITLE_KEY = 8

_BRACKETED_PREFIX = re.compile(r"^\s*(?:[\[【(〔<《][^\]】)〕>》]{1,12}[\]】)〕>》]\s*)+")
_NOT_WORD = re.compile(r"[^\w]+")


def _incidental(name: str, value: str) -> bool:
    """A query parameter that says where a click came from or which session asked."""
    key = name.lower()
    if key in TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES) or key in SESSION_PARAMS:
        return True
    return key in _MAYBE_SESSION and bool(_TOKEN.fullmatch(value))


def without_session(url: str) -> str:
    """The URL without session ids (``;jsessionid=…``, ``sid=<token>``) and tracking
    parameters (``utm_*``, …), otherwise exactly as given: an item's identity, so the next
    poll of a feed that puts a new session id in every link adds nothing."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    path = _PATH_SESSION.sub("", parts.path)
    query = parts.query
    if query:
        kept = []
        for pair in query.split("&"):
            name, _, value = pair.partition("=")
            if not _incidental(unquote_plus(name), unquote_plus(value)):
                kept.append(pair)
        query = "&".join(kept)
    if path == parts.path and query == parts.query:
        return text
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def canonical_url(url: str) -> str:
    """The URL without session ids, tracking parameters, fragment, default port and trailing
    slash.

    Scheme and host are lower-cased; the remaining query is sorted so parameter order does
    not matter. ``https://www.korea.kr/x.do?newsId=1&call_from=rsslink`` →
    ``https://www.korea.kr/x.do?newsId=1``.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = port if port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _incidental(k, v)
    ]
    path = _PATH_SESSION.sub("", parts.path) or "/"
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


# A title or body seen again this long after the first story is news again (e.g. a monthly
# "고용동향" with the same wording); a URL always means the same story.
TITLE_WINDOW = timedelta(days=30)
# Bodies shorter than this are too thin to prove two articles are the same.
MIN_TEXT_FOR_HASH = 50


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """A stored story that shares at least one key with a new article."""

    id: int
    canonical_url: str
    norm_title: str | None
    content_hash: str | None
    first_seen_at: datetime


def choose_story(
    keys: StoryKeys, text_length: int, candidates: Iterable[StoryCandidate], now: datetime
) -> int | None:
    """The story a new article joins, or None for a new story.

    The same canonical URL always joins (the oldest such story). Otherwise the oldest story
    first seen within ``TITLE_WINDOW`` with the same normalized title (when the title is long
    enough to tell) or the same body hash (when the body is long enough to prove it).
    """
    ordered = sorted(candidates, key=lambda c: c.id)
    for story in ordered:
        if story.canonical_url == keys.canonical_url:
            return story.id
    hash_usable = text_length >= MIN_TEXT_FOR_HASH and bool(keys.content_hash)
    for story in ordered:
        if story.first_seen_at < now - TITLE_WINDOW:
            continue
        if keys.title_usable and story.norm_title == keys.norm_title:
            return story.id
        if hash_usable and story.content_hash == keys.content_hash:
            return story.id
    return None
