"""Client and server of different releases: what the API's history
(:mod:`flyteclient.generated.history`) means for one call.

* :func:`annotate_unimplemented`: an UNIMPLEMENTED answer for an RPC newer than the
  oldest supported release says which flyteidl release added the RPC and that the server
  is likely older (with its release when known).
* :func:`newer_fields`: the fields a request actually sets (non-default, on the wire)
  that are newer than the oldest supported release, or than a given server release.
  Only fields the history lists are looked at, along the message paths that lead to them,
  so a request without such fields costs a few attribute reads.
* :func:`strip_fields`: clears what a given release does not know (what an older server
  does to a request it receives; LocalAdmin's emulation of older releases uses it).

The history is imported on first use: clients that never meet a newer field never load it.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .exceptions import FlyteException, FlyteVersionSkewWarning
from .methods import MethodSpec
from .release import Release, older, parse_release

#: A message's plan: per field that matters, (name, added release or None, child plan or
#: None, kind) with kind "repeated", "map", "message" or "scalar" (set when non-default).
Plan = Tuple[Tuple[str, Optional[str], Optional["PlanRef"], str], ...]


class PlanRef:
    """A message type's plan, filled after creation (message types can be recursive)."""

    __slots__ = ("plan",)

    def __init__(self) -> None:
        self.plan: Plan = ()


def history() -> Any:
    from flyteclient.generated import history as generated

    return generated


def short_rpc(method: MethodSpec) -> str:
    return f"{method.service.rpartition('.')[2]}.{method.name}"


# -- UNIMPLEMENTED ------------------------------------------------------------------------


def unimplemented_note(method: MethodSpec, server: Optional[Release]) -> Optional[str]:
    """What an UNIMPLEMENTED answer for ``method`` means, given the server's release if
    known; None for an RPC in every supported release."""
    added = method.added
    if added is None:
        return None
    rpc = short_rpc(method)
    running = f"flyteadmin {'.'.join(map(str, server))}" if server is not None else None
    if added == history().UNRELEASED:
        first = (
            f"{rpc} is not in any flyteidl release up to {history().RELEASES[-1]} (this "
            "client was generated from an unreleased IDL)"
        )
        return f"{first}; the server ({running or 'version unknown'}) likely lacks it"
    first = f"{rpc} first appeared in flyteidl {added}"
    if server is None:
        return f"{first}; the server is likely older than that (its version is unknown)"
    if older(server, added):
        return (
            f"{first}; the server runs {running}, which is older: upgrade the server to "
            f"{added} or later, or do not call {method.name}"
        )
    return (
        f"{first} and the server reports {running}, so it should have it: the RPC may be "
        "disabled there, or a proxy in between does not pass it"
    )


def annotate_unimplemented(
    error: FlyteException, method: MethodSpec, server: Optional[Release]
) -> FlyteException:
    """Add :func:`unimplemented_note` to ``error``'s message (again, with a newer
    ``server``, if it already has one) and set ``added_in`` / ``server_version``."""
    note = unimplemented_note(method, server)
    if note is None:
        return error
    fields: Dict[str, Any] = vars(error)
    original = fields.setdefault("server_message", error.message)
    error.message = f"{original} — {note}" if original else note
    error.args = (error.message,)
    fields["added_in"] = method.added
    fields["server_version"] = ".".join(map(str, server)) if server is not None else None
    return error


# -- newer fields ---------------------------------------------------------------------------

_plans: Dict[str, PlanRef] = {}
_plans_lock = threading.Lock()


def _kind(fd: Any) -> str:
    if _is_repeated(fd):
        mt = fd.message_type
        return "map" if mt is not None and mt.GetOptions().map_entry else "repeated"
    if fd.message_type is not None or fd.containing_oneof is not None:
        return "message" if fd.message_type is not None else "present"
    if getattr(fd, "has_presence", False):
        return "present"
    return "scalar"


def _is_repeated(fd: Any) -> bool:
    if hasattr(fd, "is_repeated"):
        return bool(fd.is_repeated)
    return bool(fd.label == fd.LABEL_REPEATED)


def _child(fd: Any) -> Optional[Any]:
    """The message type a field leads to (a map's value type)."""
    mt = fd.message_type
    if mt is None:
        return None
    if mt.GetOptions().map_entry:
        value = mt.fields_by_name["value"]
        return value.message_type
    return mt


def _reaching(root: Any, fields: Mapping[str, Mapping[str, str]]) -> set:
    """Message types in ``root``'s closure whose closure has a field of ``fields``."""
    edges: Dict[str, List[str]] = {}
    stack, seen = [root], {root.full_name}
    while stack:
        desc = stack.pop()
        out = edges.setdefault(desc.full_name, [])
        for fd in desc.fields:
            child = _child(fd)
            if child is not None:
                out.append(child.full_name)
                if child.full_name not in seen:
                    seen.add(child.full_name)
                    stack.append(child)
    reaching = {name for name in edges if fields.get(name)}
    changed = True
    while changed:
        changed = False
        for name, children in edges.items():
            if name not in reaching and any(c in reaching for c in children):
                reaching.add(name)
                changed = True
    return reaching


