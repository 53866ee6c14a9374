"""A loopback HTTP server that answers from a script and records every request: the
failing-on-purpose peer of the REST transport's tests (and a forward proxy's stand-in)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Tuple

from google.protobuf.message import Message

from flyteclient.runtime.rest import encode_error, message_to_json

Answer = Tuple[int, Dict[str, str], bytes]


def ok(message: Message) -> Answer:
    """A 200 with ``message`` as flyteadmin's JSON."""
    return 200, {"Content-Type": "application/json"}, message_to_json(message)


def gateway_error(code: Any, text: str) -> Answer:
    status, body = encode_error(code, text)
    return status, {"Content-Type": "application/json"}, body


def plain(
    status: int, body: bytes = b"<html>bad gateway</html>", content_type: str = "text/html"
) -> Answer:
    """An answer from something that is not grpc-gateway (an ingress, a proxy)."""
    return status, {"Content-Type": content_type}, body


@dataclass
class Seen:
    method: str
    target: str
    headers: Dict[str, str]
    body: bytes
    at: float


class ScriptedHttpServer:
    """``with ScriptedHttpServer() as s: s.url``. ``script(answer, ...)`` queues answers (an
    :data:`Answer` or a callable ``(Seen) -> Answer``), one per request in arrival order;
    ``default`` answers the rest. ``delay`` seconds pass before each answer."""

    def __init__(self, default: Any = None, delay: float = 0.0) -> None:
        self.seen: List[Seen] = []
        self.delay = delay
        self.default = default or plain(404, b"not scripted", "text/plain")
        self._queue: List[Any] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                    time.monotonic(),
                )
                with owner._lock:
                    owner.seen.append(seen)
                    answer = owner._queue.pop(0) if owner._queue else owner.default
                if owner.delay:
                    time.sleep(owner.delay)
                if callable(answer):
                    answer = answer(seen)
                status, headers, body = answer
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def script(self, *answers: Any) -> None:
        with self._lock:
            self._queue.extend(answers)

    def __enter__(self) -> "ScriptedHttpServer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


__all__ = ["ScriptedHttpServer", "Seen", "gateway_error", "ok", "plain", "json"]
