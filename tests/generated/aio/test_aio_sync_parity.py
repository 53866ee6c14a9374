"""The async clients are the sync clients' twins: the same methods with the same
parameters and defaults (as coroutines), and for the same arguments byte-identical
requests on the wire."""

from __future__ import annotations

import asyncio
import inspect
import random
from typing import Any, Dict, List

import pytest

from codegen.load import load_services
from codegen.schema import build_api
from codegen.surface import load_surface
from flyteclient import (
    AsyncFlyteClient,
    AsyncRawFlyteClient,
    RawSynchronousFlyteClient,
    SynchronousFlyteClient,
)
from tests.support.messages import argument_value
from tests.support.servers import RecordingServer

SURFACE = load_surface()
API = build_api(load_services(SURFACE.services), SURFACE)


def _public(cls: type) -> Dict[str, Any]:
    return {n: m for n, m in inspect.getmembers(cls) if not n.startswith("_") and callable(m)}


@pytest.mark.parametrize(
    "sync_cls, async_cls",
    [(SynchronousFlyteClient, AsyncFlyteClient), (RawSynchronousFlyteClient, AsyncRawFlyteClient)],
)
def test_same_methods_and_signatures(sync_cls, async_cls):
    sync_methods, async_methods = _public(sync_cls), _public(async_cls)
    assert set(sync_methods) - {"close"} == set(async_methods) - {"close"}
    pagers = {m.pager_name for m in API.paginated}
    for name, method in sync_methods.items():
        if name in ("close", "with_root_certificate", "from_config"):
            continue
        twin = async_methods[name]
        sync_sig, async_sig = inspect.signature(method), inspect.signature(twin)
        assert [(p.name, p.kind, p.default) for p in sync_sig.parameters.values()] == [
            (p.name, p.kind, p.default) for p in async_sig.parameters.values()
        ], name
        assert inspect.iscoroutinefunction(twin) == (name not in pagers), name
    assert inspect.iscoroutinefunction(AsyncFlyteClient.close)


def _arguments(method: Any, rng: random.Random) -> Any:
    """(args, kwargs) for the friendly method: positional in flytekit's style, else keywords."""
    values = [argument_value(p, rng, as_model=False) for p in method.params]
    if method.flytekit_style:
        return values, {}
    return [], {p.name: v for p, v in zip(method.params, values, strict=True)}


@pytest.mark.parametrize("method", API.methods, ids=lambda m: m.name)
def test_same_request_on_the_wire(method):
    rng_seed = method.name
    with RecordingServer() as server:
        args, kwargs = _arguments(method, random.Random(rng_seed))
        with SynchronousFlyteClient(server.endpoint, insecure=True) as sync:
            getattr(sync, method.friendly_name)(*args, **kwargs)
            if method.is_paginated:
                pager_kwargs = {k: v for k, v in kwargs.items() if k not in ("limit", "token")}
                pager_args = [
                    v for p, v in zip(method.params, args, strict=False) if p in method.pager_params
                ]
                list(
                    sync.__getattribute__(method.pager_name)(
                        *pager_args, **pager_kwargs, page_size=3, limit=3
                    )
                )
        sent_sync: List[bytes] = [
            r.request.SerializeToString(deterministic=True) for r in server.calls(method.name)
        ]

        async def twin() -> None:
            args, kwargs = _arguments(method, random.Random(rng_seed))
            async with AsyncFlyteClient(server.endpoint, insecure=True) as client:
                await getattr(client, method.friendly_name)(*args, **kwargs)
                if method.is_paginated:
                    pager_kwargs = {k: v for k, v in kwargs.items() if k not in ("limit", "token")}
                    pager_args = [
                        v
                        for p, v in zip(method.params, args, strict=False)
                        if p in method.pager_params
                    ]
                    async for _ in getattr(client, method.pager_name)(
                        *pager_args, **pager_kwargs, page_size=3, limit=3
                    ):
                        pass

        asyncio.run(twin())
        sent_async = [
            r.request.SerializeToString(deterministic=True) for r in server.calls(method.name)
        ][len(sent_sync) :]
    assert sent_sync and sent_async == sent_sync
