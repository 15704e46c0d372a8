"""What a near-duplicate decision looks at, computed once per article (pure, no I/O).

A rewrite of a release keeps the release's content words (nouns, names, Latin words; the
particles, endings and spacing differ), its figures (``41만1000명`` written ``41만 1천명`` or
``411,000명``), its agencies (``중기부`` = ``중소벤처기업부``) and what the release *is* (a call
for applicants, a result, an event). :func:`story_features` reads those from the title and the
lead; :mod:`bot.stories` decides on them; :func:`bucket_keys` gives the index keys under which
the store finds candidates without reading every stored article.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass

from bot import korean
from bot.agencies import find_agencies

# How much of an article the features read: the title and the lead carry the event; the rest
# of a long release (background, tables) dilutes the comparison with generic words.
LEAD_CHARS = 1000
# A title longer than this is not a title (a hostile feed's megabyte); the rest is ignored.
TITLE_CHARS = 300
# Figures are read from the title and this much of the lead (where the key numbers sit).
FIGURE_CHARS = 900
# MinHash over the content words (one-permutation hashing); LSH bands of ROWS values each.
BANDS = 16
ROWS = 2
_PRIME = (1 << 61) - 1

# Content morphemes: common and proper nouns, Latin words, Hanja, roots (figures are apart).
_CONTENT_TAGS = frozenset({"NNG", "NNP", "SL", "SH", "XR"})

# --- figures -----------------------------------------------------------------------------

_MAGNITUDE = {"천": 1_000, "만": 10_000, "억": 100_000_000, "조": 1_000_000_000_000}
# A figure: digits (commas, a decimal point) with optional Korean magnitudes (``2조 5천억``,
# ``41만 1천``), then a unit. ``여`` (about) may sit between the number and the unit.
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_FIGURE = re.compile(
    rf"({_NUMBER}(?:\s?[조억만천](?:\s?{_NUMBER})?)*)\s?(?:여\s?)?"
    r"(%포인트|%p|%|퍼센트|포인트|개사|개소|개국|개월|개|곳|명|건|번째|차|회|원|달러|년|월|일|배|톤|가구)"
)
# Units that say when, not how much: they tell a monthly series' months apart.
DATE_UNITS = frozenset({"년", "월"})
# Units that say which one of a series (a period, a round): in a title they name the release.
SERIES_UNITS = frozenset({"년", "월", "차", "번째", "회"})
# Units of a trend's length ("14개월 만에", "35개월 연속"): each outlet picks its own streak
# from one release, and two months of a series differ in their month and amounts anyway.
TREND_UNITS = frozenset({"개월"})
_UNIT_ALIASES = {
    "퍼센트": "%",
    "%포인트": "%p",
    "포인트": "%p",
    "개사": "개",
    "개소": "개",
    "곳": "개",
}


def _figure_value(number: str) -> float:
    """``41만1000`` → 411000, ``2천475억`` → 2.475e11, ``2조 5천억`` → 2.5e12, ``1,300`` → 1300."""
    total = small = current = 0.0
    for piece in re.findall(r"\d+(?:\.\d+)?|[조억만천]", number.replace(",", "")):
        if piece == "천":
            small += (current or 1) * 1_000
            current = 0.0
        elif piece in _MAGNITUDE:
            total += (small + current or 1) * _MAGNITUDE[piece]
            small = current = 0.0
        else:
            current = float(piece)
    return total + small + current


def find_figures(text: str) -> frozenset[str]:
    """Figures in ``text`` as ``value+unit`` strings (``411000명``, ``2475억원`` → ``2.475e+11원``).

    Amounts in 억/조 keep their magnitude in the value, so ``2천475억원`` and ``2,475억 원`` are
    one figure. Day numbers (``15일``) are left out: a rewrite says ``지난 15일`` a day later.
    """
    found: set[str] = set()
    for match in _FIGURE.finditer(unicodedata.normalize("NFKC", text)):
        unit = _UNIT_ALIASES.get(match.group(2), match.group(2))
        if unit == "일":
            continue
        value = _figure_value(match.group(1))
        if unit == "년" and not 1900 <= value <= 2100:
            continue
        if unit == "월" and not 1 <= value <= 12:
            continue
        found.add(f"{value:g}{unit}")
    return frozenset(found)


# A period named as a reference point ("2022년 3월 이후 최저", "2020년 대비", "3월 이래"): it
# says what the article's own figure is compared with, not which release it is.
_REFERENCE_PERIOD = re.compile(
    r"(?:\d{1,4}\s?[년월]\s?)+(?:\d{1,2}\s?일\s?)?"
    # its own figure in brackets ("2009년 1월(36.6%) 이후") or after 의 ("2021년의 23조원보다")
    r"(?:\([^()]{0,20}\)\s?)?(?:(?:의|과|와)\s?(?:[\d,.]+\s?[조억만천]?\s?)*[^\s\d]{0,3}\s?)?"
    r"(?:이후|이래|만에|만의|대비|보다|에\s?비해|에\s?비하면|비교|수준|때)"
    r"|\d{4}\s?년?\s?=\s?100"  # an index's base year ("지수 111.6(2020년=100)")
)


def defining_figures(head: str) -> frozenset[str]:
    """The figures of an article's head (title, sub-headlines, first sentences) that say which
    release it is: all but the periods named as a reference point."""
    return find_figures(_REFERENCE_PERIOD.sub(" ", unicodedata.normalize("NFKC", head)))


def figure_unit(figure: str) -> str:
    """The unit of a :func:`find_figures` string (``411000명`` → ``명``)."""
    return figure.lstrip("0123456789.e+-")


def figure_display(figure: str) -> str:
    """A :func:`find_figures` string for people: ``1.6903e+12원`` → ``1조 6,903억원``."""
    unit = figure_unit(figure)
    try:
        value = float(figure[: len(figure) - len(unit)])
    except ValueError:
        return figure
    if unit in DATE_UNITS:
        return f"{value:g}{unit}"
    if value >= 1e8 and value == int(value):
        jo, eok = divmod(int(value) // 10**8, 10**4)
        rest = int(value) % 10**8
        if not rest:
            parts = ([f"{jo:,}조"] if jo else []) + ([f"{eok:,}억"] if eok else [])
            return " ".join(parts) + unit
    return (f"{value:,.0f}" if value == int(value) else f"{value:g}") + unit


# --- stage -------------------------------------------------------------------------------

# What a release announces, read from its title and first sentences. Each stage is named by
# the verbs and nouns press releases use for it; a call and its result share everything else.
STAGES: dict[str, re.Pattern[str]] = {
    "call": re.compile(
        r"모집|공모|접수|참가자|참여자|신청(?:을|\s)?\s?받|공고(?:한다|했다|를|하고)"
    ),
    "result": re.compile(
        r"선정\s?결과|최종\s?선정|선정했|선정됐|선정되었|선발했|결과\s?발표|수상|합격자"
    ),
    "event": re.compile(r"설명회|간담회|박람회|토론회|포럼|기념식|출범식|협약식"),
}


# A lead may open with sub-headlines (lines that end without a period, as the OpenAPI's
# subtitles and many outlets' decks do); they belong with the title, and "the first two
# sentences" are counted after them. At most this many are taken for sub-headlines.
MAX_SUBHEADS = 4
# Sentences of the lead that count with the title and decks as the article's head.
HEAD_SENTENCES = 2
_SENTENCE_END = re.compile(r"[.!?。][\"'”’」』)\]]*$")
# A line that tells something ends on a predicate (밝혔다. / 열린다 / 됩니다.); a photo caption
# or a byline ("사진=중기부 제공.", "동행축제 전반 개요.") ends on a noun.
_PREDICATE_END = re.compile(r"[다요까][.!?。]?[\"'”’」』)\]]*$")


def lead_head(title: str, lead: str) -> tuple[list[str], list[str]]:
    """The head of an article (its title, its sub-headlines and its first two sentences)
    and the rest of the lead's sentences."""
    sentences = korean.split_sentences(lead)
    subheads = 0
    while subheads < min(MAX_SUBHEADS, len(sentences) - 1) and not _SENTENCE_END.search(
        sentences[subheads]
    ):
        subheads += 1
    head, rest = [title, *sentences[:subheads]], []
    # The first two sentences are lines that end on a predicate: a page's furniture between
    # the decks and the lead (a photo caption, a byline, "입력 2024.04.29") is not one of them.
    told = 0
    for n, line in enumerate(sentences[subheads:], start=subheads):
        if told == HEAD_SENTENCES:
            rest.extend(sentences[n:])
            break
        if _PREDICATE_END.search(line):
            head.append(line)
            told += 1
        else:
            rest.append(line)
    return head, rest


