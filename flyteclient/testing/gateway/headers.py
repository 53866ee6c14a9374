"""HTTP headers <-> gRPC metadata, as flyteadmin's gateway maps them, and Go's path cleaning.

Incoming (grpc-gateway v2 ``annotateContext`` with flyteadmin's ``GetCustomHeaderMatcher``
and its ``GetHTTPRequestCookieToMetadataHandler``): ``Authorization`` passes as
``authorization`` (and ``grpcgateway-authorization``); the configured HTTP authorization
header (flyteadmin's ``httpAuthorizationHeader``, ``flyte-authorization`` by default) is
added as ``authorization`` too, after it; the other permanent HTTP headers (``Accept``,
``Content-Type``, ``Cookie``, ``User-Agent`` ...) as ``grpcgateway-<name>``;
``Grpc-Metadata-<key>`` as ``<key>`` (``-bin`` values base64-decoded); ``X-Request-Id`` as
is; ``x-forwarded-host`` and ``x-forwarded-for`` are added; anything else is dropped.
``Grpc-Timeout`` (``<n><H|M|S|m|u|n>``) sets the call's deadline.

Outgoing: header metadata the servicer sends becomes ``Grpc-Metadata-<key>`` headers
(trailers are not forwarded: they need ``TE: trailers`` and chunked HTTP/1.1).
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
import urllib.parse
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

PERMANENT_HEADERS = frozenset(
    h.lower()
    for h in (
        "Accept",
        "Accept-Charset",
        "Accept-Language",
        "Accept-Ranges",
        "Authorization",
        "Cache-Control",
        "Content-Type",
        "Cookie",
        "Date",
        "Expect",
        "From",
        "Host",
        "If-Match",
        "If-Modified-Since",
        "If-None-Match",
        "If-Schedule-Tag-Match",
        "If-Unmodified-Since",
        "Max-Forwards",
        "Origin",
        "Pragma",
        "Referer",
        "User-Agent",
        "Via",
        "Warning",
    )
)
METADATA_PREFIX = "grpc-metadata-"
#: flyteadmin's default ``httpAuthorizationHeader`` (and the key it advertises to clients)
DEFAULT_HTTP_AUTHORIZATION_HEADER = "flyte-authorization"
_TIMEOUT_UNITS = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}
_VALID_KEY = re.compile(r"[0-9a-z_.\-]+\Z")


class HeaderError(ValueError):
    """A header the gateway refuses (INVALID_ARGUMENT)."""


def incoming_metadata(
    headers: Mapping[str, str],
    client_ip: Optional[str],
    authorization_header: str = DEFAULT_HTTP_AUTHORIZATION_HEADER,
) -> List[Tuple[str, Any]]:
    """gRPC metadata for a request's ``headers`` (lower-case names); the value of the
    ``authorization_header`` HTTP header goes as ``authorization`` metadata."""
    pairs: List[Tuple[str, Any]] = []
    for key, value in headers.items():
        if key in ("x-forwarded-for", "x-forwarded-host"):
            continue
        if key == "authorization":
            pairs.append(("authorization", value))
        name = _match(key)
        if name is None or not _VALID_KEY.match(name):
            continue
        if key.endswith("-bin"):
            try:
                pairs.append((name, _decode_bin(value)))
            except (binascii.Error, ValueError) as exc:
                raise HeaderError(f"invalid binary header {key}: {exc}") from None
        else:
            pairs.append((name, value))
    host = headers.get("x-forwarded-host") or headers.get("host")
    if host:
        pairs.append(("x-forwarded-host", host))
    forwarded = [v for v in (headers.get("x-forwarded-for"), client_ip) if v]
    if forwarded:
        pairs.append(("x-forwarded-for", ", ".join(forwarded)))
    custom = authorization_header.lower()
    if custom and custom != "authorization" and custom in headers:
        pairs.append(("authorization", headers[custom]))
    return pairs


def _match(key: str) -> Optional[str]:
    if key == "x-request-id":
        return key
    if key in PERMANENT_HEADERS:
        return "grpcgateway-" + key
    if key.startswith(METADATA_PREFIX):
        return key[len(METADATA_PREFIX) :]
    return None


def _decode_bin(value: str) -> bytes:
    """grpc-gateway's ``decodeBinHeader``: standard base64, padded or not."""
    return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)


def deadline_seconds(value: Optional[str]) -> Optional[float]:
    """Seconds of a ``Grpc-Timeout`` header value (``None`` without one)."""
    if value is None:
        return None
    unit = _TIMEOUT_UNITS.get(value[-1:]) if len(value) >= 2 else None
    if unit is None or not value[:-1].isdigit():
        raise HeaderError(f"invalid grpc-timeout: {value}")
    return int(value[:-1]) * unit


def outgoing_headers(metadata: Sequence[Tuple[str, Any]]) -> Dict[str, str]:
    """``Grpc-Metadata-<key>`` response headers for the header metadata a servicer sent."""
    out: Dict[str, str] = {}
    for key, value in metadata:
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        out[f"Grpc-Metadata-{key}"] = str(value)
    return out


def clean_path(path: str) -> str:
    """Go's ``net/http`` ``cleanPath``: ``//``, ``.`` and ``..`` segments removed, a trailing
    ``/`` kept. flyteadmin's ``http.ServeMux`` redirects (301) a request whose path is not
    clean to the cleaned one before the gateway sees it."""
    if not path:
        return "/"
    if not path.startswith("/"):
        path = "/" + path
    cleaned = "/" + posixpath.normpath(path).lstrip("/")
    if path.endswith("/") and cleaned != "/":
        cleaned += "/"
    return cleaned


def escaped_path(path: str) -> str:
    """``path`` percent-encoded as Go's ``url.URL.EscapedPath`` writes it."""
    return urllib.parse.quote(path, safe="/$&+,:;=@!'()*")
