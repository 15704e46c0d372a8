"""Giving freed memory back to the system after a burst of work (a cold cycle's pipeline).

CPython frees objects to the C allocator, and glibc keeps freed chunks in its arenas (one per
thread that allocated) instead of returning them: after a pass over thousands of articles
the process keeps the pass's high-water mark resident. ``malloc_trim`` hands the free pages
back, and :func:`one_arena` keeps every thread on one arena, so the pipeline's steps (each in
whichever thread of the default executor is free) reuse one high-water mark instead of
leaving one in each thread's arena. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
from functools import cache
from typing import Any

# mallopt's parameter for the most arenas glibc makes (malloc.h)
M_ARENA_MAX = -8


@cache
def _libc_function(name: str) -> Any:
    try:  # the symbols the interpreter is linked with: glibc's, on Linux
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


def one_arena() -> bool:
    """Let every thread allocate from one glibc arena (as ``MALLOC_ARENA_MAX=1`` does), so
    memory one thread freed is reused by the next; call before threads start. Measured on a
    cold cycle of 2,000 feeds, whose grouping calls landed on three executor threads: each
    arena kept its own ~70 MB high-water mark. Python allocates under the GIL, so the
    threads rarely wait on the one arena's lock. False where there is no mallopt."""
    mallopt = _libc_function("mallopt")
    if mallopt is None:
        return False
    return bool(mallopt(M_ARENA_MAX, 1))


def trim() -> bool:
    """Return the C heap's free pages to the system; False where there is no malloc_trim."""
    malloc_trim = _libc_function("malloc_trim")
    if malloc_trim is None:
        return False
    malloc_trim(0)
    return True
