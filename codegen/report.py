"""The change report as Markdown (for a pull request) or JSON (for tools).

One IDL change can break several rules at once (a field moved into a oneof also changes
its presence; a renamed field also changes its JSON name): the findings on the same
member of the same type are one *event*, one Markdown line naming all its rules
(``FIELD_SAME_ONEOF + FIELD_SAME_PRESENCE``), and the summary counts events.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from .changes import Change
from .rules import SECTIONS
from .typediff import users_text

Event = list[Change]  # the findings of one IDL change, in report order
# Within an event, the rule that names the cause comes first (a field moved into a oneof,
# and so its presence changed; renamed, and so its JSON name changed).
_CAUSES = ("FIELD_SAME_ONEOF", "FIELD_SAME_NAME", "FIELD_SAME_TYPE", "FIELD_SAME_CARDINALITY")

LEGEND = (
    "**breaking**: existing client code, its expectations, or peers on the wire may stop "
    "working; compatible: they keep working. Each line is one change and names its rules "
    '(`codegen/rules.py`, README "Reviewing a generated diff"); a change that breaks '
    "several rules names them all (`A + B`)."
)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def release(manifest: Mapping[str, Any]) -> str:
    """How the report names a side: its release (``codegen.diff.name_release``)."""
    return str(manifest.get("release") or manifest.get("flyteidl") or "?")


def events(changes: Sequence[Change]) -> list[Event]:
    """``changes`` in report order, those on the same member (field or enum value, by
    number) of the same type grouped into one event."""
    grouped: dict[tuple[Any, ...], Event] = {}
    for c in ordered(changes):
        key: tuple[Any, ...] = (
            (c.section, c.subject, c.member, c.number)
            if c.section == "types" and (c.member is not None or c.number is not None)
            else (id(c),)
        )
        grouped.setdefault(key, []).append(c)
    for event in grouped.values():
        event.sort(key=lambda c: _CAUSES.index(c.rule_id) if c.rule_id in _CAUSES else len(_CAUSES))
    return sorted(grouped.values(), key=lambda e: (_section_index(e[0]), not _breaking(e)))


def _breaking(event: Event) -> bool:
    return any(c.breaking for c in event)


def _section_index(change: Change) -> int:
    return [key for key, _ in SECTIONS].index(change.section)


def summary(old: Mapping[str, Any], new: Mapping[str, Any], changes: Sequence[Change]) -> str:
    """The report's first line; counts are of events (see the module docstring)."""
    grouped = events(changes)

    def sized(section: str, word: str) -> str:
        these = [e for e in grouped if e[0].section == section]
        return f"{_plural(len(these), word)} ({sum(_breaking(e) for e in these)} breaking)"

    added = sum(c.rule_id == "RPC_ADDED" for c in changes)
    removed = sum(c.rule_id == "RPC_NO_DELETE" for c in changes)
    total = sum(_breaking(e) for e in grouped)
    return (
        f"flyteidl {release(old)} → {release(new)}: "
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
    """One finding's line (an event of one rule)."""
    return event_line([change])


def event_line(event: Event) -> str:
    """An event's line: its rules joined by ``+``, the first finding's text, then what the
    others add (their text after the member they share)."""
    first = event[0]
    flag = "**breaking**" if _breaking(event) else "compatible"
    texts = [first.text]
    lead = " ".join(first.text.split()[:3]) + " "
    for c in event[1:]:
        texts.append(c.text[len(lead) :] if c.text.startswith(lead) else c.text)
    rules = " + ".join(c.rule_id for c in event)
    users = users_text(first.users)
    return f"- {flag} {rules}: `{first.subject}` {'; '.join(texts)}" + (
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
    grouped = events(changes)
    for key, heading in SECTIONS:
        section = [event_line(e) for e in grouped if e[0].section == key]
        if section:
            lines += ["", f"## {heading}", "", *section]
    return "\n".join(lines) + "\n"


def as_json(old: Mapping[str, Any], new: Mapping[str, Any], changes: Sequence[Change]) -> str:
    """The same report as one JSON document."""
    grouped = events(changes)
    body = {
        "old": release(old),
        "new": release(new),
        "summary": summary(old, new, changes),
        "breaking": sum(c.breaking for c in changes),
        "breaking_events": sum(_breaking(e) for e in grouped),
        "notes": notes(old, new),
        "changes": [c.to_json() for c in ordered(changes)],
        "events": [
            {
                "rules": [c.rule_id for c in e],
                "breaking": _breaking(e),
                "subject": e[0].subject,
                "member": e[0].member,
                "number": e[0].number,
                "line": event_line(e),
            }
            for e in grouped
        ],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
