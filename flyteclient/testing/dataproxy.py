"""flyteidl.service.DataProxyService backed by the local signed-URL blob store."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any, Optional, Tuple

import grpc
from flyteidl.service import dataproxy_pb2 as dp
from flyteidl.service import dataproxy_pb2_grpc
from google.protobuf import timestamp_pb2

from .blobstore_http import BlobStore
from .common import Base, node_key, require
from .errors import already_exists, invalid, not_found, service
from .store import Store

MAX_EXPIRES_SECONDS = 3600
UPLOAD_PREFIX = "uploads"


def _fmt_duration(seconds: float) -> str:
    s = int(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:
        return f"{h}h{m}m{sec}s"
    if m:
        return f"{m}m{sec}s"
    return f"{seconds:g}s"


def _check_relative(name: str, value: str) -> None:
    """``value`` must stay inside the upload prefix: no absolute path, no ``..`` or
    empty segment, no backslash or control character (INVALID_ARGUMENT otherwise)."""
    if not value:
        return
    segments = value.split("/")
    if (
        value.startswith("/")
        or "\\" in value
        or any(s in ("", ".", "..") for s in segments)
        or any(ord(c) < 0x20 or c == "\x7f" for c in value)
    ):
        raise invalid(
            f"{name} [{value}] must be a relative path without '.', '..' or empty segments, "
            "backslashes or control characters"
        )


@service(dp.DESCRIPTOR.services_by_name["DataProxyService"])
class DataProxyServicer(Base, dataproxy_pb2_grpc.DataProxyServiceServicer):
    """Upload/download locations, deck links and flyte:// data lookups."""

    def __init__(
        self, store: Store, domains: tuple, blobs: BlobStore, max_expires: int = MAX_EXPIRES_SECONDS
    ) -> None:
        self.store = store
        self.domains = domains
        self.blobs = blobs
        self.max_expires = max_expires

    def _expiry(self, request: Any) -> Tuple[float, timestamp_pb2.Timestamp]:
        seconds: float = self.max_expires
        if request.HasField("expires_in"):
            req = request.expires_in.seconds + request.expires_in.nanos / 1e9
            if req > self.max_expires:
                raise invalid(
                    f"expiresIn [{_fmt_duration(req)}] cannot exceed max allowed expiration "
                    f"[{_fmt_duration(self.max_expires)}]"
                )
            if req > 0:
                seconds = req
        at = time.time() + seconds
        ts = timestamp_pb2.Timestamp()
        ts.FromNanoseconds(int(at * 1e9))
        return at, ts

    def CreateUploadLocation(
        self, request: dp.CreateUploadLocationRequest, context: grpc.ServicerContext
    ) -> dp.CreateUploadLocationResponse:
        if not request.project or not request.domain:
            raise invalid("project and domain are required parameters")
        if not request.content_md5 and not request.filename_root:
            raise invalid("content_md5 or filename_root is a required parameter")
        for name in ("filename_root", "filename"):
            _check_relative(name, getattr(request, name))
        at, ts = self._expiry(request)
        md5_b64 = base64.b64encode(request.content_md5).decode() if request.content_md5 else ""
        root = request.filename_root or base64.b32encode(request.content_md5).decode().rstrip("=")
        filename = request.filename or secrets.token_hex(10)
        parts = [UPLOAD_PREFIX, request.org, request.project, request.domain, root, filename]
        key = "/".join(p for p in parts if p)
        if request.filename and request.filename_root:
            existing = self.blobs.get(key)
            if existing is not None and (
                not request.content_md5 or hashlib.md5(existing).digest() != request.content_md5
            ):
                raise already_exists(
                    f"file already exists at location [{self.blobs.native_url(key)}], "
                    "specify a matching hash if you wish to rewrite"
                )
        resp = dp.CreateUploadLocationResponse(
            signed_url=self.blobs.sign("PUT", key, at, md5_b64),
            native_url=self.blobs.native_url(key),
            expires_at=ts,
        )
        if request.content_md5 and request.add_content_md5_metadata:
            resp.headers["Content-MD5"] = md5_b64
        return resp

    def CreateDownloadLocation(
        self, request: dp.CreateDownloadLocationRequest, context: grpc.ServicerContext
    ) -> dp.CreateDownloadLocationResponse:
        require(request.native_url, "native_url")
        at, ts = self._expiry(request)
        key = self.blobs.key_of(request.native_url)
        if key is None:
            raise invalid(
                f"native_url [{request.native_url}] is not in bucket [{self.blobs.bucket}]"
            )
        return dp.CreateDownloadLocationResponse(
            signed_url=self.blobs.sign("GET", key, at), expires_at=ts
        )

    def _signed_get(self, uri: str, at: float) -> str:
        key = self.blobs.key_of(uri)
        return self.blobs.sign("GET", key, at) if key is not None else uri

    def CreateDownloadLink(
        self, request: dp.CreateDownloadLinkRequest, context: grpc.ServicerContext
    ) -> dp.CreateDownloadLinkResponse:
        if request.artifact_type != dp.ARTIFACT_TYPE_DECK:
            raise invalid(
                f"invalid artifact type [{dp.ArtifactType.Name(request.artifact_type) if request.artifact_type in dp.ArtifactType.values() else request.artifact_type}]"
            )
        if request.WhichOneof("source") != "node_execution_id":
            raise invalid("source is required: node_execution_id must be set")
        at, ts = self._expiry(request)
        nid = request.node_execution_id
        n = self.store.get("node_execution", node_key(nid))
        if n is None:
            raise not_found(
                f"node execution [{nid.node_id}] of [{nid.execution_id.name}] not found"
            )
        if not n.closure.deck_uri:
            raise not_found(f"no deck uri found for node execution [{nid.node_id}]")
        url = self._signed_get(n.closure.deck_uri, at)
        return dp.CreateDownloadLinkResponse(
            signed_url=[url],
            expires_at=ts,
            pre_signed_urls=dp.PreSignedURLs(signed_url=[url], expires_at=ts),
        )

    def GetData(
        self, request: dp.GetDataRequest, context: grpc.ServicerContext
    ) -> dp.GetDataResponse:
        url = request.flyte_url
        if not url.startswith("flyte://"):
            raise invalid(f"failed to parse flyte url [{url}]: expected a flyte:// URI")
        parts = url[len("flyte://") :].split("/")
        if len(parts) < 6 or parts[0] != "v1":
            raise invalid(f"failed to parse flyte url [{url}]")
        project, domain, name, node_id = parts[1:5]
        rest = parts[5:]
        attempt: Optional[int] = None
        if rest and rest[0].isdigit():
            attempt = int(rest[0])
            rest = rest[1:]
        if not rest or rest[0] not in ("i", "o", "d") or len(rest) > 2:
            raise invalid(f"failed to parse flyte url [{url}]")
        kind = rest[0]
        var = rest[1] if len(rest) == 2 else ""
        nkey = ("", project, domain, name, node_id)
        n = self.store.get("node_execution", nkey)
        if n is None:
            raise not_found(f"node execution [{node_id}] of [{name}] not found")
        if kind == "d":
            if not n.closure.deck_uri:
                raise not_found(f"no deck found for node execution [{node_id}]")
            at = time.time() + self.max_expires
            ts = timestamp_pb2.Timestamp()
            ts.FromSeconds(int(at))
            return dp.GetDataResponse(
                pre_signed_urls=dp.PreSignedURLs(
                    signed_url=[self._signed_get(n.closure.deck_uri, at)], expires_at=ts
                )
            )
        suffix = "in" if kind == "i" else "out"
        data = None
        if attempt is None:
            data = self.store.get("node_data", nkey + (suffix,))
        else:
            for k, _ in self.store.items("task_execution"):
                if k[:5] == nkey and k[-1] == attempt:
                    data = self.store.get("task_data", k + (suffix,))
                    break
        if data is None:
            raise not_found(f"no {'inputs' if kind == 'i' else 'outputs'} found for [{url}]")
        if var:
            if var not in data.literals:
                raise not_found(f"variable [{var}] not found in [{url}]")
            return dp.GetDataResponse(literal=data.literals[var])
        return dp.GetDataResponse(literal_map=data)
