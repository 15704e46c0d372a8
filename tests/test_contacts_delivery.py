"""A release with 13 contacts reaches Telegram and Slack as issue 11 asks (end to end).

The release is real (articles 15, 경찰청, 13 people across 서울청, 경기남부청 …) and arrives
as korea.kr delivers it: the feed item's HTML with ``<h3>담당 부서</h3>`` and adjacent
``<li>`` rows (tests/data/press/feed). Telegram: the bot (python-telegram-bot against the
emulator) shows the responsible person and the first 담당자, then ``외 11명``, and a
"문의처 전체" button whose callback answers with everyone. Slack (the local Web API): the
same two in the alert's context, and the whole list in a context block.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

from bot.documents.contacts import extract_contacts
from bot.feeds.parse import parse_feed
from bot.pipeline import process_pending
from bot.store.articles import upsert_articles
from bot.store.deliveries import state_counts
from bot.summarize import build_summarizer
from tests.feed_server import rss
from tests.telegram_emulator import emulator, emulator_process
from tests.test_document import NOW, feed
from tests.test_slack_e2e import World as SlackWorld
from tests.test_slack_e2e import world as slack_world
from tests.test_telegram_e2e import FEED_NAME, World, buttons, private, world

__all__ = ["emulator", "emulator_process", "slack_world", "world"]

DATA = Path(__file__).resolve().parent / "data"
FEED_ITEM = DATA / "press" / "feed" / "articles__15_gt_경찰청_156754183.html"
TRUTH = DATA / "docs" / "articles__15_gt_경찰청_156754183.txt.contacts.json"
TITLE = "경찰청, 봄 행락철 버스전용차로 위반 · 대형버스 법규 위반 집중단속 실시"
URL = "https://www.korea.kr/briefing/pressReleaseView.do?newsId=156754183"


def people() -> list[dict[str, str]]:
    return list(json.loads(TRUTH.read_text(encoding="utf-8")))


async def publish_release(w: World) -> None:
    w.items.insert(
        0,
        {
            "title": html.escape(TITLE),
            "link": URL,
            "guid": "156754183",
            "pubDate": format_datetime(w.clock.now() - timedelta(minutes=20)),
            "content": FEED_ITEM.read_text(encoding="utf-8"),
        },
    )
    w.feeds.add("/rss", rss(w.items, title=FEED_NAME))
    report = await w.app.poll_once()
    assert report.failed == () and len(report.new) == 1
    await w.app.after_poll(report)


async def test_telegram_alert_shows_two_then_the_button_shows_everyone(world: World) -> None:
    w = world
    user = private(701)
    answer = await w.ask(user, 701, "/subscribe 버스전용차로")
    assert "버스전용차로" in answer["text"]
    await publish_release(w)
    await w.drain()
    [alert] = [m for m in w.emu.bot_messages(701) if "문의처" in m["text"]]
    text = alert["text"]
    everyone = people()
    assert len(everyone) == 13
    # the responsible person and the first 담당자, then how many more
    assert "유동배" in text and "02-3150-2052" in text
    assert "정승희" in text and "02-3150-2154" in text
    assert "외 11명" in text
    assert "최승봉" not in text
    [button] = buttons(alert)
    assert button["text"] == "문의처 전체"

    before = len(w.emu.bot_messages(701))
    toast = await w.press(user, 701, alert, button["callback_data"])
    assert toast in ("", "None")
    replies = await w.emu.arrived(701, before + 1)
    full = "\n".join(m["text"] for m in replies[before:])
    assert "문의처 전체 (13명)" in full
    for person in everyone:  # every name and every number, as written
        assert person["name"] in full
        for phone in re.split(r",\s*", person["phone"] or ""):
            assert phone in full
    assert state_counts(w.engine) == {"sent": 1}


async def test_telegram_forged_contact_buttons_are_refused(world: World) -> None:
    w = world
    user = private(702)
    answer = await w.ask(user, 702, "/subscribe 버스전용차로")
    for data in ("c:999999", "c:abc", "c:-1", "c:"):
        toast = await w.press(user, 702, answer, data)
        assert "찾을 수 없어요" in toast
    assert not [m for m in w.emu.bot_messages(702) if "문의처 전체" in m["text"]]


async def test_slack_alert_has_two_in_context_and_everyone_in_a_context_block(
    slack_world: SlackWorld,
) -> None:
    w = slack_world
    await w.ask("subscribe 버스전용차로")
    [article] = parse_feed(
        feed(TITLE, FEED_ITEM.read_text(encoding="utf-8")),
        feed_id=w.feed_id,
        base_url="https://www.korea.kr",
        now=NOW,
    ).articles
    article = dataclasses.replace(
        article,
        published_at=w.clock.now() - timedelta(minutes=20),
        contacts=tuple(extract_contacts(article.text)),  # what ingest stores
    )
    upsert_articles(w.engine, [article], w.clock.now())
    await process_pending(
        w.engine, summarizer=build_summarizer(w.settings, w.engine, w.clock), clock=w.clock
    )
    await w.drain()
    [alert] = w.api.posts_to("C100")[1:]
    contexts = [b for b in alert.blocks if b["type"] == "context"]
    assert len(contexts) == 2
    first = json.dumps(contexts[0], ensure_ascii=False)
    assert "유동배" in first and "정승희" in first and "외 11명" in first
    assert "최승봉" not in first
    full = json.dumps(contexts[1], ensure_ascii=False)
    assert "문의처 전체 (13명)" in full
    for person in people():
        assert person["name"] in full
        for phone in re.split(r",\s*", person["phone"] or ""):
            assert phone in full
    assert all(len(e["text"]) <= 3000 for e in contexts[1]["elements"])
    assert state_counts(w.engine) == {"sent": 1}
