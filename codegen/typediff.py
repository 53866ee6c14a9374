"""Messages and enums: how the types the RPCs reach changed between two manifests.

Fields are matched by number and enum values by number, as on the wire; a field or
value that kept its name under another number is one ``*_SAME_NUMBER`` finding rather
than a deletion plus an addition. Rules: ``codegen/rules.py``. A manifest written before
nested types were recorded (format 1) only has the top-level fields of requests and
responses, marked ``partial``: then only names, numbers, types and labels are compared,
and types are never reported as added or removed.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence

from .changes import Change

Record = Mapping[str, Any]
SERVICE_PREFIX = "flyteidl.service."
MAX_USERS = 3  # RPCs named per changed type before "+N more"


def short_service(name: str) -> str:
    return name[len(SERVICE_PREFIX) :] if name.startswith(SERVICE_PREFIX) else name


# -- which RPCs reach a type ----------------------------------------------------------


def referenced_types(message: Record) -> Iterator[str]:
    """The message and enum full names a message's fields name (map values included)."""
    for field in (message.get("fields") or {}).values():
        kind, type_ = field.get("kind"), str(field.get("type", ""))
        if kind == "map" or type_.startswith("map<"):
            type_ = type_[4:-1].split(", ", 1)[-1]
        if kind != "scalar" and "." in type_:
            yield type_


def reached_from(manifest: Mapping[str, Any]) -> dict[str, list[str]]:
    """Type full name -> the RPCs whose request or response reaches it, in RPC order."""
    messages = manifest.get("messages") or {}
    closures: dict[str, list[str]] = {}

    def closure(root: str) -> list[str]:
        if root not in closures:
            seen, queue = {root}, deque([root])
            while queue:
                for t in referenced_types(messages.get(queue.popleft()) or {}):
                    if t not in seen:
                        seen.add(t)
                        queue.append(t)
            closures[root] = sorted(seen)
        return closures[root]

    users: dict[str, list[str]] = {}
    for service, body in sorted((manifest.get("services") or {}).items()):
        for name, rpc in sorted((body.get("rpcs") or {}).items()):
            for side in ("request", "response"):
                for t in closure(str(rpc.get(side))):
                    users.setdefault(t, []).append(f"{short_service(service)}.{name} {side}")
    return users


def users_text(users: Sequence[str]) -> str:
    if not users:
        return ""
    shown = ", ".join(f"`{u.split()[0]}` {u.split()[1]}" for u in users[:MAX_USERS])
    more = len(users) - MAX_USERS
    return f"reached from {shown}" + (f" +{more} more" if more > 0 else "")


# -- comparing ------------------------------------------------------------------------


class _Findings:
    """Collects the changes of one type, each tagged with the RPCs that reach it."""

    def __init__(self, subject: str, users: Sequence[str]) -> None:
        self.subject, self.users = subject, tuple(users)
        self.changes: list[Change] = []

    def add(
        self, rule: str, text: str, member: Optional[str] = None, number: Optional[int] = None
    ) -> None:
        self.changes.append(Change(rule, self.subject, text, member, number, self.users))


