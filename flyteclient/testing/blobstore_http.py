"""An S3-like object store served over loopback HTTP with HMAC-signed URLs.

Objects live in the :class:`~flyteclient.testing.store.Store` (``blob`` table,
key = ``"<bucket>/<key>"``).  Signed URLs carry ``X-Method``, ``X-Expires``,
optionally ``X-Md5`` (the expected base64 md5) and ``X-Signature`` =
HMAC-SHA256(secret, method, path, expiry, md5).  PUT uploads, GET downloads;
an expired or tampered URL gets 403 before any of the body is read, a body that
does not match the ``Content-MD5`` header (or the signed md5) gets 400. Body size
and ``Content-Length`` rules are the HTTP server's (see :mod:`.http_server`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
import urllib.parse
from typing import Dict, Optional, Tuple

from .http_server import HttpServer, Request, Response
from .store import Store

BUCKET = "local-bucket"


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


class BlobStore:
    """Signed-URL object store bound to an :class:`HttpServer`."""

    def __init__(
        self, store: Store, http: HttpServer, bucket: str = BUCKET, secret: Optional[bytes] = None
    ) -> None:
        self.store = store
        self.http = http
        self.bucket = bucket
        self._secret = secret or os.urandom(32)
        http.route(f"/{bucket}/", self._handle)

    # -- objects --------------------------------------------------------------
    def native_url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def key_of(self, native_url: str) -> Optional[str]:
        """The object key of an ``s3://<bucket>/...`` URL in this store, else ``None``."""
        prefix = f"s3://{self.bucket}/"
        return native_url[len(prefix) :] if native_url.startswith(prefix) else None

    def get(self, key: str) -> Optional[bytes]:
        v = self.store.get("blob", (f"{self.bucket}/{key}",))
        return v

    def put(self, key: str, data: bytes) -> None:
        self.store.put("blob", (f"{self.bucket}/{key}",), bytes(data))

    def exists(self, key: str) -> bool:
        return self.store.has("blob", (f"{self.bucket}/{key}",))

    # -- signing --------------------------------------------------------------
    def _signature(self, method: str, path: str, expires: int, md5: str) -> str:
        msg = f"{method}\n{path}\n{expires}\n{md5}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()

    def sign(self, method: str, key: str, expires_at: float, content_md5_b64: str = "") -> str:
        """A URL allowing ``method`` on ``key`` until ``expires_at`` (unix seconds)."""
        path = f"/{self.bucket}/{key}"
        expires = int(expires_at)
        q: Dict[str, str] = {"X-Method": method, "X-Expires": str(expires)}
        if content_md5_b64:
            q["X-Md5"] = content_md5_b64
        q["X-Signature"] = self._signature(method, path, expires, content_md5_b64)
        return f"{self.http.base_url}{urllib.parse.quote(path)}?{urllib.parse.urlencode(q)}"

    def _verify(self, req: Request) -> Optional[Response]:
        q = req.query
        method = "GET" if req.method == "HEAD" else req.method
        try:
            expires = int(q["X-Expires"])
            sig = q["X-Signature"]
            signed_method = q["X-Method"]
        except (KeyError, ValueError):
            return _err(403, "AccessDenied", "missing or malformed signature")
        expected = self._signature(signed_method, req.path, expires, q.get("X-Md5", ""))
        if not hmac.compare_digest(expected, sig) or signed_method != method:
            return _err(403, "SignatureDoesNotMatch", "signature does not match")
        if time.time() > expires:
            return _err(403, "AccessDenied", "Request has expired")
        return None

    # -- HTTP -----------------------------------------------------------------
    def _handle(self, req: Request) -> Response:
        denied = self._verify(req)  # before a single body byte is read
        if denied is not None:
            return denied
        key = req.path[len(f"/{self.bucket}/") :]
        if req.method == "PUT":
            digest = md5_b64(req.body)
            header = req.headers.get("content-md5")
            if header is not None and header.strip() != digest:
                return _err(
                    400,
                    "BadDigest",
                    "The Content-MD5 you specified did not match what we received.",
                )
            signed = req.query.get("X-Md5", "")
            if signed and signed != digest:
                return _err(
                    400, "BadDigest", "The uploaded content does not match the signed Content-MD5."
                )
            self.put(key, req.body)
            return 200, {"ETag": f'"{hashlib.md5(req.body).hexdigest()}"'}, b""
        if req.method in ("GET", "HEAD"):
            data = self.get(key)
            if data is None:
                return _err(404, "NoSuchKey", "The specified key does not exist.")
            return (
                200,
                {
                    "Content-Type": "application/octet-stream",
                    "ETag": f'"{hashlib.md5(data).hexdigest()}"',
                },
                data,
            )
        return _err(405, "MethodNotAllowed", "method not allowed")


def _err(status: int, code: str, message: str) -> Tuple[int, Dict[str, str], bytes]:
    body = f'<?xml version="1.0"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'.encode()
    return status, {"Content-Type": "application/xml"}, body
