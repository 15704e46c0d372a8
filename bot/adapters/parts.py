"""Resuming a message that goes out in several parts (a long digest, a long alert).

A platform takes one part per call, and a retry or a pacing deferral may come between two
parts. The outbox then sends the whole message again, so each adapter remembers, in memory,
how many parts a chat has already received (and, on Slack, the thread they went into) and
resumes after them instead of posting the head twice. A restart forgets: at worst the parts
in flight are repeated, as the outbox promises.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

MAX_REMEMBERED = 10_000  # messages in progress kept at once; the oldest is forgotten first


@dataclass
class Progress:
    """Parts delivered so far, and where later parts go (Slack's thread ``ts``)."""

    sent: int = 0
    thread: str | None = None


class PartsProgress:
    """A bounded memory of :class:`Progress` per (chat, message) key."""

    def __init__(self, size: int = MAX_REMEMBERED) -> None:
        self.size = size
        self._progress: OrderedDict[str, Progress] = OrderedDict()

    def get(self, key: str) -> Progress | None:
        return self._progress.get(key)

    def remember(self, key: str, progress: Progress) -> None:
        """Keep ``progress`` for a later call (nothing to keep before the first part)."""
        if progress.sent == 0:
            return
        self._progress[key] = progress
        self._progress.move_to_end(key)
        while len(self._progress) > self.size:
            self._progress.popitem(last=False)

    def done(self, key: str) -> None:
        """Every part is out: forget the message."""
        self._progress.pop(key, None)


def fingerprint(parts: Iterable[str]) -> str:
    """The same message rendered again has the same fingerprint (part of the key)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:32]
