"""``python -m codegen diff OLD NEW``: what a flyteidl bump changes for client users.

Compares two API manifests (``flyteclient/generated/api.json``, see codegen/manifest.py)
and prints a Markdown report for a pull-request description: a one-line summary, then
one section per kind of change, each line flagged **breaking** or compatible.

OLD and NEW are each one of:

* a manifest file (``/tmp/api.json``) or a directory holding ``api.json``;
* a git revision of the current repository (``main``, ``HEAD~1``, ``v0.3.0``), meaning
  ``flyteclient/generated/api.json`` at that revision;
* ``REV:path``, a manifest at any path of that revision (path from the repository root).

Exit status: 0 no breaking change, 1 at least one breaking change (gate CI on it), 2 bad
input (unreadable file, unknown revision, invalid JSON, not a manifest), said on one line
on stderr.

What counts as breaking ("a caller's existing code or expectations can stop working"):

RPCs
    added: compatible. Removed (also a whole service removed): breaking.
Method names (raw, friendly, pager)
    renamed: breaking (the old name is gone). A pager added: compatible; removed, or its
    items field changed: breaking. The friendly method's return type changed: breaking.
Signatures (raw, friendly, pager; compared parameter by parameter)
    breaking: a parameter removed or renamed; a positional parameter moved to another
    position (including by a new one inserted before it) or made keyword-only; a default
    removed (the parameter became required); a default value changed (the same call now
    does something else); a new parameter without a default.
    compatible: a new parameter with a default (appended, or keyword-only); a default
    added; a keyword-only parameter made positional-or-keyword.
Request and response fields (top-level fields of each message, reported once per message
with the RPCs that use it)
    added: compatible (older servers ignore unknown request fields; new response fields
    are simply not read). Removed: breaking (setting or reading it raises). Renamed (same
    number, new name): breaking for Python code, though wire-compatible. Renumbered:
    breaking (old and new peers disagree on the wire). Retyped: breaking (even widening
    such as int32 -> int64 changes the Python value or message class). Relabelled
    (optional / repeated / map): breaking. The request or response message type of an RPC
    replaced by another: breaking, and its fields are compared old type against new.
HTTP routes, retry classes, streaming
    HTTP route changed, added or removed: compatible and informational (the client calls
    gRPC; the route only feeds the retry class, reported on its own line). Retry class
    changed (read / write / non_idempotent): breaking either way: towards fewer retries
    callers see transient failures they did not see before; towards more retries a call
    with side effects may now be repeated. Client or server streaming changed: breaking
    (the call shape changes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional, Sequence

MANIFEST_PATH = "flyteclient/generated/api.json"
MANIFEST_NAME = "api.json"
SERVICE_PREFIX = "flyteidl.service."
EXIT_OK, EXIT_BREAKING, EXIT_BAD_INPUT = 0, 1, 2

# Report sections, in order: (key, heading).
SECTIONS = (
    ("rpcs", "RPCs added and removed"),
    ("signatures", "Method names and signatures"),
    ("fields", "Request and response fields"),
    ("behaviour", "HTTP routes, retry classes and streaming"),
)
LEGEND = (
    "**breaking**: existing client code or its expectations may stop working; "
    "compatible: existing code keeps working. Rules: `codegen/diff.py`."
)
MAX_USERS = 4  # RPCs named per message before "+N more"

Manifest = Mapping[str, Any]


class ManifestError(Exception):
    """An argument that does not name a readable manifest; the message is one line."""


# -- loading ------------------------------------------------------------------------


def load_manifest(spec: str, cwd: Optional[Path] = None) -> dict[str, Any]:
    """Read the manifest ``spec`` names (file, directory, ``REV`` or ``REV:path``)."""
    path = Path(cwd or ".") / spec
    if path.is_dir():
        path = path / MANIFEST_NAME
        if not path.is_file():
            raise ManifestError(f"{spec}: directory has no {MANIFEST_NAME}")
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ManifestError(f"{spec}: cannot read: {exc}") from exc
        return parse_manifest(text, spec)
    return parse_manifest(_git_show(spec, cwd), spec)


def _git_show(spec: str, cwd: Optional[Path]) -> str:
    """The manifest at git revision ``spec`` (``REV`` or ``REV:path``)."""
    obj = spec if ":" in spec else f"{spec}:{MANIFEST_PATH}"
    try:
        done = subprocess.run(
            ["git", "show", obj], cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise ManifestError(f"{spec}: not a file or directory, and git cannot run: {exc}") from exc
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["unknown error"])[0]
        raise ManifestError(
            f"{spec}: not a file, directory or readable git revision ({reason.removeprefix('fatal: ')})"
        )
    return done.stdout


def parse_manifest(text: str, source: str) -> dict[str, Any]:
    """Parse and shape-check a manifest; ``source`` names it in errors."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{source}: invalid JSON: {exc}") from exc
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        raise ManifestError(f'{source}: not an API manifest (no "services" object)')
    for name, service in services.items():
        rpcs = service.get("rpcs") if isinstance(service, dict) else None
        if not isinstance(rpcs, dict) or not all(isinstance(r, dict) for r in rpcs.values()):
            raise ManifestError(
                f'{source}: not an API manifest (service {name} has no "rpcs" object)'
            )
    result: dict[str, Any] = data
    return result


