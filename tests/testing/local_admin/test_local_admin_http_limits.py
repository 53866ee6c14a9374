"""The HTTP object store under hostile uploads: signature before body, size cap, strict
Content-Length, partial bodies, path traversal. Raw sockets, so nothing is normalised."""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse

import grpc
import pytest
from conftest import D, Env, P
from flyteidl.service import dataproxy_pb2 as dp

from flyteclient.testing import LocalAdmin

MAX = 1024 * 1024
TIMEOUT = 1.0


@pytest.fixture
def small():
    with LocalAdmin(max_upload_bytes=MAX, http_timeout=TIMEOUT) as admin:
        ch = grpc.insecure_channel(admin.endpoint)
        yield Env(admin, ch)
        ch.close()


def signed_put(env: Env, name: str = "f") -> str:
    loc = env.dp.CreateUploadLocation(
        dp.CreateUploadLocationRequest(project=P, domain=D, filename_root="r", filename=name)
    )
    return loc.signed_url


def raw(url: str, head: str, body: bytes = b"", wait: float = 5.0) -> tuple:
    """Send ``head`` (request line target is the URL's path and query) and ``body`` as is;
    return (status, seconds until the answer). Status 0 means the connection closed silently."""
    parts = urllib.parse.urlsplit(url)
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as s:
        started = time.monotonic()
        s.sendall(head.format(target=target, host=parts.netloc).encode() + body)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        elapsed = time.monotonic() - started
    return (int(data.split()[1]) if data else 0), elapsed


PUT = "PUT {target} HTTP/1.1\r\nHost: {host}\r\n"


@pytest.mark.parametrize(
    "headers, status",
    [
        ("Content-Length: 1099511627776\r\n", 413),  # 1 TB: refused before reading
        (f"Content-Length: {MAX + 1}\r\n", 413),
        ("Content-Length: abc\r\n", 400),
        ("Content-Length: -5\r\n", 400),
        ("Content-Length: 3\r\nContent-Length: 4\r\n", 400),
        ("", 411),
        ("Transfer-Encoding: chunked\r\n", 411),
    ],
)
def test_bad_content_length_gets_4xx_without_traceback(small, capfd, headers, status):
    url = signed_put(small)
    assert raw(url, PUT + headers + "\r\n")[0] == status
    assert raw(url, PUT + "Content-Length: 2\r\n\r\n", b"ok")[0] == 200  # the server is fine
    assert "Traceback" not in capfd.readouterr().err


def test_signature_is_checked_before_the_body_is_read(small):
    url = signed_put(small)
    forged = url.replace("X-Signature=", "X-Signature=0")
    # 1000 bytes announced, none sent: an answer without waiting means the body was not read.
    status, elapsed = raw(forged, PUT + "Content-Length: 1000\r\n\r\n")
    assert status == 403 and elapsed < TIMEOUT / 2


def test_partial_body_times_out_with_408_and_frees_the_thread(small, capfd):
    url = signed_put(small)
    threads = threading.active_count()
    status, elapsed = raw(url, PUT + "Content-Length: 100\r\n\r\n", b"only part")
    assert status == 408 and TIMEOUT * 0.9 < elapsed < TIMEOUT + 2
    deadline = time.monotonic() + 3
    while threading.active_count() > threads and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= threads
    assert small.admin.blobs.get(f"uploads/{P}/{D}/r/f") is None
    assert "Traceback" not in capfd.readouterr().err


def test_body_closed_early_gets_400(small):
    url = signed_put(small)
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as s:
        s.sendall(
            f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial".encode()
        )
        s.shutdown(socket.SHUT_WR)
        assert s.recv(100).split()[1] == b"400"


@pytest.mark.parametrize(
    "field, value",
    [
        ("filename", "../escape"),
        ("filename", "a/../../b"),
        ("filename", "/etc/passwd"),
        ("filename", "a\\..\\b"),
        ("filename", ".."),
        ("filename", "a//b"),
        ("filename", "x\ny"),
        ("filename_root", ".."),
        ("filename_root", "../../other-project"),
        ("filename_root", "/abs"),
    ],
)
def test_traversal_in_upload_names_is_invalid_argument(penv, field, value):
    kwargs = {"filename_root": "r", "filename": "f", field: value}
    e = penv.err(
        penv.dp.CreateUploadLocation, dp.CreateUploadLocationRequest(project=P, domain=D, **kwargs)
    )
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT and field in e.details()


def test_nested_relative_names_are_fine(penv):
    loc = penv.dp.CreateUploadLocation(
        dp.CreateUploadLocationRequest(project=P, domain=D, filename_root="a/b", filename="c.txt")
    )
    assert loc.native_url == f"s3://local-bucket/uploads/{P}/{D}/a/b/c.txt"
