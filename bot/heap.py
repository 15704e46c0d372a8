"""Giving freed memory back to the system after a burst of work (a cold cycle's pipeline).

CPython frees objects to the C allocator, and glibc keeps freed chunks in its arenas (one per
thread that allocated) instead of returning them: after a pass over thousands of articles
the process keeps the pass's high-water mark resident. ``malloc_trim`` hands the free pages
back. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
from functools import cache
from typing import Any


@cache
def _malloc_trim() -> Any:
    try:  # the symbols the interpreter is linked with: glibc's, on Linux
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def trim() -> bool:
    """Return the C heap's free pages to the system; False where there is no malloc_trim."""
    malloc_trim = _malloc_trim()
    if malloc_trim is None:
        return False
    malloc_trim(0)
    return True
