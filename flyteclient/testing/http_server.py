"""A tiny threaded loopback HTTP server with prefix routes (blob store, OAuth2 endpoints,
the HTTP/JSON gateway).

Request bodies are read only when a handler asks for :attr:`Request.body`, so a handler
can check a signature before accepting any bytes. ``Content-Length`` is required for
PUT, POST and PATCH (411 without it, no chunked encoding), must be one decimal number (400) and
at most ``max_body`` (413, answered before the body is read). A client that sends less
than it announced gets 408 when the socket ``timeout`` passes (400 if it closes first):
no request can hold a handler thread for longer than ``timeout`` per read.
"""

from __future__ import annotations

import io
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

Response = Tuple[int, Dict[str, str], bytes]
Handler = Callable[["Request"], Response]

#: Default cap on a request body (the blob store's largest object).
DEFAULT_MAX_BODY = 256 * 1024 * 1024
#: Default seconds a read from a client socket may wait.
DEFAULT_TIMEOUT = 30.0


class BodyError(Exception):
    """The request body could not be read; answered with ``response``."""

    def __init__(self, response: Response) -> None:
        super().__init__(response[0])
        self.response = response


class Request:
    """What a route handler sees. ``body`` is read from the socket on first access."""

    def __init__(
        self,
        method: str,
        path: str,
        raw_path: str,
        query: Dict[str, str],
        headers: Mapping[str, str],
        content_length: int = 0,
        stream: Optional[io.BufferedIOBase] = None,
        raw_query: str = "",
        client: Optional[Tuple[str, int]] = None,
    ) -> None:
        self.method = method
        self.path = path  # unquoted path, without query
        self.raw_path = raw_path  # path as sent (still quoted)
        self.query = query
        self.raw_query = raw_query  # query string as sent (repeated keys, escapes kept)
        self.client = client  # (ip, port) of the peer
        self.headers = headers
        self.content_length = content_length
        self._stream = stream
        self._body: Optional[bytes] = None if content_length else b""

    @property
    def body_read(self) -> bool:
        return self._body is not None

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = self._read()
        return self._body

    def _read(self) -> bytes:
        assert self._stream is not None
        chunks: List[bytes] = []
        left = self.content_length
        try:
            while left:
                chunk = self._stream.read(min(left, 1 << 20))
                if not chunk:
                    raise BodyError(text_response(400, "request body shorter than Content-Length"))
                chunks.append(chunk)
                left -= len(chunk)
        except (socket.timeout, TimeoutError):
            raise BodyError(text_response(408, "timed out reading the request body")) from None
        except OSError:
            raise BodyError(
                text_response(400, "connection failed while reading the request body")
            ) from None
        return b"".join(chunks)


def text_response(status: int, text: str) -> Response:
    return status, {"Content-Type": "text/plain"}, text.encode()


def content_length(method: str, headers: Any, max_body: int) -> Tuple[int, Optional[Response]]:
    """The announced body length, or the error response for a missing, malformed or
    too large ``Content-Length`` (``headers`` is an ``email.message.Message``)."""
    if headers.get("Transfer-Encoding") is not None:
        return 0, text_response(411, "chunked bodies are not supported; send Content-Length")
    values = headers.get_all("Content-Length") or []
    if not values:
        if method in ("PUT", "POST", "PATCH"):
            return 0, text_response(411, "Content-Length is required")
        return 0, None
    text = values[0].strip()
    if any(v.strip() != text for v in values) or not (text.isascii() and text.isdigit()):
        return 0, text_response(400, "invalid Content-Length")
    length = int(text)
    if length > max_body:
        return 0, text_response(
            413, f"request body of {length} bytes exceeds the limit of {max_body} bytes"
        )
    return length, None


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a burst of concurrent clients (a REST
    # client's parallel calls) would see connections reset.
    request_queue_size = 128


class HttpServer:
    """ThreadingHTTPServer on 127.0.0.1 dispatching to the longest matching path prefix."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        max_body: int = DEFAULT_MAX_BODY,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._routes: List[Tuple[str, Handler]] = []
        self.max_body = max_body
        outer = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's
            # algorithm holds the body until the client's delayed ACK (~40 ms per call).
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:  # silence
                pass

            def _handle(self) -> None:
                length, problem = content_length(self.command, self.headers, outer.max_body)
                if problem is not None:
                    self._reply(*problem, close=True)
                    return
                parsed = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
                req = Request(
                    self.command,
                    urllib.parse.unquote(parsed.path),
                    parsed.path,
                    query,
                    {k.lower(): v for k, v in self.headers.items()},
                    length,
                    self.rfile,
                    parsed.query,
                    self.client_address[:2],
                )
                try:
                    status, headers, payload = outer._dispatch(req)
                except BodyError as exc:
                    status, headers, payload = exc.response
                except Exception as exc:  # noqa: BLE001
                    status, headers, payload = text_response(500, str(exc))
                # Unread body bytes would be parsed as the next request: close instead.
                self._reply(status, headers, payload, close=not req.body_read)

            def _reply(
                self, status: int, headers: Dict[str, str], payload: bytes, close: bool = False
            ) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                if close:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                if close:
                    self._linger()

            def _linger(self) -> None:
                """Closing a socket with unread input makes the kernel send a reset, which
                can destroy the response before the client reads it: half-close, then
                discard what the client still sends, for a moment."""
                try:
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_WR)
                    self.connection.settimeout(0.2)
                    deadline = time.monotonic() + 1.0
                    while time.monotonic() < deadline and self.connection.recv(65536):
                        pass
                except OSError:
                    pass

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = _handle

        _H.timeout = timeout  # socket timeout of every connection (StreamRequestHandler)
        self._server = _Server((host, port), _H)
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
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="local-admin-http",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