# -- changes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One line of the report."""

    section: str  # a key of SECTIONS
    kind: str  # rpc_added, signature, field_removed, retry, ... (stable, for tests and tools)
    subject: str  # what changed: "AdminService.GetTask", "flyteidl.admin.Project"
    detail: str  # Markdown
    breaking: bool

    def line(self) -> str:
        flag = "**breaking**" if self.breaking else "compatible"
        return f"- {flag}: `{self.subject}` {self.detail}"


def _short(service: str) -> str:
    return service[len(SERVICE_PREFIX) :] if service.startswith(SERVICE_PREFIX) else service


def _rpcs(manifest: Manifest) -> dict[str, Mapping[str, Any]]:
    """``"AdminService.GetTask"`` -> the RPC's manifest entry, over all services."""
    return {
        f"{_short(service)}.{name}": rpc
        for service, body in manifest["services"].items()
        for name, rpc in body["rpcs"].items()
    }


def compare(old: Manifest, new: Manifest) -> list[Change]:
    """Every change from ``old`` to ``new``, in report order."""
    old_rpcs, new_rpcs = _rpcs(old), _rpcs(new)
    both = [key for key in old_rpcs if key in new_rpcs]
    changes = list(_added_removed(old_rpcs, new_rpcs))
    for key in both:
        changes.extend(_names_and_signatures(key, old_rpcs[key], new_rpcs[key]))
    changes.extend(_message_changes(old_rpcs, new_rpcs, both))
    for key in both:
        changes.extend(_behaviour(key, old_rpcs[key], new_rpcs[key]))
    order = {key: i for i, (key, _) in enumerate(SECTIONS)}
    return sorted(changes, key=lambda c: order[c.section])


def _describe_rpc(rpc: Mapping[str, Any]) -> str:
    friendly = (rpc.get("friendly") or {}).get("name")
    parts = [f"`{friendly}{(rpc.get('friendly') or {}).get('signature', '')}`"] if friendly else []
    if rpc.get("http"):
        parts.append(f"`{rpc['http']}`")
    if rpc.get("retry"):
        parts.append(f"retry `{rpc['retry']}`")
    return ", ".join(parts)


def _added_removed(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Change]:
    for key in sorted(new.keys() - old.keys()):
        yield Change("rpcs", "rpc_added", key, f"RPC added ({_describe_rpc(new[key])})", False)
    for key in sorted(old.keys() - new.keys()):
        yield Change("rpcs", "rpc_removed", key, f"RPC removed ({_describe_rpc(old[key])})", True)


# -- names and signatures -------------------------------------------------------------


@dataclass(frozen=True)
class SigParam:
    """A parameter of a signature string as the manifest writes it."""

    name: str
    default: Optional[str]  # Python source; None when required
    keyword_only: bool


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets and quotes."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    tail = "".join(current).strip()
    return [*parts, tail] if tail else parts


