"""Measured search quality: recall@10 and MRR over tests/data/search_queries.json, per engine."""

from __future__ import annotations

import json

from sqlalchemy.engine import Engine

from bot.search import index_pending
from tests.search_corpus import QUERIES, evaluate, load_corpus


def test_query_set_is_large_enough_and_names_real_documents() -> None:
    cases = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    assert len(cases) >= 40
    assert any(c["query"].endswith(("를", "을", "의", "에서", "와")) for c in cases)
    assert {"양자", "특구", "창업"} <= {c["query"] for c in cases}
    assert all(c["relevant"] for c in cases)


def test_recall_at_10_and_mrr(engine: Engine) -> None:
    ids = load_corpus(engine)
    assert index_pending(engine) == len(ids)
    quality = evaluate(engine, ids)
    print(
        f"\n{engine.dialect.name}: recall@10 = {quality.recall_at_10:.3f}, "
        f"MRR = {quality.mrr:.3f} over {quality.queries} queries; misses: {quality.misses}"
    )
    assert quality.recall_at_10 >= 0.95, quality.misses
    assert quality.mrr >= 0.8
