"""Which chats want a story: rules × story → bool, and an index for many chats at once.

A chat's rules are includes (topics, keywords, agencies, feeds) and excludes (keywords).
A story matches when any include matches and no exclude does; excludes win. An empty rule
set follows nothing.

Keywords match Korean-aware, on the story's morpheme boundaries (mecab-ko), not on raw
substrings: ``반도체`` matches ``반도체를`` and ``시스템반도체``, ``양자`` matches ``양자컴퓨터``
but neither ``입양자`` nor ``양자택일``, and ``AI`` matches ``AI가`` but not ``MAIL``. The
accepted spans are: from a token start to a token end (particles are their own tokens), or a
Hangul keyword that ends a noun token of three or more syllables. Korean compounds are
right-headed (``중소기업`` is a kind of ``기업``; ``양자택일`` is no kind of ``양자``), so a
keyword may be a compound's head, never a prefix cut out of one word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.agencies import find_agencies, followed_agencies, resolve_agency
from bot.korean import MAX_ANALYSIS, Token, tokens
from bot.types import Summary

_HANGUL_ONLY = re.compile(r"[가-힣]+")
_NOUN_TAGS = frozenset({"NNG", "NNP"})
LEAD_CHARS = 600  # how much of the article body keyword rules see, besides title and summary
TITLE_CHARS = 300  # how much of a title is analysed (a real headline is far shorter)
MAX_PART = 2_000  # any other single part (a headline or bullet from a summary)


def normalize_word(word: str) -> str:
    """The form keywords are stored and compared in: NFKC, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", word).lower().split())


@dataclass(frozen=True, slots=True)
class Rules:
    """What one chat follows."""

    topics: frozenset[str] = frozenset()
    keywords: frozenset[str] = frozenset()
    excludes: frozenset[str] = frozenset()
    agencies: frozenset[str] = frozenset()
    feeds: frozenset[int] = frozenset()

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Rules:
        """Build from stored (kind, value) rows; unknown kinds are ignored."""
        sets: dict[str, set[str]] = {k: set() for k in ("topic", "keyword", "exclude", "agency")}
        feeds: set[int] = set()
        for kind, value in pairs:
            if kind == "feed":
                if value.isdigit():
                    feeds.add(int(value))
            elif kind == "agency":  # a former name follows its successors (기재부: 재경부, 예산처)
                sets[kind].update(followed_agencies(value))
            elif kind in sets:
                sets[kind].add(normalize_word(value) if kind in ("keyword", "exclude") else value)
        return cls(
            topics=frozenset(sets["topic"]),
            keywords=frozenset(sets["keyword"]),
            excludes=frozenset(sets["exclude"]),
            agencies=frozenset(sets["agency"]),
            feeds=frozenset(feeds),
        )

    @property
    def follows_anything(self) -> bool:
        return bool(self.topics or self.keywords or self.agencies or self.feeds)


@dataclass(frozen=True, slots=True)
class Boundaries:
    """Where words start and end in a story's text, from its mecab-ko tokens."""

    starts: frozenset[int] = frozenset()
    ends: frozenset[int] = frozenset()
    noun_spans: tuple[tuple[int, int], ...] = ()  # noun tokens of ≥ 3 syllables (start, end)


@dataclass(frozen=True, slots=True)
class StoryFacts:
    """What rules are checked against, computed once per story.

    The word boundaries (the tagger, the costly part) are computed on the first keyword check
    that finds the keyword in the text: a story no keyword rule could match is never tagged.
    The check runs where the facts are used, so callers keep it off the event loop as before.
    """

    story_id: int
    topics: frozenset[str]
    agencies: frozenset[str]
    feeds: frozenset[int]
    text: str  # normalized (see normalize_word), what keyword rules search
    _boundaries: list[Boundaries] = field(default_factory=list, repr=False, compare=False)

    @property
    def boundaries(self) -> Boundaries:
        if not self._boundaries:
            self._boundaries.append(_boundaries(self.text))
        return self._boundaries[0]

    @property
    def starts(self) -> frozenset[int]:
        return self.boundaries.starts

    @property
    def ends(self) -> frozenset[int]:
        return self.boundaries.ends

    @property
    def noun_spans(self) -> tuple[tuple[int, int], ...]:
        return self.boundaries.noun_spans

    def has_word(self, keyword: str) -> bool:
        """Whether ``keyword`` (normalized) occurs on word boundaries (see module docstring)."""
        if not keyword:
            return False
        hangul = _HANGUL_ONLY.fullmatch(keyword) is not None and len(keyword) >= 2
        text = self.text
        at = text.find(keyword)
        while at != -1:
            end = at + len(keyword)
            bounds = self.boundaries
            if at in bounds.starts and end in bounds.ends:
                return True
            if hangul:
                for s, e in bounds.noun_spans:
                    if s <= at and end == e:
                        return True
            at = text.find(keyword, at + 1)
        return False


