"""Grounding false alarms on real text: every sentence of every document in tests/data/docs
is checked as if an LLM had written it, against its own document. A sentence copied from the
source must pass, so every address or name flagged here is a false alarm of the rule.

    .venv/bin/python bench/grounding.py
"""

from __future__ import annotations

import time
from pathlib import Path

from bot.documents.contacts import extract_contacts
from bot.documents.phones import phones_in
from bot.korean import split_sentences
from bot.summarize.grounding import SourceFacts, addresses, people_in, ungrounded

DOCS = Path(__file__).resolve().parent.parent / "tests" / "data" / "docs"


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


if __name__ == "__main__":
    main()
