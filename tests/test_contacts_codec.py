"""The one codec for an article's stored contacts: round trip, and what it tolerates."""

from __future__ import annotations

from bot.store.codec import contacts_from_json, contacts_to_json
from bot.types import Contact


def test_round_trip_keeps_every_field_and_korean_text() -> None:
    contacts = (
        Contact("중소벤처기업부", "기획조정실", "과장", "이하녕", "044-204-7320"),
        Contact(department="대변인실", phone="02-2110-7096"),
    )
    raw = contacts_to_json(contacts)
    assert raw is not None and "이하녕" in raw  # readable in the database, not \\u escapes
    assert contacts_from_json(raw) == contacts
    assert contacts_to_json(()) is None and contacts_from_json(None) == ()


def test_unreadable_rows_are_left_out_not_raised() -> None:
    assert contacts_from_json("not json") == ()
    assert contacts_from_json('{"name": "홍길동"}') == ()  # not a list
    raw = '[1, "x", {}, {"name": 5}, {"name": "홍길동", "phone": 123, "extra": "old field"}]'
    assert contacts_from_json(raw) == (Contact(name="홍길동"),)
