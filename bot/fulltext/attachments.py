"""Reading an attachment's bytes under a time and memory limit: the I/O edge around the pure
parsers of :mod:`bot.documents.attachments`.

Each file is parsed by a fresh ``python -m bot.fulltext.worker`` (about 0.1–0.3 s to start,
small beside the download) that is killed at its deadline; the event loop only waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys

from bot.documents.attachments import AttachmentError

__all__ = ["AttachmentError", "read_attachment"]


async def read_attachment(
    data: bytes, filename: str = "", *, timeout: float = 20, memory_mb: int = 1024
) -> str:
    """The attachment's text as markdown; raises AttachmentError with a plain reason."""
    env = {
        **os.environ,
        "SOKBO_PARSE_MEMORY_MB": str(memory_mb),
        "SOKBO_PARSE_CPU_SECONDS": str(max(1, int(timeout) + 1)),
    }
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.fulltext.worker",
            filename.replace("\n", " ")[:300],
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
    except OSError as e:
        raise AttachmentError(f"cannot start the attachment parser ({e})") from None
    try:
        async with asyncio.timeout(timeout):
            out, err = await process.communicate(data)
    except TimeoutError:
        raise AttachmentError(f"parsing took longer than {timeout:g} s (stopped)") from None
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    try:
        answer = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise AttachmentError(
            f"the attachment parser stopped (exit {process.returncode}: {tail[0][:200]})"
        ) from None
    if "error" in answer:
        raise AttachmentError(str(answer["error"]))
    return str(answer.get("text", ""))
