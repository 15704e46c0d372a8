"""Near-duplicate choice with less work gives the same match: candidates that cannot win are
not scored further, against the way it was done before (every candidate scored in order)."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

import bot.stories as stories_module
from bot.clock import FixedClock
from bot.stories import (
    NEAR_WINDOW,
    NearCandidate,
    NearMatch,
    apart_because,
    choose_near,
    kept_apart,
    near_match,
    near_score,
)
from bot.story_features import StoryFeatures, story_features

DOCS = Path(__file__).resolve().parent / "data" / "docs"


def _releases() -> list[list[str]]:
    """Each stored release's prose lines (some Hangul, 15+ characters)."""
    out = []
    for path in sorted(DOCS.iterdir()):
        if path.suffix not in {".txt", ".md"} or path.stem == "SOURCES":
            continue
        text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")).split("## 본문", 1)[-1]
        lines = [ln.strip().lstrip("#>*- ").strip() for ln in text.splitlines()]
        lines = [ln for ln in lines if len(ln) >= 15 and re.search(r"[가-힣]{2}", ln)]
        if len(lines) >= 4:
            out.append(lines)
    return out


def _items(count: int, seed: int) -> list[tuple[str, str]]:
    """(title, body) rewrites: each a release's lines, a fifth of them dropped (so most
    items have near duplicates among the others, some only far ones)."""
    rng = random.Random(seed)
    releases = _releases()
    out = []
    for n in range(count):
        lines = rng.choice(releases)
        kept = [ln for ln in lines if rng.random() < 0.8] or lines[:4]
        body = "\n".join(kept)[:2500] + f"\n이번 안내는 {n + 1}번째 소식입니다."
        out.append((f"{kept[0][:48]} ({n + 1}호)", body))
    return out


def _reference_choice(
    new: StoryFeatures, when: datetime, candidates: list[NearCandidate], refused: frozenset[int]
) -> NearMatch | None:
    """choose_near as it was: every candidate not refused or kept apart scored in order, the
    best nonzero (ties: the older story, then the first met)."""
    pool = [c for c in candidates if c.story_id not in refused]
    kept_apart = {
        c.story_id
        for c in pool
        if abs(when - c.published_at) <= NEAR_WINDOW and apart_because(new, c.features)
    }
    best: tuple[float, int, NearCandidate] | None = None
    for c in pool:
        if c.story_id in kept_apart:
            continue
        score = near_score(new, when, c)
        if score and (best is None or (score, -c.story_id) > best[:2]):
            best = (score, -c.story_id, c)
    return near_match(new, when, best[2]) if best else None


def test_choose_near_is_the_best_nonzero_score(clock: FixedClock) -> None:
    rng = random.Random(7)
    feats = [
        story_features(t, b, official=n % 3 == 0) for n, (t, b) in enumerate(_items(120, seed=3))
    ]
    chosen = 0
    for trial in range(300):
        new = rng.choice(feats)
        when = clock.now() + timedelta(days=rng.randint(-3, 3))
        pool = [
            NearCandidate(
                article_id=i,
                story_id=rng.randint(1, 12),  # shared stories: ties on score go to the older
                published_at=clock.now() + timedelta(days=rng.randint(-20, 20)),
                features=rng.choice(feats),
            )
            for i in range(rng.randint(0, 40))
        ]
        for twin in rng.sample(pool, k=min(len(pool), 3)):  # equal scores in one story
            pool.insert(rng.randint(0, len(pool)), replace(twin, article_id=100 + len(pool)))
        refused = frozenset(rng.sample(range(1, 13), k=rng.randint(0, 2)))
        got = choose_near(new, when, pool, refused=refused)
        assert got == _reference_choice(new, when, pool, refused), trial
        chosen += got is not None
    assert 20 < chosen < 280  # both outcomes were exercised


def test_equally_similar_articles_of_one_story_the_first_speaks(clock: FixedClock) -> None:
    """Two articles of one story equally similar (0.4) with different size bounds: the one
    that came first is named as the match, as when every candidate was scored in order."""

    def words(*w: str) -> StoryFeatures:
        return StoryFeatures(frozenset(w), frozenset(), frozenset(), frozenset())

    new = words("가", "나", "다", "라")
    wide = words("가", "나", "다", "라", "마", "바", "사", "아", "자", "차")  # 4 / 10, bound 0.4
    narrow = words("가", "나", "카")  # 2 / 5, bound 0.75
    pool = [
        NearCandidate(1, 7, clock.now(), wide),
        NearCandidate(2, 7, clock.now(), narrow),
    ]
    got = choose_near(new, clock.now(), pool)
    assert got is not None and got.article_id == 1 and got.similarity == 0.4
    assert got == _reference_choice(new, clock.now(), pool, frozenset())


def test_stories_the_search_never_reaches_are_not_checked_apart(
    clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm cycle's article has scores of candidates from a few large stories: a story is
    checked for members kept apart only when one of its candidates is about to be scored,
    not every candidate of every story up front."""

    def words(*w: str) -> StoryFeatures:
        return StoryFeatures(frozenset(w), frozenset(), frozenset(), frozenset())

    new = words(*"가나다라마바사아자차")
    twin = NearCandidate(1, 7, clock.now(), words(*"가나다라마바사아자차"))  # bound 1.0
    # bound 0.5, below the twin's similarity of 1.0: never scored, never checked
    others = [NearCandidate(10 + n, 8, clock.now(), words(*"가나다라마")) for n in range(30)]
    asked: list[int] = []
    real = stories_module.kept_apart

    def counting(a: StoryFeatures, b: StoryFeatures) -> bool:
        asked.append(id(b))
        return real(a, b)

    monkeypatch.setattr(stories_module, "kept_apart", counting)
    got = choose_near(new, clock.now(), [*others, twin])
    assert got is not None and got.article_id == 1
    assert {id(c.features) for c in others}.isdisjoint(asked)


def test_kept_apart_is_apart_because_without_the_words() -> None:
    """The cheap-first check choose_near asks of every candidate keeps apart exactly the pairs
    apart_because gives a reason for, over pairs of rewrites of real releases (official or
    not), every kind of reason included."""
    items = _items(90, seed=11)
    feats = [story_features(t, b, official=n % 2 == 0) for n, (t, b) in enumerate(items)]
    reasons = set()
    for a in feats:
        for b in feats:
            reason = apart_because(a, b)
            assert kept_apart(a, b) == (reason is not None), (a, b, reason)
            reasons.add((reason or "none").split(":")[0].split(" in ")[0])
    assert {"none", "figures", "agencies differ", "stage differs", "titles name another 월"} <= (
        reasons
    ), reasons
