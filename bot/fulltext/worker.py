"""``python -m bot.fulltext.worker``: attachments in on stdin, their text out on stdout.

A child process so that a hostile or broken file costs only itself: the parent kills it at a
file's deadline (and starts another for the next file), and it caps its own address space
(``SOKBO_PARSE_MEMORY_MB``), so a PDF or zip that inflates without end fails here with a
reason instead of in the bot. It serves files one after another until stdin closes: starting
Python and importing the parsers costs more than parsing a release (bench/sources.py).

Framing: a request is ``!II`` (name length, data length), the UTF-8 name, the bytes; an answer
is ``!I`` and a JSON object, ``{"text": …}`` or ``{"error": …}``.
"""

from __future__ import annotations

import json
import os
import resource
import struct
import sys

REQUEST = struct.Struct("!II")
ANSWER = struct.Struct("!I")


def _limit_memory(memory_mb: int) -> None:
    size = memory_mb * 1024 * 1024
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = size if hard == resource.RLIM_INFINITY else min(size, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):  # a platform without the limit: the deadline still holds
        pass


def answer_for(data: bytes, name: str) -> dict[str, str]:
    """One file's answer; never raises (a parser bug on odd input is a reason, too)."""
    from bot.documents.attachments import AttachmentError, text_from_attachment

    try:
        return {"text": text_from_attachment(data, name)}
    except AttachmentError as e:
        return {"error": str(e)}
    except MemoryError:
        pass  # answered below, once the traceback (and the parse it holds) is released
    except Exception as e:
        return {"error": f"parser failed: {type(e).__name__}: {e}"[:300]}
    limit = os.environ.get("SOKBO_PARSE_MEMORY_MB", "?")
    return {"error": f"ran out of its memory limit ({limit} MB) while parsing"}


def main() -> int:
    _limit_memory(int(os.environ.get("SOKBO_PARSE_MEMORY_MB", "1024")))
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers may reach the answer pipe
    import bot.documents.attachments  # noqa: F401  (imported before the first file's clock)

    while header := source.read(REQUEST.size):
        if len(header) < REQUEST.size:
            return 0
        name_size, data_size = REQUEST.unpack(header)
        name = source.read(name_size).decode("utf-8", "replace")
        data = source.read(data_size)
        body = json.dumps(answer_for(data, name), ensure_ascii=False).encode("utf-8")
        sink.write(ANSWER.pack(len(body)) + body)
        sink.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
