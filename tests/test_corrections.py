"""Corrections replace (issue 21 item 4), end to end through the real Telegram path.

A release already alerted is re-published under the same identity: first with a new phone and
budget (an edit: the story, its digest and the web page show only the new text and contacts,
and nobody is alerted again), then with 정정 in its title (one short 정정 notice to each chat
that had the alert, through the outbox and python-telegram-bot to the emulator). Once for an
RSS feed (corrections apply to any feed), once for the 정책브리핑 OpenAPI (ContentsStatus U,
a higher ModifyId). The rule telling a correction from an edit: tests/test_corrections_rule.py.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa

from bot.app import App
from bot.clock import KST
from bot.config import FeedSource
from bot.store.deliveries import state_counts
from bot.store.schema import articles
from bot.web import queries
from tests.feed_server import rss
from tests.openapi_server import KEY, OpenApiServer, release_from_doc
from tests.telegram_emulator import Emulator, emulator, emulator_process
from tests.test_telegram_e2e import (
    CHIPS,
    DOCS,
    FEED_NAME,
    World,
    _world,
    alerts_about,
    private,
)

__all__ = ["emulator", "emulator_process"]

OLD_PHONE, NEW_PHONE = "044-202-4745", "044-202-4799"


@pytest.fixture
async def world(db_url: str, emulator: Emulator) -> AsyncIterator[World]:
    async for w in _world(db_url, emulator):
        yield w


async def repoll(w: World) -> Any:
    """The feed as it stands now, polled once, and the pipeline after it."""
    w.feeds.add("/rss", rss(w.items, title=FEED_NAME))
    w.clock.advance(300)
    report = await w.app.poll_once()
    assert report.failed == ()
    await w.app.after_poll(report)
    await w.drain()
    return report


def story_phones(w: World, guid: str) -> set[str | None]:
    with w.engine.connect() as conn:
        story_id = conn.scalar(sa.select(articles.c.story_id).where(articles.c.guid == guid))
    view = queries.story(w.engine, int(story_id))
    assert view is not None
    return {c.phone for c in view.contacts} | {c.phone for c in view.summary.contacts}


async def test_an_edit_replaces_quietly_and_a_correction_sends_one_notice(world: World) -> None:
    w = world
    user = private(601)
    await w.ask(user, 601, "/subscribe 반도체")
    await w.publish(CHIPS)
    await w.drain()
    [alert] = alerts_about(w.emu, 601, "원문 보기")
    assert OLD_PHONE in alert["text"]
    sent = len(w.emu.bot_messages(601))
    guid = w.items[0]["guid"]

    # the same item again, with a new phone and a new budget: an edit
    item = w.items[0]
    item["content"] = item["content"].replace(OLD_PHONE, NEW_PHONE).replace("300억", "350억")
    report = await repoll(w)
    assert [a.guid for a in report.edited] == [guid]
    assert len(w.emu.bot_messages(601)) == sent  # no second alert
    phones = story_phones(w, guid)
    assert NEW_PHONE in phones and OLD_PHONE not in phones  # the page does not list both

    # now titled 정정: one short notice to the chat that had the alert
    item["title"] = html.escape("[정정] " + html.unescape(item["title"]))
    item["content"] = item["content"].replace("350억", "360억")
    await repoll(w)
    after = w.emu.bot_messages(601)
    assert len(after) == sent + 1
    notice = after[-1]["text"]
    assert notice.startswith("정정 알림: [정정] 딥테크") and "원문 보기" not in notice
    assert len(notice) < 300  # short: not a second digest

    # nothing changes: nothing more is sent
    await repoll(w)
    assert len(w.emu.bot_messages(601)) == sent + 1
    assert state_counts(w.engine) == {"sent": 2}


async def test_an_openapi_revision_updates_without_a_second_alert(
    world: World, emulator: Emulator
) -> None:
    """ContentsStatus U with a higher ModifyId: the same release, its story updated, no
    second alert; a later revision titled 수정 sends the one notice."""
    w = world
    with OpenApiServer() as api:
        release = release_from_doc(next(DOCS.glob("articles__10_gt_*.txt")))
        today = w.clock.now().astimezone(KST).strftime("%m/%d/%Y %H:%M:%S")
        release.update(ApproveDate=today, ModifyDate=today)
        api.releases = [release]
        base = w.app.settings
        secrets = base.secrets.model_copy(update={"data_go_kr_service_key": KEY})
        feeds = base.feeds.model_copy(
            update={"sources": (FeedSource(name="정책브리핑", url=api.url),)}
        )
        # a second App on the same database polls the OpenAPI; the World's delivers
        app = App.build(base.model_copy(update={"secrets": secrets, "feeds": feeds}), clock=w.clock)
        user = private(602)
        await w.ask(user, 602, "/subscribe 중소벤처기업부")

        async def cycle() -> Any:
            w.clock.advance(300)
            report = await app.poll_once()
            assert report.failed == (), report.failed
            await app.after_poll(report)
            await w.drain()
            return report

        first = await cycle()
        assert [a.author for a in first.new] == ["중소벤처기업부"]
        [alert] = w.emu.bot_messages(602)[1:]
        assert "044-204-7320" in alert["text"]

        body = str(release["DataContents"])
        release.update(
            ContentsStatus="U",
            ModifyId="1",
            DataContents=body.replace("044-204-7320", "044-204-7399"),
        )
        revised = await cycle()
        assert [a.revision for a in revised.edited] == [1]
        assert len(w.emu.bot_messages(602)) == 2  # the reply and the one alert
        phones = story_phones(w, "156754060")
        assert "044-204-7399" in phones and "044-204-7320" not in phones

        release.update(ModifyId="2", Title=f"{release['Title']}(수정)")
        await cycle()
        messages = w.emu.bot_messages(602)
        assert len(messages) == 3 and messages[-1]["text"].startswith("정정 알림:")
        app.engine.dispose()
