"""Which chats want a story: rules × story → bool, and an index for many chats at once.

A chat's rules are includes (topics, keywords, agencies, feeds) and excludes (keywords).
A story matches when any include matches and no exclude does; excludes win. An empty rule
set follows nothing.

Keywords match Korean-aware, on the story's morpheme boundaries (Kiwi), not on raw
substrings: ``반도체`` matches ``반도체를`` and ``시스템반도체``, ``양자`` matches ``양자컴퓨터``
but not ``입양자``, and ``AI`` matches ``AI가`` but not ``MAIL``. The accepted spans are:
from a token start to a token end (particles are their own tokens), or a Hangul keyword at
the start or the end of one noun token (compound nouns such as ``규제자유특구``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.agencies import find_agencies, resolve_agency
from bot.korean import kiwi
from bot.summarize.model import Summary

_HANGUL_ONLY = re.compile(r"[가-힣]+")
_NOUN_TAGS = frozenset({"NNG", "NNP"})
LEAD_CHARS = 600  # how much of the article body keyword rules see, besides title and summary


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
class StoryFacts:
    """What rules are checked against, computed once per story."""

    story_id: int
    topics: frozenset[str]
    agencies: frozenset[str]
    feeds: frozenset[int]
    text: str  # normalized (see normalize_word), what keyword rules search
    starts: frozenset[int] = field(default=frozenset())
    ends: frozenset[int] = field(default=frozenset())
    noun_spans: tuple[tuple[int, int], ...] = ()  # Hangul noun tokens (start, end)

    def has_word(self, keyword: str) -> bool:
        """Whether ``keyword`` (normalized) occurs on word boundaries (see module docstring)."""
        if not keyword:
            return False
        hangul = _HANGUL_ONLY.fullmatch(keyword) is not None and len(keyword) >= 2
        text = self.text
        at = text.find(keyword)
        while at != -1:
            end = at + len(keyword)
            if at in self.starts and end in self.ends:
                return True
            if hangul:
                for s, e in self.noun_spans:
                    if s <= at and end <= e and (s == at or e == end):
                        return True
            at = text.find(keyword, at + 1)
        return False


def story_facts(
    story_id: int,
    title: str,
    summary: Summary | None,
    feed_ids: Iterable[int] = (),
    lead: str = "",
) -> StoryFacts:
    """Facts of a story from its title, summary and the first part of its text (uses Kiwi)."""
    parts = [title]
    topics: set[str] = set()
    agencies: set[str] = set()
    if summary is not None:
        parts += [summary.headline, *summary.bullets]
        topics.update(summary.topics)
        for name in summary.agencies:
            agencies.add(resolve_agency(name) or name)
    parts.append(lead[:LEAD_CHARS])
    text = "\n".join(normalize_word(p) for p in parts if p)
    agencies.update(find_agencies(title))
    starts: set[int] = set()
    ends: set[int] = set()
    nouns: list[tuple[int, int]] = []
    for token in kiwi().tokenize(text):
        starts.add(token.start)
        ends.add(token.start + token.len)
        if token.tag in _NOUN_TAGS and token.len >= 3:
            nouns.append((token.start, token.start + token.len))
    return StoryFacts(
        story_id=story_id,
        topics=frozenset(topics),
        agencies=frozenset(agencies),
        feeds=frozenset(feed_ids),
        text=text,
        starts=frozenset(starts),
        ends=frozenset(ends),
        noun_spans=tuple(nouns),
    )


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
