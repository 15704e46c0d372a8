"""Values the store keeps as JSON text: an article's contacts and attachment links (the one
place each is read back, unreadable parts left out), and frozen dataclasses ⇄ JSON
driven by their type hints (:func:`dump`, :func:`load`, for values the store keeps whole).

The dataclass codec handles what the message types are made of: str, int, float, bool, None,
date, datetime (ISO 8601 with offset), tuples and lists, ``X | None`` and nested dataclasses.
A field the stored JSON lacks takes its default, so a value stored by an older version still
loads.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from bot.types import Contact

T = TypeVar("T")


def contacts_to_json(contacts: Sequence[Contact]) -> str | None:
    """An article's contacts as stored (None when it has none)."""
    return dump(list(contacts)) if contacts else None


def contacts_from_json(raw: str | None) -> tuple[Contact, ...]:
    """An article's contacts as stored; anything unreadable (not JSON, not a list, an entry
    that is not an object or names nothing) is left out, never raised: a row written by an
    older version or by hand must not stop a page, a digest or a poll."""
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        return ()
    out = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            fields = {k: item.get(k) for k in Contact.__slots__}
            if any(isinstance(v, str) and v for v in fields.values()):
                out.append(
                    Contact(**{k: v if isinstance(v, str) else None for k, v in fields.items()})
                )
    return tuple(out)


def attachments_to_json(urls: Sequence[str]) -> str | None:
    """An article's attachment links as stored (None when it has none)."""
    return json.dumps(list(urls), ensure_ascii=False) if urls else None


def attachments_from_json(raw: str | None) -> tuple[str, ...]:
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        return ()
    return tuple(str(u) for u in items) if isinstance(items, list) else ()


def dump(value: object) -> str:
    """JSON text of a dataclass value."""
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"))


def load(cls: type[T], text: str) -> T:
    """The ``cls`` value stored by :func:`dump`; ValueError when the text does not fit."""
    try:
        return typing.cast(T, _build(cls, json.loads(text)))
    except (TypeError, KeyError) as e:
        raise ValueError(f"stored {cls.__name__} does not fit its type: {e}") from e


def _plain(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _build(hint: Any, raw: Any) -> Any:
    if raw is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _build(options[0], raw)
    if origin in (tuple, list):
        args = typing.get_args(hint)
        item = args[0] if args else Any
        built = [_build(item, v) for v in raw]
        return tuple(built) if origin is tuple else built
    if origin is typing.Literal or hint is Any:
        return raw
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        kwargs = {
            f.name: _build(hints[f.name], raw[f.name])
            for f in dataclasses.fields(hint)
            if f.name in raw
        }
        return hint(**kwargs)
    if hint is datetime:
        return datetime.fromisoformat(raw)
    if hint is date:
        return date.fromisoformat(raw)
    return raw