def parse_signature(signature: str) -> list[SigParam]:
    """``"(a, b=None, *, c=1)"`` -> its parameters (``*`` makes the rest keyword-only)."""
    inner = signature.strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1]
    params, keyword_only = [], False
    for part in _split_top_level(inner):
        if part == "*":
            keyword_only = True
            continue
        name, eq, default = part.partition("=")
        params.append(SigParam(name.strip(), default.strip() if eq else None, keyword_only))
    return params


def signature_changes(old: str, new: str) -> list[tuple[str, bool]]:
    """How signature ``old`` became ``new``: (Markdown reason, breaking) pairs."""
    before, after = parse_signature(old), parse_signature(new)
    old_by, new_by = {p.name: p for p in before}, {p.name: p for p in after}
    old_pos = [p.name for p in before if not p.keyword_only]
    new_pos = [p.name for p in after if not p.keyword_only]
    renamed = {
        name: new_pos[i]
        for i, name in enumerate(old_pos)
        if name not in new_by and i < len(new_pos) and new_pos[i] not in old_by
    }
    reasons: list[tuple[str, bool]] = []
    for p in before:
        if p.name in renamed:
            reasons.append((f"parameter `{p.name}` renamed to `{renamed[p.name]}`", True))
        elif p.name not in new_by:
            reasons.append((f"parameter `{p.name}` removed", True))
        else:
            reasons.extend(_param_changes(p, new_by[p.name], old_pos, new_pos))
    for q in after:
        if q.name in old_by or q.name in renamed.values():
            continue
        if q.default is None:
            reasons.append((f"required parameter `{q.name}` added", True))
        else:
            reasons.append((f"parameter `{q.name}={q.default}` added", False))
    return reasons


def _param_changes(
    p: SigParam, q: SigParam, old_pos: list[str], new_pos: list[str]
) -> Iterator[tuple[str, bool]]:
    if not p.keyword_only and q.keyword_only:
        yield f"`{p.name}` became keyword-only", True
    elif not p.keyword_only and old_pos.index(p.name) != new_pos.index(q.name):
        i, j = old_pos.index(p.name) + 1, new_pos.index(q.name) + 1
        yield f"`{p.name}` moved from position {i} to {j}", True
    elif p.keyword_only and not q.keyword_only:
        yield f"`{p.name}` may now be passed positionally", False
    if p.default is not None and q.default is None:
        yield f"`{p.name}` lost its default `{p.default}` (now required)", True
    elif p.default is None and q.default is not None:
        yield f"`{p.name}` got a default `{q.default}`", False
    elif p.default != q.default:
        yield f"default of `{p.name}` changed from `{p.default}` to `{q.default}`", True


def _signature_change(key: str, what: str, name: str, old: str, new: str) -> Optional[Change]:
    if old == new:
        return None
    reasons = signature_changes(old, new) or [("formatting only", False)]
    breaking = any(b for _, b in reasons)
    text = "; ".join(f"{r} (**breaking**)" if b and len(reasons) > 1 else r for r, b in reasons)
    detail = f"{what} `{name}`: `{old}` → `{new}`: {text}"
    return Change("signatures", "signature", key, detail, breaking)


