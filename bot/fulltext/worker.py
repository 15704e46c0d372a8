"""``python -m bot.fulltext.worker NAME``: one attachment on stdin → its text on stdout.

A child process so that a hostile or broken file costs only itself: the parent kills it at
its deadline, and it caps its own address space (``SOKBO_PARSE_MEMORY_MB``) and CPU time, so
a PDF or zip that inflates without end fails here with a reason instead of in the bot. The
answer is one JSON object: ``{"text": …}`` or ``{"error": …}``.
"""

from __future__ import annotations

import json
import os
import resource
import sys


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    size = memory_mb * 1024 * 1024
    for kind, value in ((resource.RLIMIT_AS, size), (resource.RLIMIT_CPU, cpu_seconds)):
        try:
            _soft, hard = resource.getrlimit(kind)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(kind, (cap, hard))
        except (ValueError, OSError):  # a platform without the limit: the deadline still holds
            pass


def main() -> int:
    _limit(int(os.environ.get("SOKBO_PARSE_MEMORY_MB", "1024")),
           int(os.environ.get("SOKBO_PARSE_CPU_SECONDS", "30")))  # fmt: skip
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    data = sys.stdin.buffer.read()
    from bot.documents.attachments import AttachmentError, text_from_attachment

    try:
        answer = {"text": text_from_attachment(data, name)}
    except AttachmentError as e:
        answer = {"error": str(e)}
    except MemoryError:
        answer = {"error": "ran out of its memory limit while parsing"}
    except Exception as e:  # a parser bug on odd input: a reason, not a traceback
        answer = {"error": f"parser failed: {type(e).__name__}: {e}"[:300]}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