def find_stages(title: str, lead: str) -> frozenset[str]:
    """Stages a release's title, sub-headlines and first two sentences name (empty when
    none)."""
    return _stages(lead_head(title, lead)[0])


def _stages(first: list[str]) -> frozenset[str]:
    head = " ".join(first)
    return frozenset(name for name, pattern in STAGES.items() if pattern.search(head))


# --- aspect: is the event told as coming or as done ---------------------------------------

# Verbs that say an event takes place (a festival opens, a ceremony is held, an agreement is
# signed), as Sino-Korean nouns with 하다/되다 and as native verbs. A preview and a report
# of one event share every word and figure; what differs is the tense of this predicate:
# 개최한다 / 열린다 / 개최할 예정이다 before, 개최했다 / 열렸다 / 막을 올렸다 / 성료 after.
_EVENT_NOUN = r"(?:개최|개막|폐막|진행|출범|개통|준공|체결|거행)"
# A native verb starts a word: 치를 is "will hold" on its own, not in 최저치를 (a noun + 를).
_WORD_START = r"(?<![가-힣])"
_HELD = re.compile(
    rf"{_EVENT_NOUN}\s?(?:했|됐|되었|하였|돼|되어)"
    rf"|{_WORD_START}(?:열(?:었|렸)|막(?:을|이)?\s?(?:올렸|올랐|내렸)|마쳤|마무리(?:했|됐)|치렀"
    r"|치러졌|펼쳐졌)|성료|성황리에?\s?(?:열|개최|마무리|끝)"
)
_COMING = re.compile(
    rf"{_EVENT_NOUN}\s?(?:한다|된다|합니다|됩니다|할|될|하기로|키로|예정)"
    rf"|{_WORD_START}(?:열린다|열립니다|연다|엽니다|열릴|열\s예정"
    r"|막(?:을|이)?\s?(?:올린다|올립니다|오른다|오릅니다|올릴)"
    r"|펼쳐진다|펼쳐집니다|펼쳐질|치러진다|치러집니다|치른다|치를)"
)
# A clause about a past edition ("지난해 개최됐다") says nothing of this one.
_PAST_EDITION = re.compile(r"지난해|작년|전년|지난\s?\d{4}년|예년")


