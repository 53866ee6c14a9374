"""The API's history: in which flyteidl release each RPC, message field and enum value
first appeared, and which release removed it.

Computed from the released wheels (``codegen/releases.py`` fetches them) and committed as
``codegen/history.json``, so generating, testing and CI never need the network;
``python -m codegen history --add VERSION`` (run by ``scripts/bump-idl``) rebuilds it with
one more release. The generator renders it into the client (``flyteclient/generated/
history.py``, the "added in flyteidl X" lines of the docstrings).

What is recorded: every RPC of the five services, and every message and enum that the
services' RPCs reach in any recorded release (``codegen/wire.py``), with each of their
fields and values. A type's presence in a release is read from all of that wheel's
``_pb2`` modules, so a type that became reachable late still dates from the release that
first defined it. A field is identified by its number *and* name (``"15 generates_deck"``:
a field renumbered or a number reused under another name is a new field), an enum value
the same way. ``added`` is the first recorded release that has it, ``removed`` (when
present) the first release after the last one that has it. The first recorded release is
the oldest supported server release (1.10.7): ``"added": "1.10.7"`` means "1.10.7 or
earlier".

Each release also has a digest of its wire-level API (``api_digest``) so that
``codegen diff`` can name the release of an input that carries no version (a descriptor
set, a ``.proto`` tree).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

from google.protobuf import descriptor_pb2

from .errors import CodegenError
from .jsonlayout import dumps
from .releases import is_release, release_key

HISTORY_FILE = Path(__file__).resolve().parent / "history.json"
FORMAT = 1
UNRELEASED = "unreleased"
ABOUT = (
    "The API's history, computed from the released flyteidl wheels by "
    "`python -m codegen history` (scripts/bump-idl extends it). Per RPC, message field "
    "and enum value: the first release that has it (the first release listed means that "
    "release or earlier) and the first release without it after it was removed. Fields "
    'and values are keyed "<number> <name>". Do not edit by hand.'
)

Record = dict[str, str]  # {"added": "1.12.0"} or {"added": ..., "removed": ...}


# -- one release ----------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What one release has: its RPCs (full names), the types its RPCs reach, and every
    message's fields and enum's values in all of its files (``"<number> <name>"`` keys)."""

    version: str
    rpcs: frozenset[str]
    reachable: frozenset[str]
    messages: Mapping[str, frozenset[str]]
    enums: Mapping[str, frozenset[str]]
    digest: str


