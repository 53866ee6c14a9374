"""Names the executor derives the way flytepropeller does: node execution IDs, child execution
names and Go-style duration text (used in propeller's timeout messages)."""

from __future__ import annotations

import base64
from typing import Optional, Sequence

#: propeller's limit on a node's unique ID before it is hashed.
MAX_UNIQUE_ID_LENGTH = 20
_B32_STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32_FLYTE = "abcdefghijklmnopqrstuvwxyz123456"
_B32_TABLE = str.maketrans(_B32_STANDARD, _B32_FLYTE)


def _fnv32a(data: bytes) -> bytes:
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h.to_bytes(4, "big")


def fixed_length_id(value: str, max_length: int = MAX_UNIQUE_ID_LENGTH) -> str:
    """``value`` if short enough, else ``"f"`` + a base32 FNV-32a hash (8 characters)."""
    if len(value) <= max_length:
        return value
    encoded = base64.b32encode(_fnv32a(value.encode())).decode().rstrip("=")
    return "f" + encoded.translate(_B32_TABLE)


def join_parts(parts: Sequence[str]) -> str:
    """Parts joined with ``-``, skipping the separator while nothing has been written yet."""
    out = ""
    for i, part in enumerate(parts):
        if i > 0 and out:
            out += "-"
        out += part
    return out


def unique_node_id(parent_unique_id: Optional[str], parent_attempt: int, node_id: str) -> str:
    """A node execution's ID: ``node_id`` at the top level, ``<parent>-<attempt>-<node_id>``
    (hashed beyond 20 characters) inside a subworkflow, branch or dynamic workflow."""
    if parent_unique_id is None:
        return fixed_length_id(node_id)
    return fixed_length_id(join_parts([parent_unique_id, str(parent_attempt), node_id]))


def child_execution_name(parent_name: str, unique_id: str, attempt: int) -> str:
    """The name of the execution a launch-plan node starts (unique per node and attempt)."""
    return fixed_length_id(join_parts([parent_name, unique_id, str(attempt)]))


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String()``: ``1h2m3s``, ``1m0s``, ``1.5s``, ``500ms``."""
    nanos = int(round(seconds * 1e9))
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    nanos = abs(nanos)
    if nanos < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if nanos >= size:
                return sign + _trim(nanos / size) + unit
    hours, rem = divmod(nanos, 3600 * 1_000_000_000)
    minutes, rem = divmod(rem, 60 * 1_000_000_000)
    secs = _trim(rem / 1e9) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}"
    if minutes:
        return f"{sign}{minutes}m{secs}"
    return sign + secs


def _trim(value: float) -> str:
    text = f"{value:.9f}".rstrip("0").rstrip(".")
    return text or "0"
