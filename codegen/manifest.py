"""The API manifest (``generated/api.json``): what client users see, sorted and stable
so that its git diff after a flyteidl bump reads like a changelog."""

from __future__ import annotations

from typing import Any, Optional

from .schema import Api, Message, Method

CALL_OPTIONS = "*, timeout=None, metadata=None"


def _fields(message: Message) -> dict[str, Any]:
    return {
        "type": message.full_name,
        "fields": {
            f.name: {"number": f.number, "type": f.type_name, "label": "map" if f.is_map else f.label}
            for f in message.fields
        },
    }


def _signature(params: list[str]) -> str:
    return "(" + ", ".join(params) + ")"


def raw_signature(m: Method) -> str:
    request = f"{m.raw_param}=None" if m.raw_optional else m.raw_param
    return _signature([request, CALL_OPTIONS])


def friendly_signature(m: Method) -> str:
    if m.flytekit_style:
        return _signature([p.signature for p in m.params])
    return _signature([f"{m.raw_param}=None", "*", *[p.signature for p in m.params], "timeout=None", "metadata=None"])


def pager_signature(m: Method) -> str:
    params: list[str] = [p.signature for p in m.pager_params]
    if not m.flytekit_style:
        params = ["request=None", "*", *params]
    return _signature([*params, "page_size=100", "limit=None"])


def _pager(m: Method) -> Optional[dict[str, str]]:
    if not m.is_paginated:
        return None
    return {"name": m.pager_name, "signature": pager_signature(m), "items": m.items_field}


def _rpc(m: Method) -> dict[str, Any]:
    return {
        "raw": {"name": m.raw_name, "signature": raw_signature(m)},
        "friendly": {
            "name": m.friendly_name,
            "signature": friendly_signature(m),
            "returns": m.return_hint,
        },
        "pager": _pager(m),
        "request": _fields(m.request),
        "response": _fields(m.response),
        "http": m.route,
        "retry": m.retry_class,
        "streaming": {"client": m.client_streaming, "server": m.server_streaming},
    }


def build_manifest(api: Api) -> dict[str, Any]:
    return {
        "flyteidl": api.flyteidl_version,
        "services": {
            s.full_name: {"rpcs": {m.name: _rpc(m) for m in s.methods}} for s in api.services
        },
    }

