"""A loopback HTTP/2 server that answers every request with one HTTP status and no gRPC
status, as an authenticating proxy in front of flyteadmin does when it refuses a call
(gRPC then reports ``Received http2 header with status: 407``)."""

from __future__ import annotations

import socket
import struct
import threading
from typing import List

_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_HEADERS, _SETTINGS, _PING = 1, 4, 6
_ACK, _END_STREAM_HEADERS = 0x1, 0x5


def _frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
    return (
        struct.pack(">I", len(payload))[1:]
        + bytes([kind, flags])
        + struct.pack(">I", stream)
        + payload
    )


class HttpStatusServer:
    """``with HttpStatusServer(407) as s: s.endpoint``; ``s.requests`` counts requests."""

    def __init__(self, status: int = 407) -> None:
        self.status = status
        self.requests = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.endpoint = f"127.0.0.1:{self._sock.getsockname()[1]}"
        self._conns: List[socket.socket] = []

    def __enter__(self) -> "HttpStatusServer":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()
        for conn in self._conns:
            conn.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def _serve(self, conn: socket.socket) -> None:
        # HPACK: ":status" (static table entry 8) with a literal value, not indexed.
        status_block = b"\x08\x03" + str(self.status).encode()
        try:
            if self._read(conn, len(_PREFACE)) != _PREFACE:
                return
            conn.sendall(_frame(_SETTINGS, 0, 0))
            while True:
                header = self._read(conn, 9)
                length = int.from_bytes(header[:3], "big")
                kind, flags = header[3], header[4]
                stream = int.from_bytes(header[5:9], "big") & 0x7FFFFFFF
                payload = self._read(conn, length)
                if kind == _SETTINGS and not flags & _ACK:
                    conn.sendall(_frame(_SETTINGS, _ACK, 0))
                elif kind == _PING and not flags & _ACK:
                    conn.sendall(_frame(_PING, _ACK, 0, payload))
                elif kind == _HEADERS:
                    self.requests += 1
                    conn.sendall(_frame(_HEADERS, _END_STREAM_HEADERS, stream, status_block))
        except (EOFError, OSError):
            pass
        finally:
            conn.close()
