"""The change report as Markdown (for a pull request) or JSON (for tools)."""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from .changes import Change
from .rules import SECTIONS
from .typediff import users_text

LEGEND = (
    "**breaking**: existing client code, its expectations, or peers on the wire may stop "
    "working; compatible: they keep working. Each line names its rule "
    '(`codegen/rules.py`, README "Reviewing a generated diff").'
)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(old: Mapping[str, Any], new: Mapping[str, Any], changes: Sequence[Change]) -> str:
    """The report's first line."""

    def count(section: str) -> str:
        these = [c for c in changes if c.section == section]
        return f"({sum(c.breaking for c in these)} breaking)"

    def sized(section: str, word: str) -> str:
        return f"{_plural(sum(c.section == section for c in changes), word)} {count(section)}"

    added = sum(c.rule_id == "RPC_ADDED" for c in changes)
    removed = sum(c.rule_id == "RPC_NO_DELETE" for c in changes)
    total = sum(c.breaking for c in changes)
    return (
        f"flyteidl {old.get('flyteidl', '?')} → {new.get('flyteidl', '?')}: "
        f"{_plural(added, 'RPC')} added, {removed} removed, "
        f"{sized('signatures', 'signature change')}, "
        f"{sized('types', 'message/enum change')}, "
        f"{sized('behaviour', 'route/retry change')} — "
        + (f"**{_plural(total, 'breaking change')}**" if total else "no breaking changes")
    )


def notes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Caveats about what could be compared."""
    out = []
    for side, manifest in (("OLD", old), ("NEW", new)):
        if manifest.get("partial"):
            out.append(
                f"{side} is a manifest written before nested messages and enums were recorded: "
                "only the top-level fields of requests and responses are compared."
            )
    return out


def ordered(changes: Sequence[Change]) -> list[Change]:
    """Report order: by section, breaking lines first, otherwise as found."""
    index = {key: i for i, (key, _) in enumerate(SECTIONS)}
    return sorted(changes, key=lambda c: (index[c.section], not c.breaking))


def line(change: Change) -> str:
    flag = "**breaking**" if change.breaking else "compatible"
    users = users_text(change.users)
    return f"- {flag} {change.rule_id}: `{change.subject}` {change.text}" + (
        f" ({users})" if users else ""
    )


def markdown(old: Mapping[str, Any], new: Mapping[str, Any], changes: Sequence[Change]) -> str:
    """Summary line, notes, legend, then one section per kind of change."""
    lines = [summary(old, new, changes), ""]
    for note in notes(old, new):
        lines += [f"> {note}", ""]
    if not changes:
        lines.append("No change to the client surface.")
        return "\n".join(lines) + "\n"
    lines.append(LEGEND)
    these = ordered(changes)
    for key, heading in SECTIONS:
        section = [line(c) for c in these if c.section == key]
        if section:
            lines += ["", f"## {heading}", "", *section]
    return "\n".join(lines) + "\n"


def as_json(old: Mapping[str, Any], new: Mapping[str, Any], changes: Sequence[Change]) -> str:
    """The same report as one JSON document."""
    body = {
        "old": old.get("flyteidl"),
        "new": new.get("flyteidl"),
        "summary": summary(old, new, changes),
        "breaking": sum(c.breaking for c in changes),
        "notes": notes(old, new),
        "changes": [c.to_json() for c in ordered(changes)],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