def api_digest(manifest: Mapping[str, Any]) -> str:
    """A digest of a manifest's wire-level API: each RPC's request, response, streaming,
    HTTP route, idempotency and deprecation, and every reachable message and enum. The
    Python surface (which depends on this checkout's surface file) is left out, so the
    same IDL has the same digest whatever generator read it."""
    services = {
        service: {
            name: {
                k: rpc.get(k)
                for k in ("request", "response", "streaming", "http", "idempotency", "deprecated")
            }
            for name, rpc in (body.get("rpcs") or {}).items()
        }
        for service, body in (manifest.get("services") or {}).items()
    }
    wire = {
        "services": services,
        "messages": manifest.get("messages") or {},
        "enums": manifest.get("enums") or {},
    }
    text = json.dumps(wire, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _index(
    files: Iterable[descriptor_pb2.FileDescriptorProto],
) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """Every message's fields and every enum's values in ``files``, keyed by full name."""
    messages: dict[str, frozenset[str]] = {}
    enums: dict[str, frozenset[str]] = {}

    def add_enums(prefix: str, found: Iterable[Any]) -> None:
        for e in found:
            enums[prefix + e.name] = frozenset(f"{v.number} {v.name}" for v in e.value)

    def add_messages(prefix: str, found: Iterable[Any]) -> None:
        for m in found:
            name = prefix + m.name
            if not m.options.map_entry:
                messages[name] = frozenset(f"{f.number} {f.name}" for f in m.field)
            add_messages(name + ".", m.nested_type)
            add_enums(name + ".", m.enum_type)

    for f in files:
        prefix = f"{f.package}." if f.package else ""
        add_messages(prefix, f.message_type)
        add_enums(prefix, f.enum_type)
    return messages, enums


def snapshot(
    version: str, files: Sequence[descriptor_pb2.FileDescriptorProto], manifest: Mapping[str, Any]
) -> Snapshot:
    """The snapshot of a release from its files (all of them) and its manifest."""
    messages, enums = _index(files)
    # Reachable types from outside the IDL's own files (google.protobuf's well-known
    # types, taken from this environment) are indexed from the manifest.
    for name, record in manifest["messages"].items():
        if name not in messages:
            fields = record.get("fields") or {}
            messages[name] = frozenset(f"{n} {f['name']}" for n, f in fields.items())
    for name, record in manifest["enums"].items():
        if name not in enums:
            values = record.get("values") or {}
            enums[name] = frozenset(f"{n} {v}" for v, n in values.items())
    rpcs = frozenset(
        f"{service}.{name}"
        for service, body in manifest["services"].items()
        for name in body["rpcs"]
    )
    reachable = frozenset([*manifest["messages"], *manifest["enums"]])
    return Snapshot(version, rpcs, reachable, messages, enums, api_digest(manifest))


def wheel_snapshot(wheel: Path) -> Snapshot:
    """The snapshot of a flyteidl wheel (read without installing it)."""
    from .diff import idl_manifest
    from .idl import read_wheel

    idl = read_wheel(wheel)
    if not is_release(idl.version):
        raise CodegenError(f"{wheel}: not the wheel of a flyteidl release")
    return snapshot(idl.version, idl.files, idl_manifest(idl))


# -- the history ------------------------------------------------------------------------


def _span(present: Sequence[bool], releases: Sequence[str]) -> Record:
    """``added`` (first release present) and ``removed`` (the release after the last
    one present, unless that is the newest)."""
    first = present.index(True)
    last = len(present) - 1 - present[::-1].index(True)
    record = {"added": releases[first]}
    if last < len(releases) - 1:
        record["removed"] = releases[last + 1]
    return record


def build(snapshots: Sequence[Snapshot]) -> dict[str, Any]:
    """The history (the ``history.json`` document) of these releases, oldest first."""
    if not snapshots:
        raise CodegenError("no releases to build the history from")
    ordered = sorted(snapshots, key=lambda s: release_key(s.version))
    releases = [s.version for s in ordered]
    if len(set(releases)) != len(releases):
        raise CodegenError("a release is listed twice")
    rpcs = sorted({r for s in ordered for r in s.rpcs})
    universe = sorted({t for s in ordered for t in s.reachable})

    def members(kind: str, name: str) -> dict[str, Record]:
        tables = [getattr(s, kind).get(name) for s in ordered]
        keys = sorted({k for t in tables if t for k in t}, key=lambda k: (int(k.split()[0]), k))
        return {k: _span([bool(t) and k in t for t in tables], releases) for k in keys}

    messages: dict[str, Any] = {}
    enums: dict[str, Any] = {}
    for name in universe:
        kind = "messages" if any(name in s.messages for s in ordered) else "enums"
        present = [name in getattr(s, kind) for s in ordered]
        record: dict[str, Any] = _span(present, releases)
        if kind == "messages":
            record["fields"] = members("messages", name)
            messages[name] = record
        else:
            record["values"] = members("enums", name)
            enums[name] = record
    return {
        "_about": ABOUT,
        "format": FORMAT,
        "releases": {s.version: s.digest for s in ordered},
        "rpcs": {r: _span([r in s.rpcs for s in ordered], releases) for r in rpcs},
        "messages": messages,
        "enums": enums,
    }


def render(document: Mapping[str, Any]) -> str:
    """``history.json``'s text: one record per line."""
    return dumps(dict(document), expand={"releases"})


@dataclass(frozen=True)
class History:
    """The committed history (see the module docstring), read-only."""

    releases: Mapping[str, str]  # version -> API digest, oldest first
    rpcs: Mapping[str, Record]
    messages: Mapping[str, Mapping[str, Any]]
    enums: Mapping[str, Mapping[str, Any]]

    @property
    def baseline(self) -> str:
        """The oldest recorded release: the oldest supported server release."""
        return next(iter(self.releases))

    @property
    def latest(self) -> str:
        return list(self.releases)[-1]

    def releases_of(self, manifest: Mapping[str, Any]) -> tuple[str, ...]:
        """The releases whose wire-level API is exactly ``manifest``'s, oldest first
        (consecutive releases often have the same API)."""
        digest = api_digest(manifest)
        return tuple(v for v, d in self.releases.items() if d == digest)

    def field(self, message: str, number: int, name: str) -> Optional[Record]:
        return ((self.messages.get(message) or {}).get("fields") or {}).get(f"{number} {name}")

    def value(self, enum: str, number: int, name: str) -> Optional[Record]:
        return ((self.enums.get(enum) or {}).get("values") or {}).get(f"{number} {name}")


def parse(text: str, source: str = "history") -> History:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CodegenError(f"{source}: invalid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not data.get("releases"):
        raise CodegenError(f"{source}: not an API history (format {FORMAT})")
    return History(data["releases"], data["rpcs"], data["messages"], data["enums"])


def load_history(path: Path = HISTORY_FILE) -> History:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CodegenError(
            f"{path}: cannot read the API history ({exc.strerror or exc}); "
            "rebuild it with `python -m codegen history`"
        ) from exc
    return parse(text, str(path))


# -- the history of one generated client -----------------------------------------------


@dataclass(frozen=True)
class ApiHistory:
    """The history as one generated client shows it: for its RPCs, fields and enum values,
    the release that added each one when that is newer than ``baseline`` (or
    ``"unreleased"`` for what no recorded release has: a client generated from an
    unreleased IDL), and what recorded releases removed from the types it reaches."""

    baseline: str
    releases: tuple[str, ...]
    rpcs: Mapping[str, str]  # RPC full name -> release
    fields: Mapping[str, Mapping[str, str]]  # message -> field name -> release
    values: Mapping[str, Mapping[str, str]]  # enum -> value name -> release
    removed_rpcs: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    removed_fields: Mapping[str, tuple[tuple[int, str, str, str], ...]] = field(
        default_factory=dict
    )
    removed_values: Mapping[str, tuple[tuple[int, str, str, str], ...]] = field(
        default_factory=dict
    )
    newer_fields: frozenset[str] = frozenset()
    """RPCs (full names) whose request can carry a field of ``fields`` newer than the RPC
    itself (directly or nested): a server with the RPC may still lack the field."""

    def rpc_added(self, full_name: str) -> Optional[str]:
        return self.rpcs.get(full_name)

    def field_added(self, message: str, name: str) -> Optional[str]:
        return (self.fields.get(message) or {}).get(name)

    def by_release(self) -> list[tuple[str, list[str], list[str], list[str]]]:
        """Per release after the baseline (then "unreleased"): its RPCs, fields
        (``Message.field``) and enum values (``Enum.VALUE``), sorted."""
        order = [*self.releases[1:], UNRELEASED]
        out = []
        for release in order:
            rpcs = sorted(r for r, v in self.rpcs.items() if v == release)
            fields = sorted(
                f"{m}.{f}" for m, fs in self.fields.items() for f, v in fs.items() if v == release
            )
            values = sorted(
                f"{e}.{n}" for e, vs in self.values.items() for n, v in vs.items() if v == release
            )
            if rpcs or fields or values:
                out.append((release, rpcs, fields, values))
        return out


def _newer(record: Optional[Record], known: Sequence[str], baseline: str) -> Optional[str]:
    if record is None or record.get("added") not in known:
        return UNRELEASED
    added = record["added"]
    return None if added == baseline else added


def for_api(
    history: History,
    version: str,
    rpcs: Iterable[str],
    wire: Mapping[str, Mapping[str, Any]],
    manifest: Optional[Mapping[str, Any]] = None,
) -> ApiHistory:
    """The history of a client generated from flyteidl ``version`` with these RPCs (full
    names) and reachable types (``wire``: ``{"messages": ..., "enums": ...}`` as in the
    manifest). ``version`` must be a recorded release, or a label (``protos``,
    ``api.binpb``) of an IDL that is either a recorded release (found by its digest in
    ``manifest``) or unreleased."""
    releases = list(history.releases)
    if is_release(version) and version not in history.releases:
        if release_key(version) > release_key(history.latest):
            raise CodegenError(
                f"codegen/history.json ends at flyteidl {history.latest} and lacks {version}: "
                f"run `python -m codegen history --add {version}` (scripts/bump-idl does)"
            )
        raise CodegenError(
            f"flyteidl {version} is not a release codegen/history.json records "
            f"({history.baseline} .. {history.latest}); the oldest supported is {history.baseline}"
        )
    if not is_release(version) and manifest is not None:
        same = history.releases_of(manifest)
        version = same[-1] if same else version
    known = releases[: releases.index(version) + 1] if version in releases else releases
    baseline = known[0]
    new_rpcs = {}
    for rpc in sorted(rpcs):
        added = _newer(history.rpcs.get(rpc), known, baseline)
        if added is not None:
            new_rpcs[rpc] = added
    fields: dict[str, dict[str, str]] = {}
    removed_fields: dict[str, tuple[tuple[int, str, str, str], ...]] = {}
    for name, record in sorted((wire.get("messages") or {}).items()):
        for number, f in (record.get("fields") or {}).items():
            added = _newer(history.field(name, int(number), f["name"]), known, baseline)
            if added is not None:
                fields.setdefault(name, {})[f["name"]] = added
        gone = _removed((history.messages.get(name) or {}).get("fields") or {}, known)
        if gone:
            removed_fields[name] = gone
    values: dict[str, dict[str, str]] = {}
    removed_values: dict[str, tuple[tuple[int, str, str, str], ...]] = {}
    for name, record in sorted((wire.get("enums") or {}).items()):
        for value, number in (record.get("values") or {}).items():
            added = _newer(history.value(name, int(number), value), known, baseline)
            if added is not None:
                values.setdefault(name, {})[value] = added
        gone = _removed((history.enums.get(name) or {}).get("values") or {}, known)
        if gone:
            removed_values[name] = gone
    removed_rpcs = {
        r: (rec["added"], rec["removed"])
        for r, rec in sorted(history.rpcs.items())
        if rec.get("removed") in known
    }
    return ApiHistory(
        baseline,
        tuple(known),
        new_rpcs,
        fields,
        values,
        removed_rpcs,
        removed_fields,
        removed_values,
        _with_newer_fields(wire, fields, new_rpcs),
    )


def later(added: str, than: Optional[str]) -> bool:
    """``added`` is a later release than ``than`` (None: the baseline)."""
    if than is None:
        return True
    if than == UNRELEASED:
        return False
    return added == UNRELEASED or release_key(added) > release_key(than)


def _with_newer_fields(
    wire: Mapping[str, Any], fields: Mapping[str, Mapping[str, str]], rpc_added: Mapping[str, str]
) -> frozenset[str]:
    """The RPCs of ``wire`` whose request reaches a field of ``fields`` newer than the RPC."""
    from .typediff import referenced_types

    messages = wire.get("messages") or {}
    found = set()
    for service, body in (wire.get("services") or {}).items():
        for name, rpc in (body.get("rpcs") or {}).items():
            full_name = f"{service}.{name}"
            own = rpc_added.get(full_name)
            seen, stack = {str(rpc.get("request"))}, [str(rpc.get("request"))]
            while stack:
                message = stack.pop()
                if any(later(a, own) for a in (fields.get(message) or {}).values()):
                    found.add(full_name)
                    break
                for t in referenced_types(messages.get(message) or {}):
                    if t not in seen:
                        seen.add(t)
                        stack.append(t)
    return frozenset(found)


def _removed(
    members: Mapping[str, Record], known: Sequence[str]
) -> tuple[tuple[int, str, str, str], ...]:
    out = []
    for key, record in members.items():
        if record.get("removed") in known:
            number, name = key.split(" ", 1)
            out.append((int(number), name, record["added"], record["removed"]))
    return tuple(sorted(out))
