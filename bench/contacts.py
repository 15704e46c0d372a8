"""Contact extraction quality over data/ (seeds, articles, newsdao): precision, recall, misses.

Truth: the phone numbers of each document's contact block, written out by hand beside the
fixtures (tests/data/docs/*.contacts.json). Precision counts every number the extractor
returns; a number is correct only if it is in that document's truth (compared by digits).
The extractor is also timed against a baseline: a bare regex over the whole text.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.documents.contacts import extract_contacts  # noqa: E402
from bot.documents.phones import phone_digits, phones_in  # noqa: E402

DOCS = ROOT / "tests" / "data" / "docs"


def main() -> None:
    true_pos = returned = expected_total = 0
    misses: list[str] = []
    wrong: list[str] = []
    baseline_pos = baseline_returned = 0
    docs = sorted(p for p in DOCS.iterdir() if p.suffix in {".txt", ".md"} and p.stem != "SOURCES")
    texts = {p: p.read_text(encoding="utf-8") for p in docs}
    for path, text in texts.items():
        truth_contacts = json.loads(Path(f"{path}.contacts.json").read_text(encoding="utf-8"))
        truth = {phone_digits(p) for c in truth_contacts for p in phones_in(c["phone"] or "")}
        got = {phone_digits(p) for c in extract_contacts(text) for p in phones_in(c.phone or "")}
        every = {phone_digits(p) for p in phones_in(text)}
        for digits in got:
            if digits not in every:
                wrong.append(f"{path.name}: {digits} is not in the source")
        returned += len(got)
        true_pos += len(got & truth)
        expected_total += len(truth)
        misses += [f"{path.name}: missed {d}" for d in sorted(truth - got)]
        wrong += [f"{path.name}: {d} is not a contact number" for d in sorted(got - truth)]
        baseline_returned += len(every)
        baseline_pos += len(every & truth)
    precision = true_pos / returned if returned else 1.0
    recall = true_pos / expected_total if expected_total else 1.0
    runs = []
    for _ in range(20):
        start = time.perf_counter()
        for text in texts.values():
            extract_contacts(text)
        runs.append(time.perf_counter() - start)
    base_runs = []
    for _ in range(20):
        start = time.perf_counter()
        for text in texts.values():
            phones_in(text)
        base_runs.append(time.perf_counter() - start)
    med, base = statistics.median(runs), statistics.median(base_runs)
    print(f"documents: {len(docs)}  contact numbers expected: {expected_total}")
    print(
        f"extractor  precision {precision:.2f}  recall {recall:.2f}"
        f"  ({true_pos}/{returned} returned)"
    )
    b_prec = baseline_pos / baseline_returned if baseline_returned else 1.0
    print(
        f"baseline (every phone-like number): precision {b_prec:.2f}  recall "
        f"{baseline_pos / expected_total:.2f}"
    )
    print(
        f"time per document: {med / len(docs) * 1e3:.2f} ms median of 20 runs "
        f"(baseline regex {base / len(docs) * 1e3:.3f} ms, ratio {med / base:.0f}x)"
    )
    print("misses:", *(misses or ["none"]), sep="\n  ")
    print("wrong:", *(wrong or ["none"]), sep="\n  ")
    ok = precision == 1.0 and recall >= 0.95
    print("PASS" if ok else "FAIL", "(precision must be 1.00, recall >= 0.95)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
