"""Which articles tell the same story: exact keys, then near duplicates (pure decisions).

Two articles are one story when they share an exact key (canonical URL, normalized title,
content hash), or when one is a near duplicate of the other (:func:`near_match`): close in
time, close in content words, and nothing that tells them apart — a figure, a stage or an
agency that differs. The store (bot/store/stories.py) finds the candidates by index; this
module only decides. A wrong merge hides news, so every "apart" signal wins over similarity.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from bot.story_features import SERIES_UNITS, TREND_UNITS, StoryFeatures, figure_unit

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
# section number, a long run of digits an id; ``sid=9f8c2e…`` with 16+ token characters is a
# session).
_MAYBE_SESSION = frozenset({"sid", "sess"})
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
    return key in _MAYBE_SESSION and bool(_TOKEN.fullmatch(value)) and not value.isdigit()


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


# --- near duplicates ---------------------------------------------------------------------

# Rewrites follow a release within days; past this they are news again (or a later stage).
NEAR_WINDOW = timedelta(days=14)
# Jaccard similarity of content words at which two articles may be one story...
NEAR_SIMILARITY = 0.25
# ...or this, when they restate the same figures (:func:`_restates_figures`): one of them an
# official release and FIGURES_SHARED of its amounts in the other (a rewrite restates the
# release's figures in its own words), or two heads with the same month and amount (rewrites
# of one monthly statistic). Two rewrites sharing amounts alone need NEAR_SIMILARITY:
# rewrites of two releases of one programme quote the same total.
NEAR_SIMILARITY_WITH_FIGURES = 0.12
FIGURES_SHARED = 2


@dataclass(frozen=True, slots=True)
class NearCandidate:
    """A stored article that shares an index key with a new one."""

    article_id: int
    story_id: int
    published_at: datetime
    features: StoryFeatures


@dataclass(frozen=True, slots=True)
class NearMatch:
    """Why a new article joins a story: the article it resembles and what they share."""

    article_id: int
    story_id: int
    similarity: float
    shared_figures: tuple[str, ...]
    shared_agencies: tuple[str, ...]
    shared_words: tuple[str, ...]


def similarity(a: StoryFeatures, b: StoryFeatures) -> float:
    """Jaccard similarity of two articles' content words.

    The union's size is counted, not built (|a| + |b| - |a & b|): this runs for every
    candidate of every new article.
    """
    shared = len(a.words & b.words)
    union = len(a.words) + len(b.words) - shared
    return shared / union if union else 0.0


# Two official texts are one release (the ministry's feed and the OpenAPI's copy, or a feed's
# excerpt of it) when this share of the shorter one's content words is in the other.
SAME_RELEASE_CONTAINMENT = 0.8


def containment(a: StoryFeatures, b: StoryFeatures) -> float:
    """The share of the smaller word set that the other holds (1.0: one text's words are all
    in the other, as an excerpt's are in the full release)."""
    smaller = min(len(a.words), len(b.words))
    return len(a.words & b.words) / smaller if smaller else 0.0


def apart_because(a: StoryFeatures, b: StoryFeatures) -> str | None:
    """What keeps two similar articles apart, in words, or None.

    - titles that name another round or period of a series (``1차`` vs ``2차``, ``3월`` vs
      ``4월``), even when the bodies share the other one;
    - defining figures of one unit that differ: figures of the title, sub-headlines and first
      two sentences (or, when neither head names the unit, a body's only figure of it).
      Amounts differ when neither side's defining amount is anywhere in the other (rounding
      allowed: :func:`same_amount`), so a rewrite that quotes other comparison figures
      (2개월 vs 35개월, a base year) still joins; a period or round (2026년 vs 2025년, 1월 vs
      12월 of a monthly statistic, 1차 vs 2차) differs when either side's is absent from the
      other. Durations (:data:`TREND_UNITS`) never count, and amounts of a unit do not
      when both heads give one same specific amount of another (a dollar total each outlet
      converts to 원 at its own rate);
    - a different stage of a programme (a call for applicants vs its result vs an event);
    - one tells its event as coming (a preview, a plan), the other as held (a report);
    - agencies named by both with none in common, unless both heads give one same specific
      amount (a joint release, credited by each outlet to one of its ministries);
    - both are official releases (a publisher's own text, not a rewrite) that are not the
      same text: a ministry publishes an event once, so its two releases of one day on one
      programme (a budget's total and the part of it for one sector) are two stories, while
      the same release by two routes (the ministry feed, the OpenAPI) keeps its words.
    """
    reason = _series_apart(a, b) or _figures_apart(a, b)
    if reason:
        return reason
    if a.stages and b.stages and not a.stages & b.stages:
        return f"stage differs: {'/'.join(sorted(a.stages))} vs {'/'.join(sorted(b.stages))}"
    if a.aspect and b.aspect and a.aspect != b.aspect:
        return f"one tells the event as {min(a.aspect)}, the other as {min(b.aspect)}"
    if _agencies_apart(a, b):
        return "agencies differ"
    if a.official and b.official and containment(a, b) < SAME_RELEASE_CONTAINMENT:
        return "two official releases, not the same text"
    return None


def kept_apart(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether :func:`apart_because` keeps ``a`` and ``b`` apart: the same checks, the cheap
    ones first and no reason written (:func:`choose_near` asks it of every candidate)."""
    if a.stages and b.stages and a.stages.isdisjoint(b.stages):
        return True
    if a.aspect and b.aspect and a.aspect != b.aspect:
        return True
    if a.agencies and b.agencies and _agencies_apart(a, b):
        return True
    if a.series and b.series and _series_apart(a, b):
        return True
    if a.figures and b.figures and _figures_apart(a, b):
        return True
    return a.official and b.official and containment(a, b) < SAME_RELEASE_CONTAINMENT


def _agencies_apart(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Both name agencies, none in common, and their heads give no one same specific amount
    (which would make them a joint release, credited by each outlet to one ministry)."""
    return (
        bool(a.agencies and b.agencies)
        and a.agencies.isdisjoint(b.agencies)
        and not _lead_with_one_amount(_by_unit(a.defining), _by_unit(b.defining))
    )


def _series_apart(a: StoryFeatures, b: StoryFeatures) -> str | None:
    """Titles that name another round or period of a series, in words, or None."""
    series_a, series_b = _by_unit(a.series), _by_unit(b.series)
    for unit in sorted(series_a.keys() & series_b.keys()):
        if not series_a[unit] & series_b[unit]:
            return f"titles name another {unit}: {', '.join(sorted(series_a[unit]))} / " + (
                ", ".join(sorted(series_b[unit]))
            )
    return None


def _figures_apart(a: StoryFeatures, b: StoryFeatures) -> str | None:
    """Defining figures of one unit that differ (see :func:`apart_because`), or None."""
    units_a, units_b = _by_unit(a.figures), _by_unit(b.figures)
    head_a, head_b = _by_unit(a.defining), _by_unit(b.defining)
    for unit in sorted(units_a.keys() & units_b.keys() - TREND_UNITS):
        all_a, all_b = units_a[unit], units_b[unit]
        def_a, def_b = head_a.get(unit, frozenset()), head_b.get(unit, frozenset())
        if not (def_a or def_b) and len(all_a) == len(all_b) == 1 and unit not in SERIES_UNITS:
            # Neither head names the unit, and each body gives it once (62개 vs 59개). A
            # month or year only the body names is a date something happened on ("지난 7월
            # 20일부터 공모"), which each outlet picks for itself.
            def_a, def_b = all_a, all_b
        if not (def_a and def_b):
            continue  # a figure one side only quotes in passing is a comparison
        if unit in SERIES_UNITS:
            # A period or round that defines one article and that the other never names.
            hit = not _common(def_a, all_b, unit) or not _common(def_b, all_a, unit)
        else:
            # Amounts: neither article's defining amount is anywhere in the other.
            hit = not _common(def_a, all_b, unit) and not _common(def_b, all_a, unit)
            # Both lead with one same amount of another unit: this unit's figures are the
            # outlets' own (a dollar total converted to 원 at each one's rate).
            hit = hit and not _lead_with_one_amount(head_a, head_b)
        if hit:
            left = ", ".join(sorted(def_a)[:3])
            right = ", ".join(sorted(def_b)[:3])
            return f"figures in {unit} differ: {left} / {right}"
    return None


def _lead_with_one_amount(
    head_a: dict[str, frozenset[str]], head_b: dict[str, frozenset[str]]
) -> bool:
    """Whether two heads (figures by unit) give one same specific amount (rounding allowed;
    a round one — 1억원, 30% — is every year's cap or target, not this release's)."""
    return any(
        _specific(x) and _specific(y) and same_amount(x, y)
        for unit in head_a.keys() & head_b.keys() - SERIES_UNITS - TREND_UNITS
        for x in head_a[unit]
        for y in head_b[unit]
    )


def _specific(figure: str) -> bool:
    """A figure with ROUNDED_DIGITS significant digits or more (7.9억 달러, 3.3%)."""
    quantity = _quantity(figure)
    return quantity is not None and len(quantity.as_tuple().digits) >= ROUNDED_DIGITS


def _common(xs: frozenset[str], ys: frozenset[str], unit: str) -> bool:
    """Whether two sets of figures of ``unit`` share a value (amounts: after rounding)."""
    if xs & ys:
        return True
    if unit in SERIES_UNITS:
        return False
    return any(same_amount(x, y) for x in xs for y in ys)


def _quantity(figure: str) -> Decimal | None:
    try:
        return Decimal(figure[: len(figure) - len(figure_unit(figure))]).normalize()
    except InvalidOperation:
        return None


# A rounded figure must keep at least this many significant digits to stand for a finer one
# (522억 for 522억4000만, 3.7% for 3.74%); 500억 or 3% are round numbers, not roundings.
ROUNDED_DIGITS = 2


@lru_cache(maxsize=65536)
def same_amount(x: str, y: str) -> bool:
    """Whether two figures of one unit are one amount written at two precisions: the finer,
    rounded half up to the coarser one's last digit, is the coarser (``5.224e+10달러`` and
    ``5.22e+10달러``; ``1.1352e+12원`` and ``1.1e+12원``)."""
    if x == y:
        return True
    qx, qy = _quantity(x), _quantity(y)
    if qx is None or qy is None or not (qx.is_finite() and qy.is_finite()):
        return False
    ex, ey = int(qx.as_tuple().exponent), int(qy.as_tuple().exponent)
    coarse, fine, exponent = (qx, qy, ex) if ex > ey else (qy, qx, ey)
    if len(coarse.as_tuple().digits) < ROUNDED_DIGITS:
        return False
    try:
        return fine.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP) == coarse
    except InvalidOperation:  # beyond the context's precision: no figure a release gives
        return False


@lru_cache(maxsize=4096)
def _by_unit(figures: frozenset[str]) -> dict[str, frozenset[str]]:
    """Figures grouped by unit (cached: a batch compares one article with many)."""
    out: dict[str, set[str]] = {}
    for figure in figures:
        out.setdefault(figure_unit(figure), set()).add(figure)
    return {unit: frozenset(values) for unit, values in out.items()}


def _amounts(figures: frozenset[str]) -> set[str]:
    """Figures that say how much: not a date (2025년, 5월) and not which one of a series
    (1회, 2차), which two releases of one programme share without being one release."""
    return {f for f in figures if figure_unit(f) not in SERIES_UNITS}


def shared_amounts(a: frozenset[str], b: frozenset[str]) -> int:
    """How many of ``a``'s amounts ``b`` also gives, at its precision or another
    (:func:`same_amount`)."""
    by_b = _by_unit(frozenset(_amounts(b)))
    return sum(
        1
        for x in _amounts(a)
        if _common(frozenset({x}), by_b.get(figure_unit(x), frozenset()), figure_unit(x))
    )


def _restates_figures(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Whether two articles that share few words tell the same figures: an official release
    and a text giving FIGURES_SHARED of its amounts, or two texts whose heads (title, decks,
    first sentences) name the same month and lead with a same amount — rewrites of one
    monthly statistic each word it their own way, but headline its month and number. Two
    rewrites sharing amounts alone are not enough: rewrites of two releases of one programme
    quote the same total."""
    if (a.official or b.official) and shared_amounts(a.figures, b.figures) >= FIGURES_SHARED:
        return True
    if a.head_figures is None or b.head_figures is None:
        return False
    amounts = shared_amounts(a.head_figures - _trends(a), b.head_figures)
    # A monthly statistic is its month and its number: both heads name the same month and
    # lead with one same amount. (A year or a round is shared by a programme's every release.)
    months = {f for f in a.head_figures & b.head_figures if figure_unit(f) == "월"}
    return amounts >= 1 and bool(months)


def _trends(features: StoryFeatures) -> frozenset[str]:
    """Its streaks (``19개월``): each outlet picks its own."""
    return frozenset(f for f in features.figures if figure_unit(f) in TREND_UNITS)


def near_score(new: StoryFeatures, published_at: datetime, candidate: NearCandidate) -> float:
    """The similarity at which ``new`` is a near duplicate of ``candidate``; 0.0 if it is not.

    Within :data:`NEAR_WINDOW`, similar enough (less is needed when one is an official
    release and they share its amounts), and nothing that keeps them apart
    (:func:`apart_because`).
    """
    if abs(published_at - candidate.published_at) > NEAR_WINDOW:
        return 0.0
    old = candidate.features
    score = similarity(new, old)
    if score < NEAR_SIMILARITY_WITH_FIGURES:
        return 0.0
    if score < NEAR_SIMILARITY and not _restates_figures(new, old):
        return 0.0
    if kept_apart(new, old):
        return 0.0
    return score


def near_match(
    new: StoryFeatures, published_at: datetime, candidate: NearCandidate
) -> NearMatch | None:
    """The match if ``new`` is a near duplicate of ``candidate`` (with what they share)."""
    score = near_score(new, published_at, candidate)
    if not score:
        return None
    old = candidate.features
    return NearMatch(
        article_id=candidate.article_id,
        story_id=candidate.story_id,
        similarity=round(score, 3),
        shared_figures=tuple(sorted(new.figures & old.figures)),
        shared_agencies=tuple(sorted(new.agencies & old.agencies)),
        shared_words=tuple(sorted(new.words & old.words, key=lambda w: (-len(w), w))[:12]),
    )


def choose_near(
    new: StoryFeatures,
    published_at: datetime,
    candidates: Iterable[NearCandidate],
    *,
    refused: frozenset[int] = frozenset(),
) -> NearMatch | None:
    """The most similar candidate ``new`` is a near duplicate of, or None (ties: the older
    story). A story any of whose candidates is kept apart from ``new`` (another stage, tense,
    figure) is not joined, however similar its other members are.

    ``refused`` are stories this article was split from (``sokbo stories split``): it never
    joins them again.
    """
    pool = [c for c in candidates if c.story_id not in refused]
    # One member of a story kept apart from ``new`` keeps the whole story apart: an article
    # that names no stage or tense must not carry a report into its preview's story.
    # A story is asked (all its members) only when one of its candidates is about to be
    # scored: those of stories the search never reaches are not compared at all.
    members: dict[int, list[NearCandidate]] = {}
    for c in pool:
        members.setdefault(c.story_id, []).append(c)
    apart: dict[int, bool] = {}

    def story_apart(story_id: int) -> bool:
        found = apart.get(story_id)
        if found is None:
            found = apart[story_id] = any(
                abs(published_at - c.published_at) <= NEAR_WINDOW and kept_apart(new, c.features)
                for c in members[story_id]
            )
        return found

    # The best nonzero near_score with less work (a cold cycle compares each article with
    # hundreds): a similarity is at most min(|a|, |b|) / max(|a|, |b|), so candidates are
    # scored by that bound, highest first, and not at all once it cannot beat the best so far.
    # Ranks are (similarity, older story, earlier candidate): the order the candidates came
    # in decides between equally similar articles of one story, whatever order they are scored.
    best: tuple[float, int, int] | None = None
    chosen: NearCandidate | None = None
    size = len(new.words)
    bounded = []
    for n, candidate in enumerate(pool):
        other = len(candidate.features.words)
        bound = min(size, other) / max(size, other) if size and other else 0.0
        if bound >= NEAR_SIMILARITY_WITH_FIGURES:
            bounded.append((bound, -n, candidate))
    bounded.sort(key=lambda entry: entry[0], reverse=True)
    for bound, order, candidate in bounded:
        if best is not None and bound < best[0]:
            break  # every candidate left is bounded lower still
        if best is not None and (bound, -candidate.story_id, order) <= best:
            continue
        if story_apart(candidate.story_id):
            continue
        score = near_score(new, published_at, candidate)
        rank = (score, -candidate.story_id, order)
        if score and (best is None or rank > best):
            best, chosen = rank, candidate
    return near_match(new, published_at, chosen) if chosen else None


# --- which article speaks for a story ----------------------------------------------------

OFFICIAL_HOSTS = ("korea.kr", "go.kr")


def source_rank(url: str, feed_url: str = "") -> int:
    """How authoritative an article's source is: 0 an official release (a ``*.go.kr``
    ministry site, 정책브리핑 korea.kr or its OpenAPI), 1 anything else (news, blogs).

    A story's text, contacts and digest come from its lowest-ranked article; ties go to the
    first that arrived.
    """
    for address in (url, feed_url):
        host = (urlsplit(address.strip()).hostname or "").lower()
        if any(host == h or host.endswith("." + h) for h in OFFICIAL_HOSTS):
            return 0
    return 1


def best_source(members: Iterable[tuple[int, str, str]]) -> int:
    """The id of the article that speaks for a story, of its (id, url, feed url) members in
    id order: the lowest (:func:`source_rank`, id), i.e. the first official one, else the
    first. Ranks only until an official one is found: a story of hundreds of members that
    gains one is settled with one or two URL parses, not hundreds."""
    first: int | None = None
    for article_id, url, feed_url in members:
        if first is None:
            first = article_id
        if source_rank(url, feed_url) == 0:
            return article_id
    if first is None:
        raise ValueError("a story has at least one article")
    return first
