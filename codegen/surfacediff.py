"""RPCs and the Python surface: what changed for code that calls the client.

RPCs are matched by ``Service.Method``; their raw, friendly and pager methods by RPC;
signatures parameter by parameter (a signature is the string the manifest records, e.g.
``"(project, domain, limit=100, *, token=None)"``). Rules: ``codegen/rules.py``.

Signature rules, in words: breaking -- a parameter removed or renamed; a positional
parameter moved (also by one inserted before it) or made keyword-only; a default removed
(the parameter became required) or changed (the same call now does something else); a
new parameter without a default. Compatible -- a new parameter with a default (appended,
or keyword-only); a default added; a keyword-only parameter made positional-or-keyword.

Retry classes (read / write / non_idempotent) changing either way is breaking: towards
fewer retries callers see transient failures they did not see before; towards more, a
call with side effects may be repeated. HTTP routes are informational (the client calls
gRPC; the route only feeds the retry class, reported on its own line).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Optional

from .changes import Change
from .typediff import short_service

Rpc = Mapping[str, Any]


def rpcs(manifest: Mapping[str, Any]) -> dict[str, Rpc]:
    """``"AdminService.GetTask"`` -> the RPC's manifest entry, over all services."""
    return {
        f"{short_service(service)}.{name}": rpc
        for service, body in sorted(manifest["services"].items())
        for name, rpc in sorted(body["rpcs"].items())
    }


def compare_rpcs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """RPCs added and removed, and per RPC present in both, everything but its types."""
    before, after = rpcs(old), rpcs(new)
    partial = bool(old.get("partial") or new.get("partial"))
    changes = [
        Change("RPC_ADDED", key, f"RPC added ({_describe(after[key])})")
        for key in sorted(after.keys() - before.keys())
    ]
    changes += [
        Change("RPC_NO_DELETE", key, f"RPC removed ({_describe(before[key])})")
        for key in sorted(before.keys() - after.keys())
    ]
    for key in sorted(before.keys() & after.keys()):
        o, n = before[key], after[key]
        changes.extend(_wire_shape(key, o, n, partial))
        changes.extend(_names_and_signatures(key, o, n))
        changes.extend(_behaviour(key, o, n))
    return _clients(old, new) + changes


