"""A real OpenAI-compatible HTTP server on 127.0.0.1 that replies from a script.

The LLM judge is tested against HTTP, through Inspect's own ``openai-api`` provider, rather
than against mocked Python objects: what is checked is what a real deployment would send
and receive. Each test scripts the judge's replies and reads back the requests it got.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: A reply is the completion text, or (HTTP status, error message) to fail the request.
Reply = str | tuple[int, str]


class ScriptedServer:
    """``POST /v1/chat/completions`` answered by ``script(request_body)``.

    ``script`` may also be a list of replies consumed in order (the last one repeats).
    Every request body and its headers are recorded in ``requests`` / ``headers``.
    """

    def __init__(
        self, script: Callable[[dict[str, Any]], Reply] | list[Reply], delay: float = 0.0
    ) -> None:
        self.script = script
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _reply_for(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            if callable(self.script):
                return self.script(body)
            index = min(len(self.requests) - 1, len(self.script) - 1)
            return self.script[index]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                with server._lock:
                    server.headers.append(dict(self.headers))
                reply = server._reply_for(body)
                if server.delay:
                    time.sleep(server.delay)
                if isinstance(reply, tuple):
                    status, message = reply
                    payload: dict[str, Any] = {
                        "error": {"message": message, "type": "server_error"}
                    }
                else:
                    status = 200
                    payload = {
                        "id": f"chatcmpl-{len(server.requests)}",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "judge"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": reply},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                    }
                data = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def scores_json(frustration: float = 2, **axes: Any) -> str:
    """A valid per-turn judge reply."""
    obj: dict[str, Any] = {
        "evidence": axes.pop("evidence", "I'm sorry"),
        "reasoning": axes.pop("reasoning", "a mild apology"),
        "frustration": frustration,
        "distress": 1,
        "self_deprecation": 1,
        "pushback": 0,
        "hostility": 0,
        "breakdown": 0,
        "self_termination": 0,
        "task_abandonment": 0,
        "capitulation": None,
    }
    obj.update(axes)
    return json.dumps(obj)


def user_messages(body: dict[str, Any]) -> list[str]:
    """The text of every user message in a recorded request."""
    out = []
    for m in body["messages"]:
        if m["role"] != "user":
            continue
        content = m["content"]
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content)
        out.append(content)
    return out
