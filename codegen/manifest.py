"""The API manifest: what client users see, sorted and stable so that its git diff after
a flyteidl bump reads like a changelog.

Two parts, written as several files (see :func:`manifest_files`):

* ``api.json``: the client classes of each flavour (sync and async: the same methods,
  names and parameters, the async ones coroutines); per service and RPC the Python
  surface (raw, friendly and pager method names and signatures, return type), the request
  and response type, streaming shape, HTTP route, retry class, idempotency level and
  deprecation; and the list of packages.
* ``types/<proto package>.json``: every message and enum the RPCs reach, transitively,
  with what the wire and JSON encodings depend on (``codegen/wire.py``).

In memory (what ``codegen diff`` compares) a manifest is one dict: ``format``,
``flyteidl``, ``services``, ``messages`` and ``enums`` (type full name -> record).
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional

from .jsonlayout import dumps
from .schema import ASYNC, SYNC, Api, Flavor, Method
from .wire import WireApi, build_wire

FORMAT = 2
MANIFEST_FILE = "api.json"
TYPES_DIR = "types"
CALL_OPTIONS = "*, timeout=None, metadata=None"


def _signature(params: list[str]) -> str:
    return "(" + ", ".join(params) + ")"


def raw_signature(m: Method) -> str:
    request = f"{m.raw_param}=None" if m.raw_optional else m.raw_param
    return _signature([request, CALL_OPTIONS])


def friendly_signature(m: Method) -> str:
    if m.flytekit_style:
        options = [f"{o}=None" for o in m.call_options]
        return _signature([*(p.signature for p in m.params), *(["*", *options] if options else [])])
    return _signature(
        [
            f"{m.raw_param}=None",
            "*",
            *[p.signature for p in m.params],
            "timeout=None",
            "metadata=None",
        ]
    )


def pager_signature(m: Method) -> str:
    params: list[str] = [p.signature for p in m.pager_params]
    if not m.flytekit_style:
        params = ["request=None", "*", *params]
    return _signature([*params, "page_size=100", "limit=None"])


def _pager(m: Method) -> Optional[dict[str, str]]:
    if not m.is_paginated:
        return None
    return {"name": m.pager_name, "signature": pager_signature(m), "items": m.items_field}


def _rpc(m: Method, wire: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "raw": {"name": m.raw_name, "signature": raw_signature(m)},
        "friendly": {
            "name": m.friendly_name,
            "signature": friendly_signature(m),
            "returns": m.return_hint,
        },
        "pager": _pager(m),
        "request": m.request.full_name,
        "response": m.response.full_name,
        "streaming": {"client": m.client_streaming, "server": m.server_streaming},
        "http": m.route,
        "retry": m.retry_class,
        **{k: v for k, v in wire.items() if k not in ("request", "response")},
    }


def _client(flavor: Flavor) -> dict[str, str]:
    """The classes of one client flavour, and how its unary methods are called."""
    return {
        "raw": flavor.raw_class,
        "friendly": flavor.friendly_class,
        "pager": flavor.pager_class,
        "methods": flavor.def_,
    }


def build_manifest(api: Api) -> dict[str, Any]:
    """The whole manifest, in memory."""
    wire = build_wire([s.descriptor for s in api.services])
    return {
        "format": FORMAT,
        "flyteidl": api.flyteidl_version,
        "clients": {f.name: _client(f) for f in (SYNC, ASYNC)},
        "services": {
            s.full_name: {
                "rpcs": {
                    m.name: _rpc(m, wire.rpcs[f"{s.full_name}.{m.name}"])
                    for m in sorted(s.methods, key=lambda m: m.name)
                }
            }
            for s in sorted(api.services, key=lambda s: s.full_name)
        },
        **_types(wire),
    }


def _types(wire: WireApi) -> dict[str, dict[str, Any]]:
    return {
        kind: {name: rec for group in wire.packages.values() for name, rec in group[kind].items()}
        for kind in ("messages", "enums")
    } | {"packages": {p: sorted([*g["messages"], *g["enums"]]) for p, g in wire.packages.items()}}


def type_file(package: str) -> str:
    """Where a package's types are written, relative to the generated directory."""
    return f"{TYPES_DIR}/{package or '_'}.json"


def manifest_files(manifest: Mapping[str, Any], header: str) -> dict[str, str]:
    """The manifest as files: ``api.json`` and one ``types/<package>.json`` per package."""
    packages: Mapping[str, list[str]] = manifest["packages"]
    files = {
        MANIFEST_FILE: dumps(
            {
                "_generated": header,
                "format": manifest["format"],
                "flyteidl": manifest["flyteidl"],
                **({"clients": manifest["clients"]} if "clients" in manifest else {}),
                "packages": {p: type_file(p) for p in packages},
                "services": manifest["services"],
            }
        )
    }
    for package, names in packages.items():
        body = {
            "_generated": header,
            "package": package,
            "messages": {n: manifest["messages"][n] for n in names if n in manifest["messages"]},
            "enums": {n: manifest["enums"][n] for n in names if n in manifest["enums"]},
        }
        files[type_file(package)] = dumps(body, expand={"values"})
    return files


def join_files(api_text: str, read: Any, source: str) -> dict[str, Any]:
    """The in-memory manifest from ``api.json``'s text; ``read(relative path)`` returns the
    text of a type file. Raises ``ValueError`` (one line) on a malformed manifest."""
    data = json.loads(api_text)
    if not isinstance(data, dict):
        raise ValueError("not an API manifest (not a JSON object)")
    if data.get("format", 1) < FORMAT:
        return data
    messages: dict[str, Any] = {}
    enums: dict[str, Any] = {}
    packages: dict[str, list[str]] = {}
    for package, rel in (data.get("packages") or {}).items():
        body = json.loads(read(rel))
        if not isinstance(body, dict) or body.get("package") != package:
            raise ValueError(f"{rel} is not the type file of package {package}")
        messages.update(body.get("messages") or {})
        enums.update(body.get("enums") or {})
        packages[package] = sorted([*(body.get("messages") or {}), *(body.get("enums") or {})])
    data.update(messages=messages, enums=enums, packages=packages)
    return data