def _clients(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """The client classes of each flavour (sync, async): one removed or renamed breaks
    every caller of it. Manifests from before the flavours were recorded have none."""
    before, after = old.get("clients"), new.get("clients")
    if before is None or after is None:
        return []
    changes = []
    for flavor in sorted(before.keys() | after.keys()):
        o, n = before.get(flavor, {}), after.get(flavor, {})
        for role in sorted(o.keys() | n.keys()):
            if o.get(role) == n.get(role):
                continue
            what = f"{flavor} client {role}"
            if role in o:
                changes.append(
                    Change(
                        "CLIENT_NO_DELETE",
                        f"clients.{flavor}",
                        f"{what} `{o[role]}` → `{n.get(role, 'removed')}`",
                    )
                )
            else:
                changes.append(
                    Change("CLIENT_ADDED", f"clients.{flavor}", f"{what} `{n[role]}` added")
                )
    return changes


def _describe(rpc: Rpc) -> str:
    friendly = rpc.get("friendly") or {}
    parts = [f"`{friendly['name']}{friendly.get('signature', '')}`"] if friendly.get("name") else []
    if rpc.get("http"):
        parts.append(f"`{rpc['http']}`")
    if rpc.get("retry"):
        parts.append(f"retry `{rpc['retry']}`")
    return ", ".join(parts)


def _wire_shape(key: str, o: Rpc, n: Rpc, partial: bool) -> Iterator[Change]:
    """Request and response types, streaming; unless one side is a format-1 manifest
    (which did not record them), idempotency level and deprecation."""
    for side, rule in (
        ("request", "RPC_SAME_REQUEST_TYPE"),
        ("response", "RPC_SAME_RESPONSE_TYPE"),
    ):
        if o.get(side) != n.get(side):
            yield Change(rule, key, f"{side} type `{o.get(side)}` → `{n.get(side)}`")
    streaming_before, streaming_after = o.get("streaming") or {}, n.get("streaming") or {}
    for side in ("client", "server"):
        if bool(streaming_before.get(side)) != bool(streaming_after.get(side)):
            now = "streaming" if streaming_after.get(side) else "unary"
            yield Change(f"RPC_SAME_{side.upper()}_STREAMING", key, f"{side} side is now {now}")
    if partial:
        return
    if o.get("idempotency") != n.get("idempotency"):
        text = f"idempotency_level `{o.get('idempotency') or 'unknown'}` → `{n.get('idempotency') or 'unknown'}`"
        yield Change("RPC_SAME_IDEMPOTENCY_LEVEL", key, text)
    if bool(o.get("deprecated")) != bool(n.get("deprecated")):
        yield Change(
            "RPC_DEPRECATION",
            key,
            "RPC deprecated" if n.get("deprecated") else "RPC no longer deprecated",
        )


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


def signature_changes(old: str, new: str) -> list[tuple[str, str, str]]:
    """How signature ``old`` became ``new``: (rule, parameter, Markdown reason) triples."""
    before, after = parse_signature(old), parse_signature(new)
    old_by, new_by = {p.name: p for p in before}, {p.name: p for p in after}
    old_pos = [p.name for p in before if not p.keyword_only]
    new_pos = [p.name for p in after if not p.keyword_only]
    renamed = {
        name: new_pos[i]
        for i, name in enumerate(old_pos)
        if name not in new_by and i < len(new_pos) and new_pos[i] not in old_by
    }
    reasons: list[tuple[str, str, str]] = []
    for p in before:
        if p.name in renamed:
            reasons.append(
                (
                    "PARAMETER_SAME_NAME",
                    p.name,
                    f"parameter `{p.name}` renamed to `{renamed[p.name]}`",
                )
            )
        elif p.name not in new_by:
            reasons.append(("PARAMETER_NO_DELETE", p.name, f"parameter `{p.name}` removed"))
        else:
            reasons.extend(
                (rule, p.name, text)
                for rule, text in _param_changes(p, new_by[p.name], old_pos, new_pos)
            )
    for q in after:
        if q.name in old_by or q.name in renamed.values():
            continue
        if q.default is None:
            reasons.append(
                ("PARAMETER_NO_ADD_REQUIRED", q.name, f"required parameter `{q.name}` added")
            )
        else:
            reasons.append(("PARAMETER_ADDED", q.name, f"parameter `{q.name}={q.default}` added"))
    return reasons


def _param_changes(
    p: SigParam, q: SigParam, old_pos: list[str], new_pos: list[str]
) -> Iterator[tuple[str, str]]:
    if not p.keyword_only and q.keyword_only:
        yield "PARAMETER_NO_KEYWORD_ONLY", f"`{p.name}` became keyword-only"
    elif not p.keyword_only and old_pos.index(p.name) != new_pos.index(q.name):
        i, j = old_pos.index(p.name) + 1, new_pos.index(q.name) + 1
        yield "PARAMETER_SAME_POSITION", f"`{p.name}` moved from position {i} to {j}"
    elif p.keyword_only and not q.keyword_only:
        yield "PARAMETER_POSITIONAL", f"`{p.name}` may now be passed positionally"
    if p.default is not None and q.default is None:
        yield "PARAMETER_SAME_DEFAULT", f"`{p.name}` lost its default `{p.default}` (now required)"
    elif p.default is None and q.default is not None:
        yield "PARAMETER_DEFAULT_ADDED", f"`{p.name}` got a default `{q.default}`"
    elif p.default != q.default:
        yield (
            "PARAMETER_SAME_DEFAULT",
            f"default of `{p.name}` changed from `{p.default}` to `{q.default}`",
        )


def _signature(key: str, what: str, name: str, old: str, new: str) -> Iterator[Change]:
    if old == new:
        return
    reasons = signature_changes(old, new)
    if not reasons:
        yield Change(
            "SIGNATURE_FORMAT", key, f"{what} `{name}`: `{old}` → `{new}` (same parameters)"
        )
    for rule, param, text in reasons:
        yield Change(rule, key, f"{what} `{name}{new}`: {text}", member=param)


def _names_and_signatures(key: str, old: Rpc, new: Rpc) -> Iterator[Change]:
    for what in ("raw", "friendly"):
        o, n = old.get(what) or {}, new.get(what) or {}
        if o.get("name") != n.get("name"):
            yield Change(
                "METHOD_SAME_NAME",
                key,
                f"{what} method renamed `{o.get('name')}` → `{n.get('name')}`",
            )
        yield from _signature(
            key, what, str(n.get("name")), o.get("signature", ""), n.get("signature", "")
        )
    o_ret, n_ret = (
        (old.get("friendly") or {}).get("returns"),
        (new.get("friendly") or {}).get("returns"),
    )
    if o_ret != n_ret:
        yield Change(
            "METHOD_SAME_RETURN_TYPE", key, f"friendly method now returns `{n_ret}` (was `{o_ret}`)"
        )
    yield from _pager_changes(key, old.get("pager"), new.get("pager"))


def _pager_changes(
    key: str, old: Optional[Mapping[str, Any]], new: Optional[Mapping[str, Any]]
) -> Iterator[Change]:
    if old is None and new is None:
        return
    if old is None or new is None:
        if new is not None:
            text = f"pager `{new.get('name')}{new.get('signature', '')}` added (items `{new.get('items')}`)"
            yield Change("PAGER_ADDED", key, text)
        elif old is not None:
            yield Change("PAGER_NO_DELETE", key, f"pager `{old.get('name')}` removed")
        return
    if old.get("name") != new.get("name"):
        yield Change(
            "METHOD_SAME_NAME", key, f"pager renamed `{old.get('name')}` → `{new.get('name')}`"
        )
    if old.get("items") != new.get("items"):
        text = (
            f"pager `{new.get('name')}` now yields `{new.get('items')}` (was `{old.get('items')}`)"
        )
        yield Change("PAGER_SAME_ITEMS", key, text)
    yield from _signature(
        key, "pager", str(new.get("name")), old.get("signature", ""), new.get("signature", "")
    )


# -- routes and retry classes ---------------------------------------------------------

_RETRY_RANK = {"read": 2, "write": 1, "non_idempotent": 0}


def _retry_effect(old: Any, new: Any) -> str:
    before, after = _RETRY_RANK.get(old), _RETRY_RANK.get(new)
    if before is None or after is None:
        return "retry behaviour changes"
    if after < before:
        return "retried on fewer failures: callers may see transient errors"
    return "retried on more failures: a call with side effects may be repeated"


def _behaviour(key: str, old: Rpc, new: Rpc) -> Iterator[Change]:
    if old.get("http") != new.get("http"):
        yield Change("HTTP_ROUTE", key, f"HTTP route `{old.get('http')}` → `{new.get('http')}`")
    if old.get("retry") != new.get("retry"):
        effect = _retry_effect(old.get("retry"), new.get("retry"))
        yield Change(
            "RETRY_SAME_CLASS",
            key,
            f"retry class `{old.get('retry')}` → `{new.get('retry')}` ({effect})",
        )