def compare_types(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every message and enum change from ``old`` to ``new``, sorted by type name."""
    partial = bool(old.get("partial") or new.get("partial"))
    users = {**reached_from(old), **reached_from(new)}
    changes: list[Change] = []
    for kind in ("messages", "enums"):
        before, after = old.get(kind) or {}, new.get(kind) or {}
        for name in sorted(before.keys() | after.keys()):
            found = _Findings(name, users.get(name, []))
            o, n = before.get(name), after.get(name)
            if o is None or n is None:
                if not partial:
                    _added_or_removed(found, kind, o is None, n if o is None else o)
            elif kind == "messages":
                _message(found, o, n)
            else:
                _enum(found, o, n)
            changes.extend(found.changes)
    return changes


def _added_or_removed(found: _Findings, kind: str, added: bool, record: Any) -> None:
    what = "message" if kind == "messages" else "enum"
    where = f"in `{record.get('file')}`"
    if added:
        found.add(f"{what.upper()}_ADDED", f"{what} added {where}")
    else:
        found.add(
            f"{what.upper()}_NO_DELETE",
            f"{what} {where} no longer reachable (deleted, renamed or no longer referenced)",
        )


def _common(found: _Findings, o: Record, n: Record, what: str) -> None:
    if o.get("file") and n.get("file") and o["file"] != n["file"]:
        found.add(
            "TYPE_SAME_FILE",
            f"{what} moved from `{o['file']}` to `{n['file']}` (another `_pb2` module)",
        )
    partial = o.get("partial") or n.get("partial")
    if not partial and bool(o.get("deprecated")) != bool(n.get("deprecated")):
        found.add(
            "DEPRECATION",
            f"{what} {'deprecated' if n.get('deprecated') else 'no longer deprecated'}",
        )


# -- messages -------------------------------------------------------------------------


def _fields(message: Record) -> dict[int, Record]:
    return {int(number): f for number, f in (message.get("fields") or {}).items()}


def _field_label(number: int, field: Record) -> str:
    return f"field {number} `{field.get('name')}`"


def _message(found: _Findings, o: Record, n: Record) -> None:
    _common(found, o, n, "message")
    before, after = _fields(o), _fields(n)
    by_name = {f.get("name"): number for number, f in after.items()}
    moved: set[int] = set()
    for number in sorted(before):
        field = before[number]
        if number in after:
            _field(
                found,
                number,
                field,
                after[number],
                partial=bool(o.get("partial") or n.get("partial")),
            )
            continue
        target = by_name.get(field.get("name"))
        if target is not None and target not in before:
            moved.add(target)
            text = (
                f"{_field_label(number, field)} `{_type_text(field)}` deleted and re-added as "
                f"field {target} `{_type_text(after[target])}` (renumbered)"
            )
            found.add("FIELD_SAME_NUMBER", text, field.get("name"), number)
        else:
            _deleted_field(found, number, field, n)
    for number in sorted(set(after) - set(before) - moved):
        field = after[number]
        text = f"{_field_label(number, field)} `{_type_text(field)}` added"
        rule = "MESSAGE_SAME_REQUIRED_FIELDS" if field.get("label") == "required" else "FIELD_ADDED"
        found.add(rule, text, field.get("name"), number)
    _reserved(found, o, n, "RESERVED_MESSAGE_NO_DELETE")


def _type_text(field: Record) -> str:
    label = field.get("label")
    prefix = f"{label} " if label in ("repeated", "required") else ""
    return f"{prefix}{field.get('type')}"


def _deleted_field(found: _Findings, number: int, field: Record, new: Record) -> None:
    name = field.get("name")
    number_reserved = reserves_number(new, number)
    name_reserved = name in ((new.get("reserved") or {}).get("names") or [])
    label = f"{_field_label(number, field)} `{_type_text(field)}`"
    if number_reserved and name_reserved:
        found.add(
            "FIELD_DELETED_RESERVED", f"{label} deleted, number and name reserved", name, number
        )
        return
    missing = " and ".join(
        w for w, done in (("number", number_reserved), ("name", name_reserved)) if not done
    )
    found.add("FIELD_NO_DELETE", f"{label} deleted without reserving its {missing}", name, number)


# Attribute -> rule and how it reads. Absent keys mean: not in a oneof, no default, not
# deprecated. Presence is compared only between singular fields of the same label.
_FIELD_RULES = (
    ("name", "FIELD_SAME_NAME", "renamed"),
    ("json_name", "FIELD_SAME_JSON_NAME", "JSON name"),
    ("type", "FIELD_SAME_TYPE", "type"),
    ("label", "FIELD_SAME_CARDINALITY", "label"),
    ("presence", "FIELD_SAME_PRESENCE", "presence"),
    ("oneof", "FIELD_SAME_ONEOF", "oneof"),
    ("default", "FIELD_SAME_DEFAULT", "default"),
)
_PARTIAL = ("name", "type", "label")  # what a format-1 manifest records


def _field(found: _Findings, number: int, o: Record, n: Record, partial: bool) -> None:
    label = _field_label(number, n)
    for key, rule, what in _FIELD_RULES:
        if partial and key not in _PARTIAL:
            continue
        before, after = o.get(key), n.get(key)
        if before == after:
            continue
        if key == "presence" and o.get("label") != n.get("label"):
            continue  # the label change says it
        if key == "type" and partial and "map" in (o.get("label"), n.get("label")):
            continue  # format 1 names a map by its entry message
        if key == "name":
            text = f"field {number} renamed `{before}` → `{after}`"
        elif key == "oneof":
            text = _oneof_text(label, before, after)
        else:
            text = f"{label} {what} `{before}` → `{after}`"
        found.add(rule, text, str(n.get("name")), number)
    if not partial and bool(o.get("deprecated")) != bool(n.get("deprecated")):
        state = "deprecated" if n.get("deprecated") else "no longer deprecated"
        found.add("DEPRECATION", f"{label} {state}", str(n.get("name")), number)


def _oneof_text(label: str, before: Optional[str], after: Optional[str]) -> str:
    if before is None:
        return f"{label} moved into oneof `{after}`"
    if after is None:
        return f"{label} moved out of oneof `{before}`"
    return f"{label} moved from oneof `{before}` to `{after}`"


# -- enums ----------------------------------------------------------------------------


def _by_number(values: Mapping[str, int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for name, number in values.items():
        out.setdefault(int(number), []).append(name)
    return out


def _enum(found: _Findings, o: Record, n: Record) -> None:
    _common(found, o, n, "enum")
    if bool(o.get("closed")) != bool(n.get("closed")):
        state = "closed" if n.get("closed") else "open"
        found.add(
            "ENUM_SAME_TYPE",
            f"enum is now {state} (unknown values are {'dropped' if state == 'closed' else 'kept'})",
        )
    old_values, new_values = o.get("values") or {}, n.get("values") or {}
    before, after = _by_number(old_values), _by_number(new_values)
    moved: set[int] = set()
    for number in sorted(before):
        for name in before[number]:
            if number in after:
                if name not in after[number]:
                    text = f"value {number} renamed `{name}` → `{'`, `'.join(after[number])}`"
                    found.add("ENUM_VALUE_SAME_NAME", text, name, number)
                continue
            if name in new_values:
                moved.add(int(new_values[name]))
                text = f"value {number} `{name}` deleted and re-added as {new_values[name]} (renumbered)"
                found.add("ENUM_VALUE_SAME_NUMBER", text, name, number)
            elif reserves_number(n, number) and name in (
                (n.get("reserved") or {}).get("names") or []
            ):
                found.add(
                    "ENUM_VALUE_DELETED_RESERVED",
                    f"value {number} `{name}` deleted, number and name reserved",
                    name,
                    number,
                )
            else:
                found.add("ENUM_VALUE_NO_DELETE", f"value {number} `{name}` deleted", name, number)
    for number in sorted(set(after) - set(before) - moved):
        for name in after[number]:
            found.add("ENUM_VALUE_ADDED", f"value {number} `{name}` added", name, number)
    old_dep, new_dep = set(o.get("deprecated_values") or ()), set(n.get("deprecated_values") or ())
    for name in sorted((old_dep ^ new_dep) & set(new_values)):
        state = "deprecated" if name in new_dep else "no longer deprecated"
        found.add(
            "DEPRECATION", f"value {new_values[name]} `{name}` {state}", name, int(new_values[name])
        )
    _reserved(found, o, n, "RESERVED_ENUM_NO_DELETE")


# -- reserved numbers and names -------------------------------------------------------


def _ranges(record: Record) -> list[tuple[int, int]]:
    return sorted(
        (int(a), int(b)) for a, b in ((record.get("reserved") or {}).get("numbers") or [])
    )


def reserves_number(record: Record, number: int) -> bool:
    return any(a <= number <= b for a, b in _ranges(record))


def uncovered(
    ranges: Iterable[tuple[int, int]], cover: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The parts of ``ranges`` (inclusive) that no range of ``cover`` contains."""
    out = []
    for lo, hi in ranges:
        for a, b in sorted(cover):
            if b < lo or a > hi:
                continue
            if a > lo:
                out.append((lo, a - 1))
            lo = max(lo, b + 1)
            if lo > hi:
                break
        if lo <= hi:
            out.append((lo, hi))
    return out


def _ranges_text(ranges: Sequence[tuple[int, int]]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def _reserved(found: _Findings, o: Record, n: Record, released_rule: str) -> None:
    if o.get("partial") or n.get("partial"):
        return
    before, after = _ranges(o), _ranges(n)
    old_names = set((o.get("reserved") or {}).get("names") or ())
    new_names = set((n.get("reserved") or {}).get("names") or ())
    released, added = uncovered(before, after), uncovered(after, before)
    if released:
        found.add(released_rule, f"reserved numbers {_ranges_text(released)} released")
    for name in sorted(old_names - new_names):
        found.add(released_rule, f"reserved name `{name}` released", name)
    if added:
        found.add("RESERVED_ADDED", f"numbers {_ranges_text(added)} reserved")
    for name in sorted(new_names - old_names):
        found.add("RESERVED_ADDED", f"name `{name}` reserved", name)
