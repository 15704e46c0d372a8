"""What a long-running process holds: libraries only when used, the tagger's dictionary and
the C heap given back after a pass, migrations decided without Alembic when there are none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot import heap, korean
from bot.clock import FixedClock
from bot.store import create_engine
from bot.store.migrate import MIGRATIONS, head_revisions, is_current, upgrade
from bot.types import Article


def _modules_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after running ``code``."""
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {name.split(".")[0] for name in out.split()}


def test_heads_read_from_the_files_are_alembics() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revisions() == frozenset(ScriptDirectory.from_config(config).get_heads())


def test_a_current_database_is_not_migrated_through_alembic(engine: Engine) -> None:
    assert is_current(engine)
    url = engine.url.render_as_string(hide_password=False)
    code = (
        "from bot.store import create_engine\n"
        "from bot.store.migrate import upgrade\n"
        f"assert upgrade(create_engine({url!r})) == []"
    )
    assert "alembic" not in _modules_after(code)


def test_an_older_database_is_still_migrated(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    assert not is_current(engine)  # no version table at all
    upgrade(engine, "0001_foundation")
    assert not is_current(engine)
    applied = upgrade(engine)
    assert applied[0].revision == "0002_summaries"
    assert applied[-1].revision in head_revisions()
    assert is_current(engine)
    with engine.connect() as conn:
        stored = {r[0] for r in conn.execute(sa.text("SELECT version_num FROM alembic_version"))}
    assert stored == head_revisions()
    engine.dispose()


def test_the_run_services_do_not_import_unused_libraries() -> None:
    """Full-text extraction (trafilatura, lxml) waits for a page to extract; migrations
    (Alembic, Mako, Pygments) for a database that needs one."""
    loaded = _modules_after(
        "import bot.app, bot.feeds.poll, bot.fulltext.enrich, bot.pipeline, bot.outbox, "
        "bot.schedule, bot.web.server, bot.web.listen"
    )
    assert not loaded & {"trafilatura", "lxml", "alembic", "mako", "pygments", "courlan"}


def test_a_page_still_gets_its_main_text() -> None:
    from bot.fulltext.page import main_text

    paragraph = "과학기술정보통신부는 반도체 연구개발 지원 사업을 공고했다. " * 8
    html = (
        f"<html><body><nav>홈 > 보도자료</nav><article><p>{paragraph}</p></article></body></html>"
    )
    assert "반도체 연구개발" in main_text(html)


def _dictionary_mapped() -> bool:
    maps = Path("/proc/self/maps").read_text(encoding="utf-8")
    return "sys.dic" in maps


def test_release_unmaps_the_dictionary_and_tagging_goes_on() -> None:
    text = "과기정통부는 딥테크를 지원한다. 양자 특구를 지정했다."
    before = korean.tokens(text)
    assert _dictionary_mapped()
    korean.release()
    assert not _dictionary_mapped()
    assert korean.tokens(text) == before
    assert korean.tagged_forms(text) == [(t.form, t.tags[0]) for t in before]
    assert _dictionary_mapped()


def test_trim_hands_the_free_heap_back() -> None:
    assert heap.trim()  # glibc: the test machines and the images sokbo ships in


_THREADS_ALLOCATE = """
import ctypes, sys, threading
from bot import heap
if sys.argv[1] == "one":
    assert heap.one_arena()
all_up = threading.Barrier(4)
def work():
    all_up.wait()  # alive together: an exited thread's arena would go to the next one
    kept = [bytes(1000 + i % 7) for i in range(5000)]  # above pymalloc's 512: glibc's
    all_up.wait()
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
ctypes.CDLL(None).malloc_stats()
"""


@pytest.mark.parametrize("mode", ["one", "default"])
def test_threads_share_one_arena(mode: str) -> None:
    """With one_arena, four allocating threads leave one glibc arena, not one each (whose
    freed memory the other threads could not reuse)."""
    done = subprocess.run(
        [sys.executable, "-c", _THREADS_ALLOCATE, mode],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"},
    )
    arenas = done.stderr.count("Arena ")
    assert arenas == 1 if mode == "one" else arenas > 1


async def test_a_cycle_lets_each_feeds_articles_go_once_stored(
    engine: Engine, clock: FixedClock
) -> None:
    """Without keep_items the report keeps the counts, not the bodies; on_feed still hears
    every article, and the store has them all."""
    from bot.config import FeedSource
    from bot.feeds.fetch import Fetcher
    from bot.feeds.poll import poll_cycle
    from bot.store import feeds as feed_store
    from tests.feed_server import FeedServer, rss
    from tests.test_ingest import GOOD, settings_for

    heard: list[Article] = []
    with FeedServer() as server:
        two = rss([{"title": "둘째 피드 글", "guid": "b-1", "description": "내용"}])
        sources = [
            FeedSource(name="a", url=server.add("/a", rss(GOOD))),
            FeedSource(name="b", url=server.add("/b", two)),
        ]
        settings = settings_for(sources)
        feed_store.sync_sources(engine, sources, clock.now())
        async with Fetcher(settings) as fetcher:
            report = await poll_cycle(
                engine,
                fetcher,
                settings,
                clock,
                on_feed=lambda _outcome, new, _edited: heard.extend(new),
                keep_items=False,
            )
    assert report.new == () and report.edited == ()
    assert report.new_count == 3 and len(report.outcomes) == 2
    assert sorted(a.guid for a in heard) == ["b-1", "molit-1", "mss-1"]
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM articles")).scalar_one()
    assert stored == 3


def test_a_release_right_after_a_load_does_not_hand_out_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another thread's release() lands just as a load leaves the lock (the worst moment):
    the loading call still gets its tagger."""
    import threading

    class ReleasedOnExit:
        """The module's lock, with a release() by "another thread" once the load is done."""

        def __init__(self) -> None:
            self.lock = threading.Lock()
            self.fired = False

        def __enter__(self) -> None:
            self.lock.acquire()

        def __exit__(self, *exc: object) -> None:
            self.lock.release()
            if not self.fired:
                self.fired = True
                korean.release()

    korean.release()
    monkeypatch.setattr(korean, "_lock", ReleasedOnExit())
    assert [t.form for t in korean.tokens("딥테크를 지원한다")][:2] == ["딥", "테크"]
