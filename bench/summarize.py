"""1,000 stories through the LLM path (local server answering at once) and the extractive path.

Stories are built from the data/ texts, varied (a numbered paragraph is added) so each has
its own content hash. Prints stories/s, LLM calls per story (new, then a re-run over the same
stories: the cache must make it 0.00), input tokens per call (median, p95) as reported by the
server (≈ characters / 2) and peak RSS. The baseline is the extractive path in the same run.
The machine is shared by several engineers: figures are noisy.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import FixedClock  # noqa: E402
from bot.config import LLMSettings  # noqa: E402
from bot.documents.source import read_document  # noqa: E402
from bot.store import create_engine  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.summarize.base import Document  # noqa: E402
from bot.summarize.extractive import ExtractiveSummarizer  # noqa: E402
from bot.summarize.llm import LLMSummarizer  # noqa: E402
from bot.summarize.prompts import load_prompt  # noqa: E402
from bot.topics import DEFAULT_TAXONOMY  # noqa: E402
from tests.llm_server import LLMServer, Reply  # noqa: E402

N = 1000
DOCS = ROOT / "tests" / "data" / "docs"


def stories() -> list[Document]:
    bases = [
        read_document(p.read_text(encoding="utf-8"))
        for p in sorted(DOCS.iterdir())
        if p.suffix in {".txt", ".md"} and p.stem != "SOURCES"
    ]
    out = []
    for i in range(N):
        base = bases[i % len(bases)]
        text = f"{base.text}\n\n이번 조치는 {i + 1}번째 후속 안내이다."
        doc = read_document(text)
        out.append(
            Document(
                title=base.title or doc.title,
                text=doc.text,
                url=base.url,
                content_hash=doc.content_hash,
                story_id=i + 1,
            )
        )
    return out


def answer(request: dict[str, Any]) -> Reply:
    """A digest built from the prompt's own first lines (grounded, so nothing is dropped)."""
    prompt = request["messages"][0]["content"]
    article = prompt.split("<<<기사>>>", 1)[-1]
    lines = [ln.strip() for ln in article.splitlines() if len(ln.strip()) > 25][:3]
    digest = {
        "headline": "정부 발표",
        "bullets": [ln[:100] for ln in lines] or ["발표가 있었다."],
        "topics": ["기타"],
        "agencies": [],
        "regions": [],
        "key_dates": [],
        "amounts": [],
        "contacts": [],
    }
    return Reply(content=json.dumps(digest, ensure_ascii=False))


async def run_llm(docs: list[Document], llm: LLMSummarizer) -> float:
    start = time.perf_counter()
    for doc in docs:
        await llm.summarize(doc)
    return time.perf_counter() - start


def main() -> None:
    docs = stories()
    extractive = ExtractiveSummarizer()
    extractive.summarize_now(docs[0])  # tagger start-up (~0.1 s) is not part of the rate
    start = time.perf_counter()
    for doc in docs:
        extractive.summarize_now(doc)
    ext_s = time.perf_counter() - start

    server = LLMServer(default=answer).start()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        settings = LLMSettings(
            base_url=server.base_url,
            model="bench-model",
            requests_per_minute=100_000,
            daily_token_budget=10**10,
        )
        llm = LLMSummarizer(
            settings,
            api_key="sk-bench",
            engine=engine,
            clock=FixedClock(),
            taxonomy=DEFAULT_TAXONOMY,
            prompt=load_prompt("digest.txt"),
            extractive=extractive,
        )

        async def both() -> tuple[float, int, float, int]:
            first = await run_llm(docs, llm)
            calls_first = llm.calls
            again = await run_llm(docs, llm)
            await llm.close()
            return first, calls_first, again, llm.calls - calls_first

        first_s, calls_first, again_s, calls_again = asyncio.run(both())
        engine.dispose()
    server.stop()
    tokens = sorted(llm.input_tokens)
    p95 = tokens[int(0.95 * (len(tokens) - 1))] if tokens else 0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"stories: {N} (from the {len(list(DOCS.glob('*.json')))} data/ documents, varied)")
    print(f"extractive (baseline): {N / ext_s:8.1f} stories/s")
    print(
        f"LLM, new stories:      {N / first_s:8.1f} stories/s  "
        f"ratio to extractive {ext_s / first_s:.2f}  calls/story {calls_first / N:.2f}"
    )
    print(
        f"LLM, re-run (cached):  {N / again_s:8.1f} stories/s  "
        f"ratio to extractive {ext_s / again_s:.2f}  calls/story {calls_again / N:.2f}"
    )
    print(
        f"input tokens per call: median {statistics.median(tokens) if tokens else 0:.0f}, "
        f"p95 {p95} (server estimate, ~2 chars/token)"
    )
    print(f"peak RSS: {rss_mb:.0f} MB (includes the mecab-ko dictionary)")
    print("note: shared 2-core machine; figures are noisy")


if __name__ == "__main__":
    main()