# What may follow a keyword inside one written word: particles, endings, suffixes, 이다.
_TRAILING_TAGS = ("J", "E", "XS", "VCP")


def _joins(token: Token) -> bool:
    """Whether ``token`` is a whole word part next to which another word may start or end.

    Inside one written word, a neighbour of two or more syllables (시스템|반도체, 양자|컴퓨터),
    Latin, a number or a mark is a real word boundary; a lone syllable is usually the tagger
    cutting an unknown word (입|양자 for 입양자), so no keyword begins or ends against it.
    """
    head = token.tags[0]
    if head in ("SL", "SN", "SH") or head.startswith("S"):
        return True
    return head.startswith(("NN", "NP", "NR")) and token.end - token.start >= 2


def story_facts(
    story_id: int,
    title: str,
    summary: Summary | None,
    feed_ids: Iterable[int] = (),
    lead: str = "",
) -> StoryFacts:
    """Facts of a story from its title, summary and the first part of its text.

    Cheap: the tagger runs later, only if a keyword is found (:attr:`StoryFacts.boundaries`);
    callers on the event loop still match in a worker thread. Each part is capped, so a
    hostile megabyte title costs what a normal one does.
    """
    parts = [title[:TITLE_CHARS]]
    topics: set[str] = set()
    agencies: set[str] = set()
    if summary is not None:
        parts += [summary.headline, *summary.bullets]
        topics.update(summary.topics)
        for name in summary.agencies:
            agencies.add(resolve_agency(name) or name)
    parts.append(lead[:LEAD_CHARS])
    parts = [p[:MAX_PART] for p in parts]
    text = "\n".join(normalize_word(p) for p in parts if p)
    agencies.update(find_agencies(title))
    return StoryFacts(
        story_id=story_id,
        topics=frozenset(topics),
        agencies=frozenset(agencies),
        feeds=frozenset(feed_ids),
        text=text,
    )


def _boundaries(text: str) -> Boundaries:
    """Token starts and ends where a keyword may begin or end, and the longer noun tokens."""
    starts: set[int] = set()
    ends: set[int] = set()
    nouns: list[tuple[int, int]] = []
    toks = tokens(text, limit=MAX_ANALYSIS)
    for i, token in enumerate(toks):
        before = toks[i - 1] if i and toks[i - 1].end == token.start else None
        after = toks[i + 1] if i + 1 < len(toks) and toks[i + 1].start == token.end else None
        if before is None or _joins(before):
            starts.add(token.start)
        if after is None or _joins(after) or after.tags[0].startswith(_TRAILING_TAGS):
            ends.add(token.end)
        if token.tags[-1] in _NOUN_TAGS and token.end - token.start >= 3:
            nouns.append((token.start, token.end))
    return Boundaries(frozenset(starts), frozenset(ends), tuple(nouns))


def matches(rules: Rules, story: StoryFacts) -> bool:
    """Whether a chat with ``rules`` wants ``story``; excludes win over includes."""
    included = (
        not rules.topics.isdisjoint(story.topics)
        or not rules.agencies.isdisjoint(story.agencies)
        or not rules.feeds.isdisjoint(story.feeds)
        or any(story.has_word(k) for k in rules.keywords)
    )
    return included and not any(story.has_word(k) for k in rules.excludes)


class Matcher:
    """An inverted index of many chats' rules: a story is checked once per distinct rule.

    ``chats_for`` costs O(distinct keywords + matching chats), not O(chats).
    """

    def __init__(self, chats: Mapping[int, Rules]) -> None:
        self.topics: dict[str, set[int]] = {}
        self.agencies: dict[str, set[int]] = {}
        self.feeds: dict[int, set[int]] = {}
        self.keywords: dict[str, set[int]] = {}
        self.excludes: dict[str, set[int]] = {}
        for chat, rules in chats.items():
            for index, values in (
                (self.topics, rules.topics),
                (self.agencies, rules.agencies),
                (self.keywords, rules.keywords),
                (self.excludes, rules.excludes),
            ):
                for value in values:
                    index.setdefault(value, set()).add(chat)
            for feed in rules.feeds:
                self.feeds.setdefault(feed, set()).add(chat)

    def chats_for(self, story: StoryFacts) -> set[int]:
        found: set[int] = set()
        for topic in story.topics:
            found |= self.topics.get(topic, set())
        for agency in story.agencies:
            found |= self.agencies.get(agency, set())
        for feed in story.feeds:
            found |= self.feeds.get(feed, set())
        for keyword, chats in self.keywords.items():
            if not chats <= found and story.has_word(keyword):
                found |= chats
        if found:
            for keyword, chats in self.excludes.items():
                if not chats.isdisjoint(found) and story.has_word(keyword):
                    found -= chats
        return found
