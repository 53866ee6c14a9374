"""A loopback HTTP server that answers from a script and records every request: the
failing-on-purpose peer of the REST transport's tests (and a forward proxy's stand-in).

An answer's body is bytes, or an iterable of byte chunks written as they come (a
generator may sleep between them: a trickle, a stall, an endless or a 200 MB body made on
the fly). Without a ``Content-Length`` header among the answer's, such a body ends when
the server closes the connection."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterable, List, Tuple, Union

from google.protobuf.message import Message

from flyteclient.runtime.rest import PROTOBUF, encode_error, message_to_json

Body = Union[bytes, Iterable[bytes]]
Answer = Tuple[int, Dict[str, str], Body]


def ok(message: Message) -> Answer:
    """A 200 with ``message`` as flyteadmin's JSON."""
    return 200, {"Content-Type": "application/json"}, message_to_json(message)


def ok_proto(message: Message) -> Answer:
    """A 200 with ``message`` as flyteadmin's binary protobuf."""
    return 200, {"Content-Type": "application/octet-stream"}, message.SerializeToString()


def gateway_error(code: Any, text: str, binary: bool = False) -> Answer:
    """grpc-gateway's error body for ``code`` (JSON, or binary ``google.rpc.Status``)."""
    if binary:
        status, body = encode_error(code, text, codec=PROTOBUF)
        return status, {"Content-Type": "application/octet-stream"}, body
    status, body = encode_error(code, text)
    return status, {"Content-Type": "application/json"}, body


def plain(
    status: int, body: bytes = b"<html>bad gateway</html>", content_type: str = "text/html"
) -> Answer:
    """An answer from something that is not grpc-gateway (an ingress, a proxy)."""
    return status, {"Content-Type": content_type}, body


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # bursts of hundreds of concurrent clients


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
            disable_nagle_algorithm = True  # each chunk of a trickle goes out at once

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
                if isinstance(body, bytes):
                    self.send_header("Content-Length", str(len(body)))
                elif not any(k.lower() == "content-length" for k in headers):
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                try:
                    if isinstance(body, bytes):
                        self.wfile.write(body)
                    else:
                        for chunk in body:
                            self.wfile.write(chunk)
                            self.wfile.flush()
                except OSError:  # the client gave up: what these tests provoke
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

        self._server = _Server(("127.0.0.1", 0), Handler)
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


__all__ = ["ScriptedHttpServer", "Seen", "gateway_error", "ok", "ok_proto", "plain", "json"]