def find_aspect(title: str, lead: str) -> frozenset[str]:
    """``held`` when the title or first two sentences tell the event as done, ``coming`` when
    only as coming, ``held`` when only the rest of the lead tells it as done, empty when none
    names an event taking place.

    A report may still say what comes next ("사흘간 개최한다"), a preview never says the
    event was held: so ``held`` wins.
    """
    return _aspect(*lead_head(title, lead))


def _aspect(first: list[str], rest: list[str]) -> frozenset[str]:
    head = _clauses(first)
    if any(_HELD.search(clause) for clause in head):
        return frozenset({"held"})
    if any(_COMING.search(clause) for clause in head):
        return frozenset({"coming"})
    # A report may open on the scene ("1일 오후 부산 구남로 광장.") and say what was held
    # only further down; a preview says what is coming in its lead.
    if any(_HELD.search(clause) for clause in _clauses(rest)):
        return frozenset({"held"})
    return frozenset()


def _clauses(sentences: list[str]) -> list[str]:
    """The clauses of ``sentences`` that are not about a past edition."""
    return [
        clause
        for sentence in sentences
        for clause in re.split(r"[,،]|\s(?:며|고|으며)\s", sentence)
        if not _PAST_EDITION.search(clause)
    ]


# --- words -------------------------------------------------------------------------------

_QUOTES = str.maketrans({c: " " for c in "「」『』“”‘’\"'《》〈〉<>[]【】()·•…"})


def content_words(text: str) -> frozenset[str]:
    """Content morphemes of ``text``, lower-cased: spacing, particles and endings drop out.

    ``중소벤처기업부는`` and ``중소 벤처 기업부가`` give the same pieces; agency names are also
    added in their canonical short form so ``중기부`` and ``중소벤처기업부`` count as shared.
    """
    cleaned = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    words = {
        form.lower()
        for form, tag in korean.tagged_forms(cleaned)
        if tag in _CONTENT_TAGS and (len(form) > 1 or tag == "SH")
    }
    return frozenset(words)