def _names_and_signatures(
    key: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> Iterator[Change]:
    for what in ("raw", "friendly"):
        o, n = old.get(what) or {}, new.get(what) or {}
        if o.get("name") != n.get("name"):
            detail = f"{what} method renamed `{o.get('name')}` → `{n.get('name')}`"
            yield Change("signatures", "renamed", key, detail, True)
        change = _signature_change(
            key, what, str(n.get("name")), o.get("signature", ""), n.get("signature", "")
        )
        if change:
            yield change
    o_ret = (old.get("friendly") or {}).get("returns")
    n_ret = (new.get("friendly") or {}).get("returns")
    if o_ret != n_ret:
        detail = f"friendly method now returns `{n_ret}` (was `{o_ret}`)"
        yield Change("signatures", "returns", key, detail, True)
    yield from _pager_changes(key, old.get("pager"), new.get("pager"))


def _pager_changes(
    key: str, old: Optional[Mapping[str, Any]], new: Optional[Mapping[str, Any]]
) -> Iterator[Change]:
    if old is None and new is None:
        return
    if old is None:
        assert new is not None
        detail = f"pager `{new.get('name')}{new.get('signature', '')}` added (items `{new.get('items')}`)"
        yield Change("signatures", "pager_added", key, detail, False)
        return
    if new is None:
        yield Change("signatures", "pager_removed", key, f"pager `{old.get('name')}` removed", True)
        return
    if old.get("name") != new.get("name"):
        detail = f"pager renamed `{old.get('name')}` → `{new.get('name')}`"
        yield Change("signatures", "renamed", key, detail, True)
    if old.get("items") != new.get("items"):
        detail = (
            f"pager `{new.get('name')}` now yields `{new.get('items')}` (was `{old.get('items')}`)"
        )
        yield Change("signatures", "pager_items", key, detail, True)
    change = _signature_change(
        key, "pager", str(new.get("name")), old.get("signature", ""), new.get("signature", "")
    )
    if change:
        yield change


# -- fields ---------------------------------------------------------------------------


def _message_changes(
    old_rpcs: Mapping[str, Any], new_rpcs: Mapping[str, Any], both: Sequence[str]
) -> Iterator[Change]:
    """Field changes, once per (old type, new type) pair with the RPCs that use it."""
    users: dict[tuple[str, str], list[str]] = {}
    fields: dict[tuple[str, str], tuple[Mapping[str, Any], Mapping[str, Any]]] = {}
    for key in both:
        for side in ("request", "response"):
            o, n = old_rpcs[key].get(side) or {}, new_rpcs[key].get(side) or {}
            pair = (str(o.get("type")), str(n.get("type")))
            if pair[0] != pair[1]:
                detail = f"{side} type changed from `{pair[0]}` to `{pair[1]}`"
                yield Change("fields", "message_type", key, detail, True)
            users.setdefault(pair, []).append(f"{side} of {key}")
            fields.setdefault(pair, (o.get("fields") or {}, n.get("fields") or {}))
    for pair in sorted(fields):
        subject = pair[1] if pair[0] == pair[1] else f"{pair[0]} → {pair[1]}"
        used_by = _used_by(users[pair])
        for kind, text, breaking in field_changes(*fields[pair]):
            yield Change("fields", kind, subject, f"{text} ({used_by})", breaking)


def _used_by(users: list[str]) -> str:
    shown = ", ".join(users[:MAX_USERS])
    more = len(users) - MAX_USERS
    return f"{shown} +{more} more" if more > 0 else shown


def _field_text(name: str, spec: Mapping[str, Any]) -> str:
    label = spec.get("label")
    label = "" if label in (None, "optional") else f"{label} "
    return f"`{name}` = {spec.get('number')} `{label}{spec.get('type')}`"


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """Field changes of one message: (kind, Markdown text, breaking) triples."""
    out: list[tuple[str, str, bool]] = []
    added = {n: new[n] for n in sorted(new.keys() - old.keys())}
    by_number = {spec.get("number"): name for name, spec in added.items()}
    for name in sorted(old.keys() - new.keys()):
        spec = old[name]
        successor = by_number.pop(spec.get("number"), None)
        if successor is not None:
            del added[successor]
            text = f"field `{name}` = {spec.get('number')} renamed to `{successor}`"
            out.append(("field_renamed", text, True))
        else:
            out.append(("field_removed", f"field {_field_text(name, spec)} removed", True))
    for name in sorted(old.keys() & new.keys()):
        o, n = old[name], new[name]
        if o.get("number") != n.get("number"):
            text = f"field `{name}` renumbered {o.get('number')} → {n.get('number')}"
            out.append(("field_renumbered", text, True))
        if o.get("type") != n.get("type"):
            text = f"field `{name}` retyped `{o.get('type')}` → `{n.get('type')}`"
            out.append(("field_retyped", text, True))
        if o.get("label") != n.get("label"):
            text = f"field `{name}` relabelled `{o.get('label')}` → `{n.get('label')}`"
            out.append(("field_relabelled", text, True))
    for name, spec in added.items():
        out.append(("field_added", f"field {_field_text(name, spec)} added", False))
    return out


# -- routes, retry classes, streaming -------------------------------------------------


def _behaviour(key: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Change]:
    if old.get("http") != new.get("http"):
        detail = f"HTTP route `{old.get('http')}` → `{new.get('http')}` (informational: the client calls gRPC)"
        yield Change("behaviour", "http", key, detail, False)
    if old.get("retry") != new.get("retry"):
        detail = f"retry class `{old.get('retry')}` → `{new.get('retry')}` ({_retry_effect(old.get('retry'), new.get('retry'))})"
        yield Change("behaviour", "retry", key, detail, True)
    o, n = old.get("streaming") or {}, new.get("streaming") or {}
    for side in ("client", "server"):
        if bool(o.get(side)) != bool(n.get(side)):
            now = "streaming" if n.get(side) else "unary"
            yield Change("behaviour", "streaming", key, f"{side} side is now {now}", True)


_RETRY_RANK = {"read": 2, "write": 1, "non_idempotent": 0}


def _retry_effect(old: Any, new: Any) -> str:
    before, after = _RETRY_RANK.get(old), _RETRY_RANK.get(new)
    if before is None or after is None:
        return "retry behaviour changes"
    if after < before:
        return "retried on fewer failures: callers may see transient errors"
    return "retried on more failures: a call with side effects may be repeated"


# -- report ---------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary(old: Manifest, new: Manifest, changes: Sequence[Change]) -> str:
    """The report's first line."""

    def count(section: str) -> tuple[int, int]:
        these = [c for c in changes if c.section == section]
        return len(these), sum(c.breaking for c in these)

    added = sum(c.kind == "rpc_added" for c in changes)
    removed = sum(c.kind == "rpc_removed" for c in changes)
    sigs, sigs_b = count("signatures")
    fields, fields_b = count("fields")
    other, other_b = count("behaviour")
    total = sum(c.breaking for c in changes)
    return (
        f"flyteidl {old.get('flyteidl', '?')} → {new.get('flyteidl', '?')}: "
        f"{_plural(added, 'RPC')} added, {removed} removed, "
        f"{_plural(sigs, 'signature change')} ({sigs_b} breaking), "
        f"{_plural(fields, 'field change')} ({fields_b} breaking), "
        f"{_plural(other, 'route/retry change')} ({other_b} breaking) — "
        + (f"**{_plural(total, 'breaking change')}**" if total else "no breaking changes")
    )


def render_report(old: Manifest, new: Manifest, changes: Sequence[Change]) -> str:
    """The Markdown report: summary line, legend, then the non-empty sections."""
    lines = [summary(old, new, changes), ""]
    if not changes:
        lines.append("No change to the client surface.")
        return "\n".join(lines) + "\n"
    lines.append(LEGEND)
    for key, heading in SECTIONS:
        these = [c for c in changes if c.section == key]
        if these:
            lines.extend(["", f"## {heading}", "", *(c.line() for c in these)])
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    """Entry point of ``python -m codegen diff OLD NEW``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m codegen diff",
        description="Markdown report of the client-visible changes between two API manifests. "
        "Exit 1 when something breaking changed, 2 on bad input.",
    )
    parser.add_argument("old", help="manifest file, directory with api.json, git REV or REV:path")
    parser.add_argument("new", help="same forms as OLD")
    args = parser.parse_args(list(argv))
    try:
        old, new = load_manifest(args.old), load_manifest(args.new)
    except ManifestError as exc:
        print(f"codegen diff: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    changes = compare(old, new)
    sys.stdout.write(render_report(old, new, changes))
    return EXIT_BREAKING if any(c.breaking for c in changes) else EXIT_OK
