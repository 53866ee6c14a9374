"""Request message <-> HTTP request over an RPC's bindings, and the route table."""

from __future__ import annotations

import json
import random
from typing import Any, List, Sequence

import grpc
import pytest
from google.protobuf import timestamp_pb2

from flyteclient.runtime.rest import (
    FLYTEADMIN_JSON,
    GATEWAY_DEFAULT_JSON,
    PROTOBUF,
    GatewayError,
    HttpBinding,
    RouteTable,
    RoutingError,
    UnroutableRequest,
    decode_request,
    decode_response,
    expand,
    http_bindings,
    match_request,
    message_class,
    parse_query_string,
    path_components,
)
from tests.support.gateway import SERVICES, TABLE
from tests.support.messages import populate
from tests.support.rest_idl import GREEN, RED, THINGS, Inner, Thing, rpc

THINGS_TABLE = RouteTable([THINGS])


def bindings(name: str) -> Any:
    return http_bindings(rpc(name))


def test_bindings_come_from_the_descriptors() -> None:
    assert [str(b) for b in bindings("Nested")] == [
        "GET /v1/things/{inner.name}/n/{inner.n}",
        "GET /v1/things:all",
    ]
    assert [(b.verb, b.body, b.response_body) for b in bindings("Update")] == [
        ("PATCH", "inner", "inner")
    ]
    assert [b.verb for b in bindings("Custom")] == ["HEAD"] and bindings("NoRule") == ()
    assert THINGS_TABLE.unrouted == ("acme.Things.NoRule",)
    assert THINGS_TABLE.bindings("/acme.Things/Get") == bindings("Get")
    assert HttpBinding.parse("get", "/v1/things/{id}") == bindings("Get")[0]


def test_flyteidls_routes() -> None:
    assert len({r.full_method for r in TABLE.routes}) == 65 and len(TABLE.routes) == 69
    assert TABLE.unrouted == ("flyteidl.service.SignalService.GetOrCreateSignal",)
    route, params = TABLE.match("GET", path_components("/api/v1/tasks/p/d/n"))
    assert (route.full_method, route.index, params) == (
        "/flyteidl.service.AdminService/ListTasks",
        0,
        {"id.project": "p", "id.domain": "d", "id.name": "n"},
    )
    route, _ = TABLE.match("GET", path_components("/api/v1/tasks/p/d"))
    assert (route.full_method, route.index) == ("/flyteidl.service.AdminService/ListTasks", 1)
    with pytest.raises(RoutingError) as info:
        TABLE.match("PATCH", path_components("/api/v1/tasks/p/d"))
    assert (info.value.code, info.value.message, info.value.http_status) == (
        grpc.StatusCode.UNIMPLEMENTED,
        "Method Not Allowed",
        501,
    )
    with pytest.raises(RoutingError) as info:
        TABLE.match("GET", path_components("/api/v2/tasks"))
    assert (info.value.code, info.value.http_status) == (grpc.StatusCode.NOT_FOUND, 404)


def test_the_route_registered_last_wins_as_in_grpc_gateway() -> None:
    from flyteclient.runtime.rest import parse_template
    from flyteclient.runtime.rest.routes import Route

    table = RouteTable([])
    first, second = (
        Route(rpc(n), HttpBinding("GET", parse_template(p)), 0)
        for n, p in (("Get", "/v1/{id}"), ("Under", "/v1/{parent}"))
    )
    table._by_verb = {
        "GET": [second, first]
    }  # what RouteTable builds for first-then-second registration
    assert table.match("GET", ["v1", "x"])[0] is second


def test_expand_get_puts_unbound_fields_in_the_query() -> None:
    req = expand(bindings("Get"), Thing(id="x 1", color=RED, inner=Inner(n=2), names=["a", "b"]))
    assert (req.verb, req.path, req.body, req.content_type) == (
        "GET",
        "/v1/things/x%201",
        None,
        None,
    )
    assert req.target == "/v1/things/x%201?inner.n=2&names=a&names=b&color=RED"


def test_expand_picks_the_first_binding_whose_path_fields_are_set() -> None:
    assert expand(bindings("Nested"), Thing(inner=Inner(name="a", n=0))).path == "/v1/things/a/n/0"
    req = expand(bindings("Nested"), Thing(inner=Inner(n=3)))  # no name: the additional binding
    assert (req.path, req.query) == ("/v1/things:all", (("inner.n", "3"),))
    with pytest.raises(
        UnroutableRequest, match=r"acme.Thing fits none of its HTTP routes: .*\{parent\}"
    ):
        expand(bindings("Under"), Thing(parent="racks/1"))
    with pytest.raises(UnroutableRequest, match="items"):
        expand(bindings("Get"), Thing(id="x", items=[Inner()]))


def test_body_star_carries_every_field_but_the_path_ones() -> None:
    req = expand(bindings("Create"), Thing(id="x", color=GREEN, inner=Inner(name="n")))
    assert (req.verb, req.target, req.content_type) == ("POST", "/v1/things/x", "application/json")
    assert json.loads(req.body or b"") == {"color": "GREEN", "inner": {"name": "n"}}


def test_body_field_carries_that_field_and_the_rest_go_in_the_query() -> None:
    req = expand(bindings("Update"), Thing(id="x", color=GREEN, inner=Inner(name="n", tags=["t"])))
    assert (req.verb, req.target) == ("PATCH", "/v1/things/x?color=GREEN")
    assert json.loads(req.body or b"") == {"name": "n", "tags": ["t"]}
    assert req.headers == {"Accept": "application/json", "Content-Type": "application/json"}
    assert expand(bindings("Get"), Thing(id="x")).headers == {"Accept": "application/json"}