# --- the features --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """An article's grouping features; :meth:`to_json` is what the store keeps."""

    words: frozenset[str]
    figures: frozenset[str]
    agencies: frozenset[str]
    stages: frozenset[str]
    series: frozenset[str] = frozenset()  # the title's figures in SERIES_UNITS (2차, 4월)
    aspect: frozenset[str] = frozenset()  # "coming" or "held": the tense of its event verb
    # From an official source (a ministry site, 정책브리핑 or its OpenAPI: stories.source_rank
    # 0): a publisher's own release, not a rewrite of one.
    official: bool = False
    # The defining figures: those of the title, the sub-headlines and the first two sentences
    # (what the article is about), a subset of ``figures``. None for features stored before
    # they were kept: then every figure counts as defining, as it did.
    head_figures: frozenset[str] | None = None

    @property
    def defining(self) -> frozenset[str]:
        """The figures that say which release this is (all of them when unknown)."""
        return self.figures if self.head_figures is None else self.head_figures

    def to_json(self) -> str:
        return json.dumps(
            {
                "w": sorted(self.words),
                "f": sorted(self.figures),
                "a": sorted(self.agencies),
                "s": sorted(self.stages),
                "t": sorted(self.series),
                "v": sorted(self.aspect),
                **({"o": True} if self.official else {}),
                **({} if self.head_figures is None else {"h": sorted(self.head_figures)}),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str) -> StoryFeatures:
        data = json.loads(raw)
        return cls(
            frozenset(data.get("w", ())),
            frozenset(data.get("f", ())),
            frozenset(data.get("a", ())),
            frozenset(data.get("s", ())),
            frozenset(data.get("t", ())),
            frozenset(data.get("v", ())),
            bool(data.get("o", False)),
            None if "h" not in data else frozenset(data["h"]),
        )


def story_features(title: str, text: str, *, official: bool = False) -> StoryFeatures:
    """The features of one article (title + lead); ``official`` when its source is a
    publisher's own release (``stories.source_rank`` 0)."""
    title = title[:TITLE_CHARS]
    lead = text[:LEAD_CHARS]
    head = f"{title}\n{lead}"
    agencies = frozenset(find_agencies(head))
    figures = find_figures(f"{title}\n{lead[:FIGURE_CHARS]}")
    first, rest = lead_head(title, lead)  # split once for the stage and the aspect
    return StoryFeatures(
        words=content_words(head) | agencies,
        figures=figures,
        agencies=agencies,
        stages=_stages(first),
        series=frozenset(f for f in find_figures(title) if figure_unit(f) in SERIES_UNITS),
        aspect=_aspect(first, rest),
        official=official,
        head_figures=figures & defining_figures(" ".join(lead_head(title, lead[:FIGURE_CHARS])[0])),
    )


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest()) % _PRIME


def minhash(words: frozenset[str]) -> tuple[int, ...]:
    """A MinHash signature of BANDS × ROWS values by one-permutation hashing.

    Each word is hashed once; the hash picks one of the BANDS × ROWS bins and the bin keeps
    its smallest value. An empty bin borrows the next filled bin's value, offset by the
    distance (rotation densification), so two sets agree on a bin with a probability close
    to their Jaccard similarity. One hash per word instead of one per word and bin: this
    runs at ingest for every article.
    """
    size = BANDS * ROWS
    bins: list[int | None] = [None] * size
    for word in words:
        h = _word_hash(word)
        slot, value = h % size, h // size
        current = bins[slot]
        if current is None or value < current:
            bins[slot] = value
    if all(b is None for b in bins):
        return (_PRIME,) * size
    out = []
    for i in range(size):
        j, distance = i, 0
        while (found := bins[j]) is None:
            j, distance = (j + 1) % size, distance + 1
        out.append(found * size + distance)
    return tuple(out)


def _key(kind: str, value: str) -> int:
    """A signed 63-bit index key (fits BIGINT on both engines)."""
    digest = hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) >> 1


# Figures too common to find candidates by (they still count in the decision).
_SMALL = 10


def bucket_keys(features: StoryFeatures) -> tuple[int, ...]:
    """Index keys of an article: its LSH bands and its distinctive figures.

    Two rewrites of one release share a band when their word sets are close, or a figure
    such as ``2736만3000명`` when they restate the release's numbers in other words.
    """
    keys: list[int] = []
    if len(features.words) >= 5:
        signature = minhash(features.words)
        for band in range(BANDS):
            rows = signature[band * ROWS : (band + 1) * ROWS]
            keys.append(_key(f"b{band}", ",".join(map(str, rows))))
    for figure in sorted(features.figures):
        unit = figure_unit(figure)
        if unit in DATE_UNITS:
            continue
        try:
            value = float(figure[: len(figure) - len(unit)])
        except ValueError:
            continue
        if value >= _SMALL:
            keys.append(_key("f", figure))
    # A monthly statistic's month with each amount its head leads with (5월 with 3.3%): a
    # rate under _SMALL is too common to be a key alone, not beside its month.
    head = features.defining
    months = sorted(f for f in head if figure_unit(f) == "월")
    amounts = sorted(f for f in head if figure_unit(f) not in SERIES_UNITS | TREND_UNITS)
    keys.extend(_key("m", f"{month}|{amount}") for month in months for amount in amounts)
    return tuple(dict.fromkeys(keys))
