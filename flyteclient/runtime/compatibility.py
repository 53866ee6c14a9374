"""``client.compatibility()``: which of this client's RPCs and request fields the server's
release lacks, from the API's history (:mod:`flyteclient.generated.history`) and the
server's ``GetVersion``. ``python -m flyteclient compatibility`` prints it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from .release import Release, older, parse_release, release_text


@dataclass(frozen=True)
class MissingRpc:
    rpc: str  # "AdminService.GetDomains"
    added: str  # the flyteidl release that added it


@dataclass(frozen=True)
class MissingField:
    field: str  # "flyteidl.core.TaskMetadata.is_eager"
    added: str
    rpcs: Tuple[str, ...]  # the RPCs (the server has) whose requests can carry it


@dataclass(frozen=True)
class CompatibilityReport:
    """The server's release against this client's.

    ``server_version`` is the server's flyteadmin release (``"1.12.0"``), None when it did
    not report one (then nothing can be said: ``known`` is False); ``reported`` is what it
    said. ``missing_rpcs``: RPCs of this client the release lacks (calls raise
    ``FlyteUnimplementedException``); ``missing_fields``: request fields it lacks (it drops
    them; the client warns when one is set). ``str(report)`` is the printed report.
    """

    server_version: Optional[str]
    reported: Optional[str]
    client_flyteidl: str
    baseline: str
    missing_rpcs: Tuple[MissingRpc, ...] = ()
    missing_fields: Tuple[MissingField, ...] = field(default=())

    @property
    def known(self) -> bool:
        return self.server_version is not None

    @property
    def compatible(self) -> bool:
        """The server's release is known and has every RPC and request field of the client."""
        return self.known and not self.missing_rpcs and not self.missing_fields

    def to_dict(self) -> Dict[str, Any]:
        return {
            "server_version": self.server_version,
            "reported": self.reported,
            "client_flyteidl": self.client_flyteidl,
            "oldest_supported": self.baseline,
            "compatible": self.compatible,
            "missing_rpcs": [{"rpc": m.rpc, "added": m.added} for m in self.missing_rpcs],
            "missing_fields": [
                {"field": m.field, "added": m.added, "rpcs": list(m.rpcs)}
                for m in self.missing_fields
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def __str__(self) -> str:
        lines = [self._headline()]
        if self.missing_rpcs:
            lines += [
                "",
                "RPCs the server's release lacks (calls raise FlyteUnimplementedException):",
            ]
            lines += [f"  {m.rpc}  (added in flyteidl {m.added})" for m in self.missing_rpcs]
        if self.missing_fields:
            lines += [
                "",
                "Request fields the server's release lacks (dropped silently when set; "
                "the client warns once per field):",
            ]
            for m in self.missing_fields:
                lines.append(f"  {m.field}  (added in flyteidl {m.added}): {', '.join(m.rpcs)}")
        return "\n".join(lines) + "\n"

    def _headline(self) -> str:
        client = f"this client: flyteidl {self.client_flyteidl}"
        if self.server_version is None:
            said = f" (it says {self.reported!r})" if self.reported else ""
            return (
                f"The server did not report a flyteadmin release{said}; {client}. Which RPCs "
                "and fields it lacks cannot be told."
            )
        server = f"Server: flyteadmin {self.server_version}"
        if self.compatible:
            server_release = parse_release(self.server_version)
            client_release = parse_release(self.client_flyteidl)
            if server_release and client_release and client_release < server_release:
                return (
                    f"{server}; {client}: the server has every RPC and field of this client "
                    "(it is newer: upgrade the client for what it added since)."
                )
            return f"{server}; {client}: the server has every RPC and request field of this client."
        return (
            f"{server}; {client}: the server's release lacks "
            f"{_count(len(self.missing_rpcs), 'RPC')} and "
            f"{_count(len(self.missing_fields), 'request field')} of this client."
        )


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def build_report(reported: Optional[str]) -> CompatibilityReport:
    """The report for a server whose ``GetVersion`` said ``reported``."""
    from flyteclient.generated import FLYTEIDL_VERSION
    from flyteclient.generated import history as h
    from flyteclient.generated.methods import BY_PATH

    server = parse_release(reported)
    report_args: Dict[str, Any] = dict(
        server_version=release_text(server) if server is not None else None,
        reported=reported or None,
        client_flyteidl=FLYTEIDL_VERSION,
        baseline=h.BASELINE,
    )
    if server is None:
        return CompatibilityReport(**report_args)
    specs = sorted(BY_PATH.values(), key=lambda m: (m.service, m.name))
    missing_rpcs = [
        MissingRpc(_short(m), m.added) for m in specs if m.added and older(server, m.added)
    ]
    fields: Dict[str, Tuple[str, List[str]]] = {}
    for m in specs:
        if m.added and older(server, m.added):
            continue  # its fields are moot: the RPC itself is missing
        own: Optional[Release] = parse_release(m.added) if m.added else None
        for message in _closure(m.request_type.DESCRIPTOR):
            for name, added in (h.FIELDS.get(message) or {}).items():
                if not older(server, added) or (own is not None and not older(own, added)):
                    continue
                entry = fields.setdefault(f"{message}.{name}", (added, []))
                entry[1].append(_short(m))
    missing_fields = [
        MissingField(name, added, tuple(rpcs)) for name, (added, rpcs) in sorted(fields.items())
    ]
    return CompatibilityReport(
        **report_args, missing_rpcs=tuple(missing_rpcs), missing_fields=tuple(missing_fields)
    )


def _short(method: Any) -> str:
    return f"{method.service.rpartition('.')[2]}.{method.name}"


def _closure(descriptor: Any) -> List[str]:
    """The full names of ``descriptor`` and every message type its fields reach."""
    seen = {descriptor.full_name}
    stack, out = [descriptor], []
    while stack:
        desc = stack.pop()
        out.append(desc.full_name)
        for fd in desc.fields:
            mt = fd.message_type
            if mt is not None and mt.full_name not in seen:
                seen.add(mt.full_name)
                stack.append(mt)
    return sorted(out)
