"""A tiny threaded loopback HTTP server with prefix routes (blob store, OAuth2 endpoints)."""

from __future__ import annotations

import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Mapping, Optional, Tuple


@dataclass
class Request:
    """What a route handler sees."""

    method: str
    path: str  # unquoted path, without query
    raw_path: str  # path as sent (still quoted)
    query: Dict[str, str]
    headers: Mapping[str, str]
    body: bytes


Response = Tuple[int, Dict[str, str], bytes]
Handler = Callable[[Request], Response]


class HttpServer:
    """ThreadingHTTPServer on 127.0.0.1 dispatching to the longest matching path prefix."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._routes: List[Tuple[str, Handler]] = []
        outer = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # silence
                pass

            def _handle(self) -> None:
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length > 0 else b""
                query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
                req = Request(self.command, urllib.parse.unquote(parsed.path), parsed.path, query,
                              {k.lower(): v for k, v in self.headers.items()}, body)
                try:
                    status, headers, payload = outer._dispatch(req)
                except Exception as exc:  # noqa: BLE001
                    status, headers, payload = 500, {"Content-Type": "text/plain"}, str(exc).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle

        self._server = ThreadingHTTPServer((host, port), _H)
        self._server.daemon_threads = True
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, prefix: str, handler: Handler) -> None:
        self._routes.append((prefix, handler))
        self._routes.sort(key=lambda r: -len(r[0]))

    def _dispatch(self, req: Request) -> Response:
        for prefix, handler in self._routes:
            if req.path.startswith(prefix):
                return handler(req)
        return 404, {"Content-Type": "text/plain"}, b"not found"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="local-admin-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
