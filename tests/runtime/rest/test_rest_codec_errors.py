"""Bodies as flyteadmin's marshalers write them, the status tables, grpc-gateway error bodies."""

from __future__ import annotations

import json

import grpc
import pytest
from flyteidl.admin import event_pb2, project_pb2
from google.protobuf import any_pb2, timestamp_pb2
from google.rpc import status_pb2

from flyteclient.runtime.rest import (
    CLIENT_JSON,
    FLYTEADMIN_JSON,
    GATEWAY_DEFAULT_JSON,
    PROTOBUF,
    code_from_http_status,
    codecs_for_request,
    decode_error,
    encode_error,
    http_status_from_code,
    json_to_message,
    message_to_dict,
    status_code,
)
from tests.support.rest_idl import RED, Inner, Thing

C = grpc.StatusCode


def test_emit_unpopulated_prints_every_field_as_protojson_does() -> None:
    thing = Thing(inner=Inner(name="n"), opt=0, labels={"k": "v"})
    thing.any.Pack(Inner())
    assert json.loads(FLYTEADMIN_JSON.encode(thing)) == {
        "id": "",
        "parent": "",
        "names": [],
        "nums": [],
        "color": "COLOR_UNSPECIFIED",
        "blob": "",
        "flag": False,
        "ratio": 0,
        "f": 0,
        "u": 0,
        "big": "0",
        "s": 0,
        "labels": {"k": "v"},
        "counts": {},
        "items": [],
        "renamed": "",
        "path": "",
        "opt": 0,  # a set proto3 optional; the unset oneof "choice" is left out
        "inner": {"name": "n", "n": 0, "color": "COLOR_UNSPECIFIED", "tags": []},
        "at": None,
        "wait": None,
        "maybe": None,
        "label": None,
        "mask": None,
        "extra": None,
        "any": {
            "@type": "type.googleapis.com/acme.Inner",
            "name": "",
            "n": 0,
            "color": "COLOR_UNSPECIFIED",
            "tags": [],
        },
    }
    camel = json.loads(GATEWAY_DEFAULT_JSON.encode(Thing(renamed="r")))
    assert camel["customName"] == "r" and "renamed" not in camel
    assert json.loads(CLIENT_JSON.encode(Thing(color=RED))) == {
        "color": "RED"
    }  # a client sends set fields only
    assert message_to_dict(Thing(u=3)) == {"u": 3}


def test_reading_bodies() -> None:
    assert json_to_message(b'{"customName": "a"}', Thing()) == json_to_message(
        b'{"renamed": "a"}', Thing()
    )
    assert json_to_message(b'{"color": 1, "big": "5", "names": null}', Thing()) == Thing(
        color=RED, big=5
    )
    assert json_to_message(b"  ", Thing()) == Thing()
    with pytest.raises(ValueError):
        json_to_message(b'{"nope": 1}', Thing(), ignore_unknown_fields=False)
    assert json_to_message(b'{"nope": 1}', Thing()) == Thing()  # a newer server's fields
    with pytest.raises(ValueError):
        json_to_message(b"\xff", Thing())
    with pytest.raises(ValueError):
        FLYTEADMIN_JSON.decode(b'{"nope": 1}', Thing())
    msg = Thing()
    PROTOBUF.decode(Thing(id="x").SerializeToString(), msg)
    assert msg == Thing(id="x")
    with pytest.raises(ValueError):
        PROTOBUF.decode(b"\xff\xff", Thing())


@pytest.mark.parametrize(
    "content_type, accept, inbound, outbound",
    [
        (None, None, GATEWAY_DEFAULT_JSON, GATEWAY_DEFAULT_JSON),
        ("application/json; charset=utf-8", None, FLYTEADMIN_JSON, FLYTEADMIN_JSON),
        ("Application/JSON", None, FLYTEADMIN_JSON, FLYTEADMIN_JSON),
        (None, "application/json", GATEWAY_DEFAULT_JSON, FLYTEADMIN_JSON),
        ("application/octet-stream", "application/json", PROTOBUF, FLYTEADMIN_JSON),
        (
            "application/json",
            "application/json, text/plain",
            FLYTEADMIN_JSON,
            FLYTEADMIN_JSON,
        ),  # Accept: exact only
        ("text/plain", "application/octet-stream", GATEWAY_DEFAULT_JSON, PROTOBUF),
    ],
)
def test_marshalers_are_picked_as_grpc_gateway_picks_them(
    content_type, accept, inbound, outbound
) -> None:
    assert codecs_for_request(content_type, accept) == (inbound, outbound)


def test_http_status_from_code_is_grpc_gateways_table() -> None:
    expected = {
        C.OK: 200,
        C.CANCELLED: 499,
        C.UNKNOWN: 500,
        C.INVALID_ARGUMENT: 400,
        C.DEADLINE_EXCEEDED: 504,
        C.NOT_FOUND: 404,
        C.ALREADY_EXISTS: 409,
        C.PERMISSION_DENIED: 403,
        C.UNAUTHENTICATED: 401,
        C.RESOURCE_EXHAUSTED: 429,
        C.FAILED_PRECONDITION: 400,
        C.ABORTED: 409,
        C.OUT_OF_RANGE: 400,
        C.UNIMPLEMENTED: 501,
        C.INTERNAL: 500,
        C.UNAVAILABLE: 503,
        C.DATA_LOSS: 500,
    }
    assert {c: http_status_from_code(c) for c in C} == expected
    assert http_status_from_code(5) == 404 and http_status_from_code(99) == 500
    assert status_code(16) == C.UNAUTHENTICATED and status_code(99) == C.UNKNOWN


