"""Plain, frozen values that flow through the pipeline (see docs/architecture.md).

feeds → Article → Story → Summary → Delivery → adapter. Nothing here does I/O. ``Summary``
is a pydantic model because it is also what an LLM must answer (validated on arrival); it
lives in bot/summary_model.py and is imported from here on first use, so a process that never
touches a summary (the feed parse worker) does not build pydantic models (~11 MB, ~0.1 s).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bot.summary_model import Labeled as Labeled
    from bot.summary_model import Summary as Summary


@dataclass(frozen=True, slots=True)
class Contact:
    """One person or desk to call, copied exactly from the source."""

    organization: str | None = None
    department: str | None = None
    role: str | None = None
    name: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed and its polling health."""

    id: int
    name: str
    url: str
    enabled: bool = True
    etag: str | None = None
    last_modified: str | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    next_poll_at: datetime | None = None
    fetch_method: str | None = None  # "POST" for a feed that refuses GET
    cookies: str | None = None  # JSON of the cookies its site set (bot/feeds/fetch.py)
    item_count: int | None = None
    newest_item_at: datetime | None = None
    rhythm_seconds: float | None = None
    last_new_at: datetime | None = None
    last_fetch_seconds: float | None = None  # how long its last fetch took (a slow one first)
    body_hash: str | None = None  # the last answer parsed and stored in full (not parsed again)


@dataclass(frozen=True, slots=True)
class Article:
    """One feed item, cleaned: text has paragraph breaks, dates are aware."""

    feed_id: int
    guid: str
    url: str
    title: str
    text: str
    published_at: datetime
    content_hash: str
    contacts: tuple[Contact, ...] = ()
    id: int | None = None
    story_id: int | None = None
    # Who issued it, as the source names it: the feed item's <author>/dc:creator/itunes:author
    # (a ministry on government feeds) or the OpenAPI's MinisterCode; "" when none is given.
    author: str = ""
    # A source's own revision number (the OpenAPI's ModifyId): a lower one than stored is an
    # older copy and changes nothing. 0 for feeds, which have none.
    revision: int = 0
    # The source withdrew it (the OpenAPI's ContentsStatus D): hidden, never alerted.
    withdrawn: bool = False
    # Attachment URLs the source lists (HWPX/HWP/PDF), for reading the text from them.
    attachments: tuple[str, ...] = ()
    # A feed item's title and body as the feed sent them, hashed (bot.feeds.parse.source_hash):
    # an item sent again unchanged is not built again. "" for other sources.
    source_hash: str = field(default="", compare=False)


RuleKind = Literal["topic", "agency", "keyword", "exclude", "feed"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One thing a chat follows (``exclude``: refuses), stored as a (kind, value) row.

    Values are canonical: a topic or agency name, a normalized keyword, a feed id in digits."""

    kind: RuleKind
    value: str

    @property
    def pair(self) -> tuple[str, str]:
        """The stored form, for the store and :meth:`bot.matching.Rules.from_pairs`."""
        return (self.kind, self.value)


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where a message goes: platform + chat id (+ thread/topic id where the platform has one)."""

    platform: str
    chat_id: str
    thread_id: str = ""


SendOutcome = Literal["sent", "retry", "deferred", "gone", "migrated"]


@dataclass(frozen=True, slots=True)
class SendResult:
    """What an adapter answers for one message; the outbox decides what to do with it.

    - ``sent``: delivered.
    - ``retry``: it failed; try again after ``retry_after`` seconds (only this chat waits).
    - ``deferred``: not attempted (pacing); try after ``retry_after`` s, no attempt counted.
    - ``gone``: the chat blocked/kicked/deleted the bot; ``reason`` says why in words.
    - ``migrated``: the chat now lives at ``new_chat_id``; resend there.
    """

    outcome: SendOutcome
    retry_after: float | None = None
    reason: str | None = None
    new_chat_id: str | None = None

    @classmethod
    def sent(cls) -> SendResult:
        return cls("sent")

    @classmethod
    def retry(cls, after: float, reason: str) -> SendResult:
        return cls("retry", retry_after=after, reason=reason)

    @classmethod
    def deferred(cls, after: float) -> SendResult:
        return cls("deferred", retry_after=after, reason="paced")

    @classmethod
    def gone(cls, reason: str) -> SendResult:
        return cls("gone", reason=reason)

    @classmethod
    def migrated(cls, new_chat_id: str) -> SendResult:
        return cls("migrated", new_chat_id=new_chat_id, reason="chat migrated")


RowFate = Literal["sent", "failed", "dead", "release"]
ChatFate = Literal["go_on", "wait", "resend", "dead"]


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do after one delivery attempt (bot/delivery.py decides, the outbox applies).

    ``row``: sent; failed (counted, due again at ``until``); dead (given up); release (back
    to pending at ``until``, uncounted). ``chat``: what the chat's other rows in the batch do:
    go on, wait until ``until``, be resent now (migrated), or die with this one (gone).
    """

    row: RowFate
    attempts: int
    until: datetime | None = None
    reason: str | None = None
    chat: ChatFate = "go_on"
    pause: str | None = None  # pause the chat with this reason (it blocked or removed the bot)
    migrate_to: str | None = None  # the chat's new id


def __getattr__(name: str) -> object:
    """``Labeled`` and ``Summary``, loaded from bot/summary_model.py when first asked for."""
    if name in ("Labeled", "Summary"):
        from bot import summary_model

        return getattr(summary_model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
