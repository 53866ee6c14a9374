"""Drop-in for flytekit's SynchronousFlyteClient: same signatures, and for the same inputs
the same request on the wire (both clients call one loopback server, which records)."""

from tests.support.optional import require

require("flytekit")  # before the imports below need it

import inspect
import random

import pytest
from flytekit.clients.friendly import SynchronousFlyteClient as FlytekitClient
from flytekit.clients.raw import RawSynchronousFlyteClient as FlytekitRaw

from codegen.load import load_services
from codegen.schema import build_api
from codegen.surface import load_surface
from flyteclient import SynchronousFlyteClient
from tests.support.messages import argument_value

SURFACE = load_surface()
API = build_api(load_services(SURFACE.services), SURFACE)
FLYTEKIT_STYLE = [m for m in API.methods if m.flytekit_style]


def _public_methods(cls):
    return {
        name: member
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and callable(member) and name not in ("with_root_certificate",)
    }


FLYTEKIT_METHODS = sorted(set(_public_methods(FlytekitClient)) | set(_public_methods(FlytekitRaw)))


@pytest.mark.parametrize("name", FLYTEKIT_METHODS)
def test_same_signature_as_flytekit(name):
    ours = getattr(SynchronousFlyteClient, name, None)
    assert ours is not None, f"flyteclient has no {name}"
    theirs = inspect.signature(getattr(FlytekitClient, name))
    mine = inspect.signature(ours)
    theirs_params = [(p.name, p.kind, p.default) for p in theirs.parameters.values()]
    mine_params = [(p.name, p.kind, p.default) for p in mine.parameters.values()]
    if name not in vars(FlytekitClient):
        # A raw method flytekit's friendly client inherits: ours may make the request
        # optional (a flattened form), everything else is the same.
        theirs_params = [
            (
                n,
                k,
                mine_params[i][2] if d is inspect.Parameter.empty and i < len(mine_params) else d,
            )
            for i, (n, k, d) in enumerate(theirs_params)
        ]
    if mine_params[: len(theirs_params)] != theirs_params:
        pytest.fail(f"{name}: flytekit {theirs} vs ours {mine}")
    extra = mine_params[len(theirs_params) :]
    # Ours add only the keyword-only call options (timeout, metadata).
    assert all(
        kind == inspect.Parameter.KEYWORD_ONLY and default is None for _, kind, default in extra
    ), name
    if name in vars(FlytekitClient):
        assert {n for n, _, _ in extra} <= {"timeout", "metadata"}, name


def test_raw_view_has_flytekit_raw_signatures():
    client = SynchronousFlyteClient("localhost:1", insecure=True)
    assert client.raw.get_task.__func__ is not SynchronousFlyteClient.get_task
    client.close()


@pytest.fixture(scope="module")
def pair():
    from tests.flytekit.support import flytekit_client
    from tests.support.servers import RecordingServer

    with RecordingServer() as server, flytekit_client(server.endpoint) as theirs:
        with SynchronousFlyteClient(server.endpoint, insecure=True) as ours:
            yield server, ours, theirs


def _call_flytekit(theirs, name, args):
    try:
        getattr(theirs, name)(*args)
    except Exception:
        pass  # flytekit converts empty responses to models and may fail; the request was sent


@pytest.mark.parametrize("method", FLYTEKIT_STYLE, ids=lambda m: m.friendly_name)
def test_same_request_as_flytekit(method, pair):
    server, ours, theirs = pair
    rng = random.Random(method.name)
    args = [argument_value(p, rng, as_model=True) for p in method.params]
    _call_flytekit(theirs, method.friendly_name, args)
    expected = server.requests(method.name)[-1]
    getattr(ours, method.friendly_name)(*args)
    assert server.requests(method.name)[-1] == expected
    # and protobuf inputs give the same request
    rng = random.Random(method.name)
    pb_args = [argument_value(p, rng, as_model=False) for p in method.params]
    if method.cached:
        ours._cache.clear()
    getattr(ours, method.friendly_name)(*pb_args)
    assert server.requests(method.name)[-1] == expected


def test_defaults_match_flytekit_on_the_wire(pair):
    server, ours, theirs = pair
    from flytekit.models.common import NamedEntityIdentifier

    ident = NamedEntityIdentifier("p", "d", "n")
    _call_flytekit(theirs, "list_tasks_paginated", [ident])
    ours.list_tasks_paginated(ident)
    a, b = server.requests("ListTasks")[-2:]
    assert a == b and b.limit == 100 and not b.HasField("sort_by") and b.filters == ""