def test_code_from_http_status_is_grpcs_table_for_answers_without_a_status() -> None:
    got = {
        s: code_from_http_status(s)
        for s in (100, 200, 400, 401, 403, 404, 407, 408, 429, 500, 502, 503, 504)
    }
    assert got == {
        100: C.INTERNAL,
        200: C.UNKNOWN,
        400: C.INTERNAL,
        401: C.UNAUTHENTICATED,
        403: C.PERMISSION_DENIED,
        404: C.UNIMPLEMENTED,
        407: C.UNKNOWN,
        408: C.UNKNOWN,
        429: C.UNAVAILABLE,
        500: C.UNKNOWN,
        502: C.UNAVAILABLE,
        503: C.UNAVAILABLE,
        504: C.UNAVAILABLE,
    }


def test_error_bodies_carry_flyteidl_details_both_ways() -> None:
    reason = event_pb2.EventFailureReason(
        already_in_terminal_state=event_pb2.EventErrorAlreadyInTerminalState(
            current_phase="SUCCEEDED"
        )
    )
    status, body = encode_error(C.FAILED_PRECONDITION, "already terminated", [reason])
    assert status == 400 and json.loads(body) == {
        "code": 9,
        "message": "already terminated",
        "details": [
            {
                "@type": "type.googleapis.com/flyteidl.admin.EventFailureReason",
                "already_in_terminal_state": {"current_phase": "SUCCEEDED"},
            }
        ],
    }
    err = decode_error(status, body, "application/json")
    assert (err.code, err.message, err.http_status, err.from_gateway) == (
        C.FAILED_PRECONDITION,
        "already terminated",
        400,
        True,
    )
    assert err.unpacked_details() == [reason]
    assert err.to_proto() == status_pb2.Status(
        code=9, message="already terminated", details=list(err.details)
    )
    status, body = encode_error(
        C.NOT_FOUND, "gone", [project_pb2.InactiveProject(id="p")], PROTOBUF
    )
    err = decode_error(status, body, "application/octet-stream")
    assert (status, err.code, err.message) == (404, C.NOT_FOUND, "gone")
    assert err.unpacked_details() == [project_pb2.InactiveProject(id="p")]
    assert json.loads(encode_error(C.UNAUTHENTICATED, "no")[1]) == {
        "code": 16,
        "message": "no",
        "details": [],
    }


def test_details_of_unknown_types() -> None:
    unknown = any_pb2.Any(type_url="type.googleapis.com/nowhere.Unknown", value=b"\x08\x01")
    assert encode_error(C.INTERNAL, "x", [unknown]) == (
        500,
        b'{"code": 13, "message": "failed to marshal error message"}',
    )
    body = json.dumps(
        {
            "code": 3,
            "message": "m",
            "details": [
                {"@type": "type.googleapis.com/nowhere.Unknown", "a": 1},
                {
                    "@type": "type.googleapis.com/google.protobuf.Timestamp",
                    "value": "2024-01-01T00:00:00Z",
                },
            ],
        }
    ).encode()
    err = decode_error(400, body, "application/json")
    assert err.code == C.INVALID_ARGUMENT and err.unparsed_details == (
        {"@type": "type.googleapis.com/nowhere.Unknown", "a": 1},
    )
    assert err.unpacked_details() == [timestamp_pb2.Timestamp(seconds=1704067200)]


@pytest.mark.parametrize(
    "status, body, content_type, code",
    [
        (
            502,
            b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>",
            "text/html",
            C.UNAVAILABLE,
        ),
        (503, b"upstream connect error", "text/plain", C.UNAVAILABLE),
        (401, b"<html>Unauthorized</html>", "text/html", C.UNAUTHENTICATED),
        (404, b"404 page not found", None, C.UNIMPLEMENTED),
        (400, b'{"error": "bad"}', "application/json", C.INTERNAL),
        (500, b'{"code": "13", "message": "x"}', "application/json", C.UNKNOWN),
        (403, b"", None, C.PERMISSION_DENIED),
        (400, b"\x00\x01", "application/octet-stream", C.INTERNAL),
    ],
)
def test_answers_that_are_not_grpc_gateway_errors(status, body, content_type, code) -> None:
    err = decode_error(status, body, content_type)
    assert (err.code, err.from_gateway, err.http_status) == (code, False, status)
    assert err.message.startswith(f"HTTP {status} with no grpc-gateway status")
    assert "<" not in err.message


def test_an_html_page_is_summarised_in_the_message() -> None:
    err = decode_error(502, b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>", "text/html")
    assert err.message == "HTTP 502 with no grpc-gateway status: 502 Bad Gateway nginx"
