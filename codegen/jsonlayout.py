"""JSON laid out for line-by-line review: one record per line.

``json.dumps(indent=2)`` puts every scalar on a line of its own, so a field's number,
name and type land on separate lines and a diff shows fragments. Here a container whose
items are all scalars (or lists of them) is written on one line -- a field, an RPC's
method names, a reserved block -- and everything else is indented as usual. Keys keep
the order the caller built (the manifest sorts what it builds), except that the keys in
``expand`` always get one line per item (an enum's values).
"""

from __future__ import annotations

import json
from typing import Any, Collection

INDENT = "  "


def _flat(value: Any) -> bool:
    if isinstance(value, list):
        return all(_flat(v) for v in value)
    return not isinstance(value, dict)


def _inline(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def dumps(value: Any, expand: Collection[str] = ()) -> str:
    """``value`` as JSON text ending in a newline."""
    lines: list[str] = []

    def emit(prefix: str, v: Any, depth: int, key: str | None, last: bool) -> None:
        comma = "" if last else ","
        pad = INDENT * depth
        items = (
            list(v.items())
            if isinstance(v, dict)
            else list(enumerate(v))
            if isinstance(v, list)
            else None
        )
        if items is None or not items or (key not in expand and _flat(list(dict(items).values()))):
            lines.append(f"{pad}{prefix}{_inline(v)}{comma}")
            return
        opener, closer = ("{", "}") if isinstance(v, dict) else ("[", "]")
        lines.append(f"{pad}{prefix}{opener}")
        for i, (k, item) in enumerate(items):
            child = f"{json.dumps(k, ensure_ascii=False)}: " if isinstance(v, dict) else ""
            emit(child, item, depth + 1, str(k), i == len(items) - 1)
        lines.append(f"{pad}{closer}{comma}")

    emit("", value, 0, None, True)
    return "\n".join(lines) + "\n"
