"""A scripted OpenAI-compatible server on 127.0.0.1 for tests and benchmarks.

Answers ``POST /v1/chat/completions``. Each test queues replies (a digest, raw text, an HTTP
error with headers, a delay); with an empty queue it answers ``default`` (a function of the
request). Every request body is recorded. Runs in a thread, so async clients use it as a
real remote server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    content: str | None = None  # the assistant message text (for 200)
    body: dict[str, Any] | None = None  # a raw JSON body (errors)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    refuse_schema: bool = False  # 400 when response_format is json_schema/json_object
    trickle: float = 0.0  # seconds between the body's bytes (a server that stalls mid-answer)


def completion(
    content: str, prompt_tokens: int = 100, completion_tokens: int = 50
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def estimate_tokens(text: str) -> int:
    """A rough token count for Korean-heavy text (about two characters per token)."""
    return max(1, len(text) // 2)


class LLMServer:
    def __init__(self, default: Callable[[dict[str, Any]], Reply] | None = None) -> None:
        self.queue: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        self.default = default or (
            lambda _req: Reply(status=500, body={"error": {"message": "no reply scripted"}})
        )
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                with server.lock:
                    server.requests.append(request)
                    reply = server.queue.pop(0) if server.queue else None
                if reply is None:
                    reply = server.default(request)
                if reply.delay:
                    time.sleep(reply.delay)
                fmt = (request.get("response_format") or {}).get("type")
                if reply.refuse_schema and fmt in {"json_schema", "json_object"}:
                    status, body = 400, {"error": {"message": f"response_format {fmt} unsupported"}}
                elif reply.status == 200:
                    prompt = " ".join(
                        str(m.get("content", "")) for m in request.get("messages", [])
                    )
                    status = 200
                    body = completion(reply.content or "", estimate_tokens(prompt))
                else:
                    status, body = reply.status, reply.body or {"error": {"message": "error"}}
                data = json.dumps(body, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    if reply.trickle:
                        for i in range(len(data)):
                            self.wfile.write(data[i : i + 1])
                            self.wfile.flush()
                            if server.stopped.wait(reply.trickle):
                                return
                    else:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> LLMServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def push(self, *replies: Reply) -> None:
        with self.lock:
            self.queue.extend(replies)
