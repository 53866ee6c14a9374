"""Drop-in for flytekit's SynchronousFlyteClient: same signatures, and for the same inputs
the same request on the wire (both clients call one loopback server, which records)."""

import datetime
import inspect
import random

import pytest
from flytekit.clients.friendly import SynchronousFlyteClient as FlytekitClient
from flytekit.clients.raw import RawSynchronousFlyteClient as FlytekitRaw
from flytekit.configuration import PlatformConfig
from flytekit.models import filters as fk_filters
from flytekit.models.admin import common as fk_common

from codegen.load import load_services
from codegen.schema import build_api
from codegen.surface import load_surface
from flyteclient import SynchronousFlyteClient
from tests.support.messages import populate

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


class Model:
    """A flytekit-model stand-in: anything with to_flyte_idl()."""

    def __init__(self, pb):
        self.pb = pb

    def to_flyte_idl(self):
        return self.pb


def _value(param, rng, as_model):
    if param.field is None:
        from flyteidl.admin import project_pb2

        pb = populate(project_pb2.Project(), rng)
        return Model(pb) if as_model else pb
    kind = param.kind.name.lower()
    if kind == "filters":
        return (
            [fk_filters.Equal("name", "x"), fk_filters.ValueIn("phase", ["A", "B"])]
            if as_model
            else "eq(name,x)+value_in(phase,A;B)"
        )
    if param.name == "sort_by":
        sort = fk_common.Sort("created_at", fk_common.Sort.Direction.ASCENDING)
        return sort if as_model else sort.to_flyte_idl()
    if kind == "message":
        pb = populate(param.field.message.descriptor._concrete_class(), rng)
        return Model(pb) if as_model else pb
    if kind == "duration":
        return datetime.timedelta(minutes=5)
    if kind in ("enum",):
        return 1
    if kind in ("int", "limit"):
        return 7
    if kind == "bool":
        return False
    if kind == "bytes":
        return b"\x01\x02"
    if kind == "str":
        return "s" + str(rng.randrange(1000))
    raise AssertionError(f"no test value for {param.name} ({kind})")


@pytest.fixture(scope="module")
def pair():
    from tests.support.servers import RecordingServer

    with RecordingServer() as server:
        ours = SynchronousFlyteClient(server.endpoint, insecure=True)
        theirs = FlytekitClient(PlatformConfig(endpoint=server.endpoint, insecure=True))
        yield server, ours, theirs
        ours.close()


def _call_flytekit(theirs, name, args):
    try:
        getattr(theirs, name)(*args)
    except Exception:
        pass  # flytekit converts empty responses to models and may fail; the request was sent


@pytest.mark.parametrize("method", FLYTEKIT_STYLE, ids=lambda m: m.friendly_name)
def test_same_request_as_flytekit(method, pair):
    server, ours, theirs = pair
    rng = random.Random(method.name)
    args = [_value(p, rng, as_model=True) for p in method.params]
    _call_flytekit(theirs, method.friendly_name, args)
    expected = server.requests(method.name)[-1]
    getattr(ours, method.friendly_name)(*args)
    assert server.requests(method.name)[-1] == expected
    # and protobuf inputs give the same request
    rng = random.Random(method.name)
    pb_args = [_value(p, rng, as_model=False) for p in method.params]
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
