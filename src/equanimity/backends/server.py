"""``equanimity serve``: an OpenAI-compatible HTTP server over a local model.

Any OpenAI-compatible client (Inspect's ``openai-api/...`` provider, the ``openai`` SDK,
another lab's harness) can then use the embedded model or a trained adapter, and the test
suite exercises the API backends against a real server on 127.0.0.1. Concurrent requests
are batched by the engine, and each response is the same as an in-process call with the
same seed.

Endpoints: ``GET /health``, ``GET /v1/models``, ``POST /v1/chat/completions``,
``POST /v1/completions`` (raw text, for base models). Standard library only.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from equanimity.backends.engine import PLAIN_STOP, GenerationRequest, LocalEngine

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 8 * 1024 * 1024


class BadRequest(ValueError):
    pass


def _text_content(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for p in content:
            if isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str):
                parts.append(p["text"])
            else:
                raise BadRequest("only text content parts are supported")
        return "".join(parts)
    if content is None:
        return ""
    raise BadRequest("message content must be a string or a list of text parts")


def _sampling(body: dict[str, Any]) -> dict[str, Any]:
    n = body.get("n", 1)
    if n not in (1, None):
        raise BadRequest("only n=1 is supported")
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens") or 512
    stop = body.get("stop") or ()
    if isinstance(stop, str):
        stop = (stop,)
    seed = body.get("seed")
    try:
        return {
            "max_new_tokens": int(max_tokens),
            "temperature": float(
                body.get("temperature", 1.0) if body.get("temperature") is not None else 1.0
            ),
            "top_p": float(body.get("top_p") if body.get("top_p") is not None else 1.0),
            "top_k": int(body.get("top_k") or 0),
            "seed": int(seed) if seed is not None else int.from_bytes(os.urandom(8), "little"),
            "stop_strings": tuple(str(s) for s in stop),
        }
    except (TypeError, ValueError) as e:
        raise BadRequest(f"invalid sampling parameter: {e}") from e


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        # The default writes every request line to stderr; requests never contain the key
        # in the line, but headers are never logged either way.
        logger.debug("%s " + format, self.address_string(), *args)

    def _send(self, status: int, obj: dict[str, Any]) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
        self._send(status, {"error": {"message": message, "type": kind}})

    def _authorised(self) -> bool:
        key = self.server.api_key
        if not key:
            return True
        got = self.headers.get("Authorization", "")
        ok = hmac.compare_digest(got.encode(), f"Bearer {key}".encode())
        if not ok:
            self._error(HTTPStatus.UNAUTHORIZED, "invalid API key", "authentication_error")
        return ok

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(HTTPStatus.OK, {"status": "ok"})
        elif self.path == "/v1/models":
            if self._authorised():
                self._send(
                    HTTPStatus.OK,
                    {
                        "object": "list",
                        "data": [
                            {
                                "id": self.server.model_name,
                                "object": "model",
                                "owned_by": "equanimity",
                            }
                        ],
                    },
                )
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no route {self.path}")

    def do_POST(self) -> None:
        if not self._authorised():
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
            if length > MAX_BODY_BYTES:
                raise BadRequest("request body too large")
            body = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(body, dict):
                raise BadRequest("request body must be a JSON object")
            if self.path in ("/v1/chat/completions", "/chat/completions"):
                self._chat(body)
            elif self.path in ("/v1/completions", "/completions"):
                self._completion(body)
            else:
                self._error(HTTPStatus.NOT_FOUND, f"no route {self.path}")
        except (BadRequest, json.JSONDecodeError, ValueError) as e:
            self._error(HTTPStatus.BAD_REQUEST, str(e))
        except Exception as e:  # pragma: no cover - reported to the client, logged here
            logger.exception("request failed")
            self._error(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(e).__name__}: {e}", "server_error"
            )

    def _chat(self, body: dict[str, Any]) -> None:
        engine = self.server.engine
        msgs = body.get("messages")
        if not isinstance(msgs, list) or not msgs:
            raise BadRequest("'messages' must be a non-empty list")
        messages = []
        for m in msgs:
            if not isinstance(m, dict) or m.get("role") not in (
                "system",
                "user",
                "assistant",
                "developer",
            ):
                raise BadRequest("each message needs a role of system, user or assistant")
            role = "system" if m["role"] == "developer" else m["role"]
            messages.append({"role": role, "content": _text_content(m.get("content"))})
        params = _sampling(body)
        if not engine.tokenizer.chat_template:
            params["stop_strings"] = params["stop_strings"] + PLAIN_STOP
        ids, boundaries = engine.chat_request_ids(messages)
        result = engine.submit(
            GenerationRequest(input_ids=ids, prefix_boundaries=boundaries, **params)
        ).result()
        payload = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.server.model_name,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": result.text},
                    "finish_reason": result.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": result.prompt_tokens,
                "completion_tokens": result.completion_tokens,
                "total_tokens": result.prompt_tokens + result.completion_tokens,
            },
        }
        if body.get("stream"):
            self._stream_chat(payload)
        else:
            self._send(HTTPStatus.OK, payload)

    def _stream_chat(self, payload: dict[str, Any]) -> None:
        """Minimal SSE: the whole reply as one delta (generation is not incremental here)."""
        choice = payload["choices"][0]
        chunks = [
            {
                "delta": {"role": "assistant", "content": choice["message"]["content"]},
                "finish_reason": None,
            },
            {"delta": {}, "finish_reason": choice["finish_reason"]},
        ]
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        for c in chunks:
            event = {k: payload[k] for k in ("id", "created", "model")} | {
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, **c}],
            }
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.close_connection = True

    def _completion(self, body: dict[str, Any]) -> None:
        engine = self.server.engine
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            raise BadRequest("'prompt' must be a non-empty string")
        ids = engine.tokenizer(prompt, add_special_tokens=True)["input_ids"]
        result = engine.submit(GenerationRequest(input_ids=ids, **_sampling(body))).result()
        self._send(
            HTTPStatus.OK,
            {
                "id": f"cmpl-{uuid.uuid4().hex[:24]}",
                "object": "text_completion",
                "created": int(time.time()),
                "model": self.server.model_name,
                "choices": [
                    {"index": 0, "text": result.text, "finish_reason": result.finish_reason}
                ],
                "usage": {
                    "prompt_tokens": result.prompt_tokens,
                    "completion_tokens": result.completion_tokens,
                    "total_tokens": result.prompt_tokens + result.completion_tokens,
                },
            },
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, addr: tuple[str, int], engine: LocalEngine, model_name: str, api_key: str | None
    ) -> None:
        super().__init__(addr, _Handler)
        self.engine = engine
        self.model_name = model_name
        self.api_key = api_key


@dataclass
class RunningServer:
    """A server started in a background thread (for tests and notebooks)."""

    base_url: str
    server: _Server
    thread: threading.Thread

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_server(
    engine: LocalEngine,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    model_name: str = "smollm2",
    api_key: str | None = None,
) -> _Server:
    return _Server((host, port), engine, model_name, api_key)


def serve_in_thread(
    model: str = "smollm2",
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str | None = None,
    max_batch: int = 16,
) -> RunningServer:
    """Start a server on ``host:port`` (0 = a free port) in a daemon thread."""
    from equanimity.backends.engine import get_engine

    engine = get_engine(model, max_batch=max_batch)
    srv = make_server(engine, host=host, port=port, model_name=model, api_key=api_key)
    thread = threading.Thread(target=srv.serve_forever, name="equanimity-serve", daemon=True)
    thread.start()
    h, p = srv.server_address[:2]
    return RunningServer(base_url=f"http://{h}:{p}/v1", server=srv, thread=thread)
