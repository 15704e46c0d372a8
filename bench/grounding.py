"""Grounding false alarms on real text: every sentence of every document in tests/data/docs
is checked as if an LLM had written it, against its own document. A sentence copied from the
source must pass, so every address or name flagged here is a false alarm of the rule.

Then the claim-support check (issue 21): digest bullets written about real releases
(tests/data/claims/claims.json) — paraphrases that must pass (false drops) and invented
claims that must be dropped (catches) — on the dev rows and on the held-out ones.

    .venv/bin/python bench/grounding.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bot.documents.contacts import extract_contacts
from bot.documents.phones import phones_in
from bot.korean import split_sentences
from bot.summarize.grounding import SourceFacts, addresses, people_in, ungrounded, unsupported

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DOCS = DATA / "docs"
CLAIMS = DATA / "claims" / "claims.json"


def claim_rates(*, show: bool = True) -> dict[tuple[str, str], tuple[int, int]]:
    """(split, kind) → (dropped, total) for the claims set; prints every wrong decision."""
    rows = json.loads(CLAIMS.read_text(encoding="utf-8"))["rows"]
    facts: dict[str, SourceFacts] = {}
    counts: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        if row["doc"] not in facts:
            text = (DOCS / row["doc"]).read_text(encoding="utf-8")
            facts[row["doc"]] = SourceFacts.of(text, extract_contacts(text))
        source = facts[row["doc"]]
        why = ", ".join(ungrounded(row["text"], source)) or unsupported(
            row["text"], source.passages
        )
        key = (row["split"], row["kind"])
        dropped, total = counts.setdefault(key, [0, 0])
        counts[key] = [dropped + bool(why), total + 1]
        wrong = bool(why) != (row["kind"] == "invented")
        if show and wrong:
            print(f"  wrong ({row['split']}, {row['kind']}): {row['text']} -> {why or 'kept'}")
    return {k: (v[0], v[1]) for k, v in counts.items()}


def main() -> None:
    sentences = flagged = with_address = with_person = 0
    alarms: list[tuple[str, list[str], str]] = []
    began = time.perf_counter()
    documents = sorted(p for p in DOCS.glob("*.txt"))
    for path in documents:
        text = path.read_text(encoding="utf-8")
        facts = SourceFacts.of(text, extract_contacts(text))
        for sentence in split_sentences(text):
            sentences += 1
            with_address += bool(addresses(sentence))
            with_person += bool(people_in(sentence))
            # numbers outside a contact block are refused on purpose (injected phones)
            bad = [b for b in ungrounded(sentence, facts) if not phones_in(b)]
            if bad:
                flagged += 1
                alarms.append((path.name[:40], bad, sentence[:90]))
    elapsed = time.perf_counter() - began
    print(f"documents: {len(documents)}, sentences: {sentences}")
    print(f"sentences with an address: {with_address}, with a name next to a role: {with_person}")
    print(f"false alarms (address/name/figure refused in a sentence of its own source): {flagged}")
    for name, bad, sentence in alarms[:20]:
        print(f"  {name}: {bad} | {sentence}")
    print(f"time: {elapsed * 1000 / max(1, sentences):.2f} ms per sentence (facts included)")
    print("claim support (tests/data/claims/claims.json):")
    began = time.perf_counter()
    rates = claim_rates()
    elapsed = time.perf_counter() - began
    for split in ("dev", "held"):
        dropped, total = rates.get((split, "good"), (0, 0))
        caught, invented = rates.get((split, "invented"), (0, 0))
        print(
            f"  {split:4}: false drops {dropped}/{total} ({dropped / max(1, total):.1%}),"
            f" catches {caught}/{invented} ({caught / max(1, invented):.1%})"
        )
    bullets = sum(total for _, total in rates.values())
    print(f"  time: {elapsed * 1000 / max(1, bullets):.1f} ms per bullet (passages included)")


if __name__ == "__main__":
    main()
