"""A small structural diff of two protobuf messages, for "different structure" errors."""

from __future__ import annotations

from typing import Any, List

from google.protobuf import json_format
from google.protobuf.message import Message


def _plain(msg: Message) -> Any:
    return json_format.MessageToDict(msg, preserving_proto_field_name=True)


def _walk(old: Any, new: Any, path: str, out: List[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for k in sorted(set(old) | set(new)):
            _walk(old.get(k), new.get(k), f"{path}/{k}", out)
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _walk(a, b, f"{path}/{i}", out)
        return
    if old != new:
        out.append(f"\t\t- {path or '/'}: \n\t\t\t- {old!r} \n\t\t\t+ {new!r}")


def diff_lines(old: Message, new: Message) -> List[str]:
    """One line group per changed path: ``- /path:`` then ``- old`` / ``+ new``."""
    out: List[str] = []
    _walk(_plain(old), _plain(new), "", out)
    return out