def plan_for(descriptor: Any) -> PlanRef:
    """The (cached) plan of a message type: its newer fields, and the fields leading to
    messages that have some. Plans are published once complete, so a thread never walks
    one still being built."""
    found = _plans.get(descriptor.full_name)
    if found is not None:
        return found
    with _plans_lock:
        fields = history().FIELDS
        reaching = _reaching(descriptor, fields)
        built: Dict[str, PlanRef] = {}
        pending: List[Tuple[Any, PlanRef]] = []

        def ref(desc: Any) -> PlanRef:
            existing = _plans.get(desc.full_name) or built.get(desc.full_name)
            if existing is None:
                existing = built[desc.full_name] = PlanRef()
                pending.append((desc, existing))
            return existing

        root = ref(descriptor)
        while pending:
            desc, target = pending.pop()
            own = fields.get(desc.full_name) or {}
            entries: List[Tuple[str, Optional[str], Optional[PlanRef], str]] = []
            for fd in desc.fields:
                added = own.get(fd.name)
                child = _child(fd)
                if added is not None:
                    entries.append((fd.name, added, None, _kind(fd)))
                elif child is not None and child.full_name in reaching:
                    entries.append((fd.name, None, ref(child), _kind(fd)))
            target.plan = tuple(entries)
        _plans.update(built)
        return root


def _is_set(message: Any, name: str, kind: str) -> bool:
    if kind in ("repeated", "map"):
        return len(getattr(message, name)) > 0
    if kind in ("message", "present"):
        return bool(message.HasField(name))
    return bool(getattr(message, name))


def newer_fields(
    request: Any, server: Optional[Release] = None, skip: Optional[str] = None
) -> List[Tuple[str, str]]:
    """``(Message.field, release)`` of each field ``request`` sets (directly or nested)
    that is newer than the oldest supported release, or than ``server`` when given;
    fields no newer than ``skip`` (the RPC's own release) are left out. Each field once."""
    found: Dict[str, str] = {}
    own = parse_release(skip) if skip is not None else None
    _walk(request, plan_for(request.DESCRIPTOR).plan, server, own, found, 0)
    return sorted(found.items())


_MAX_DEPTH = 100  # protobuf's own recursion limit


def _walk(
    message: Any,
    plan: Plan,
    server: Optional[Release],
    own: Optional[Release],
    found: Dict[str, str],
    depth: int,
) -> None:
    if depth > _MAX_DEPTH:
        return
    for name, added, child, kind in plan:
        if added is not None:
            if not _is_set(message, name, kind):
                continue
            if server is not None and not older(server, added):
                continue
            if own is not None and not older(own, added):
                continue
            found.setdefault(f"{message.DESCRIPTOR.full_name}.{name}", added)
            continue
        assert child is not None
        if kind == "repeated":
            for item in getattr(message, name):
                _walk(item, child.plan, server, own, found, depth + 1)
        elif kind == "map":
            values = getattr(message, name)
            for key in values:
                _walk(values[key], child.plan, server, own, found, depth + 1)
        elif message.HasField(name):
            _walk(getattr(message, name), child.plan, server, own, found, depth + 1)


def strip_fields(message: Any, release: Release) -> List[str]:
    """Clear, in place, every field set in ``message`` (nested too) that flyteidl
    ``release`` does not have, as a server of that release drops them; returns their
    names (``Message.field``)."""
    cleared: List[str] = []
    _strip(message, plan_for(message.DESCRIPTOR).plan, release, cleared, 0)
    return cleared


def _strip(message: Any, plan: Plan, release: Release, cleared: List[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    for name, added, child, kind in plan:
        if added is not None:
            if older(release, added) and _is_set(message, name, kind):
                message.ClearField(name)
                cleared.append(f"{message.DESCRIPTOR.full_name}.{name}")
            continue
        assert child is not None
        if kind == "repeated":
            for item in getattr(message, name):
                _strip(item, child.plan, release, cleared, depth + 1)
        elif kind == "map":
            values = getattr(message, name)
            for key in values:
                _strip(values[key], child.plan, release, cleared, depth + 1)
        elif message.HasField(name):
            _strip(getattr(message, name), child.plan, release, cleared, depth + 1)


def skew_warning(field: str, added: str, method: MethodSpec, server: Release) -> str:
    return (
        f"{field} (set in this {short_rpc(method)} request) was added in flyteidl {added}; "
        f"the server runs flyteadmin {'.'.join(map(str, server))}, which does not know it "
        "and drops it silently"
    )


def user_stacklevel() -> int:
    """The ``warnings.warn`` stacklevel of the first frame outside flyteclient."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("flyteclient."):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


_warned_lock = threading.Lock()


def warn_once(
    warned: set, fields: Sequence[Tuple[str, str]], method: MethodSpec, server: Release
) -> None:
    """One :class:`FlyteVersionSkewWarning` per field not in ``warned`` yet (then added)."""
    import warnings

    with _warned_lock:
        fresh = [(f, a) for f, a in fields if f not in warned]
        warned.update(f for f, _ in fresh)
    for field, added in fresh:
        warnings.warn(
            skew_warning(field, added, method, server),
            FlyteVersionSkewWarning,
            stacklevel=user_stacklevel(),
        )