def test_decode_response_reads_the_whole_answer_or_its_response_body_field() -> None:
    update, get = bindings("Update")[0], bindings("Get")[0]
    assert decode_response(update, b'{"name": "n", "later": 1}', Thing()) == Thing(
        inner=Inner(name="n")
    )
    assert decode_response(get, b'{"id": "x", "inner": null}', Thing()) == Thing(id="x")
    wire = Thing(id="x").SerializeToString()
    assert decode_response(get, wire, Thing(), PROTOBUF) == Thing(id="x")
    with pytest.raises(ValueError):
        decode_response(get, b"<html>", Thing())


@pytest.mark.parametrize(
    "name, message",
    [
        (
            "Get",
            Thing(
                id="x", inner=Inner(name="n", color=RED), nums=[3, -4], labels={"a": "b"}, a="one"
            ),
        ),
        ("Nested", Thing(inner=Inner(name="n", n=-1), u=3)),
        ("Nested", Thing(inner=Inner(n=5), flag=True)),
        ("Under", Thing(parent="shelves/s 1", ratio=0.5)),
        ("Files", Thing(path="dir/sub dir/f.txt", opt=0)),
        ("Create", Thing(id="x", inner=Inner(name="n"), items=[Inner(n=1)], b=Inner(name="c"))),
        ("Update", Thing(id="x", inner=Inner(name="n", tags=["a", "b"]), color=GREEN)),
        ("Custom", Thing(id="x", names=["a"])),
    ],
)
def test_match_request_inverts_expand(name: str, message: Any) -> None:
    req = expand(bindings(name), message)
    route, back = match_request(
        THINGS_TABLE, req.verb, req.target, req.body or b"", req.content_type
    )
    assert (route.method.name, back) == (name, message)


def test_body_star_ignores_the_query_and_the_path_overrides_the_body() -> None:
    body = json.dumps({"id": "from-body", "color": "RED"}).encode()
    _, got = match_request(
        THINGS_TABLE, "POST", "/v1/things/from-path?color=GREEN&u=x;y", body, "application/json"
    )
    assert got == Thing(id="from-path", color=RED)


def test_body_decoding_follows_the_codec() -> None:
    binding = bindings("Create")[0]
    unknown = json.dumps({"colour": "RED"}).encode()
    with pytest.raises(GatewayError) as info:
        decode_request(binding, {"id": "x"}, [], unknown, Thing(), FLYTEADMIN_JSON)
    assert info.value.code == grpc.StatusCode.INVALID_ARGUMENT and "colour" in info.value.message
    assert decode_request(
        binding, {"id": "x"}, [], unknown, Thing(), GATEWAY_DEFAULT_JSON
    ) == Thing(id="x")
    assert decode_request(binding, {"id": "x"}, [], b"", Thing(), FLYTEADMIN_JSON) == Thing(
        id="x"
    )  # EOF is fine
    wire = Thing(names=["a"]).SerializeToString()
    assert decode_request(binding, {"id": "x"}, [], wire, Thing(), PROTOBUF) == Thing(
        id="x", names=["a"]
    )
    update = bindings("Update")[0]
    got = decode_request(
        update,
        {"id": "x"},
        parse_query_string("inner.n=5&color=1"),
        b'{"name":"n"}',
        Thing(),
        FLYTEADMIN_JSON,
    )
    assert got == Thing(
        id="x", inner=Inner(name="n"), color=RED
    )  # the query cannot reach into the body field


def test_path_values_of_the_wrong_type_are_invalid_argument() -> None:
    with pytest.raises(
        GatewayError, match='type mismatch, parameter: inner.n, error: parsing field "n"'
    ):
        match_request(THINGS_TABLE, "GET", "/v1/things/a/n/x")


def test_every_flyteidl_request_crosses_http_and_back() -> None:
    """Fully populated requests of every routed RPC: the HTTP request ``expand`` builds
    decodes to the same message, unless a field cannot be sent (repeated messages in a
    query), which ``expand`` says before anything is sent."""
    rng = random.Random(7)
    unroutable: List[str] = []
    for route in TABLE.routes:
        if route.index:
            continue
        request = _known_anys(populate(message_class(route.method.input_type)(), rng))
        try:
            req = expand(TABLE.bindings(route.full_method), request)
        except UnroutableRequest:
            unroutable.append(route.method.name)
            continue
        got_route, back = match_request(
            TABLE, req.verb, req.target, req.body or b"", req.content_type
        )
        assert got_route.method is route.method
        assert back == request, route.full_method
    assert unroutable == []


def _known_anys(message: Any) -> Any:
    """``populate`` fills ``Any`` fields with made-up type URLs: pack a real message instead
    (JSON needs the type)."""
    for fd, value in message.ListFields():
        if fd.message_type is None or fd.message_type.GetOptions().map_entry:
            continue
        for item in value if isinstance(value, Sequence) else [value]:  # type: ignore[arg-type]
            if item.DESCRIPTOR.full_name == "google.protobuf.Any":
                item.Pack(timestamp_pb2.Timestamp(seconds=1))
            else:
                _known_anys(item)
    return message


def test_an_any_of_an_unknown_type_cannot_be_sent_as_json() -> None:
    thing = Thing(id="x")
    thing.any.type_url, thing.any.value = "type.googleapis.com/nowhere.Unknown", b"\x08\x01"
    with pytest.raises(UnroutableRequest, match="cannot encode the body"):
        expand(bindings("Create"), thing)


def test_services_are_flyteadmins_five() -> None:
    assert [s.name for s in SERVICES] == [
        "AdminService",
        "AuthMetadataService",
        "IdentityService",
        "DataProxyService",
        "SignalService",
    ]
