"""Query parameters both ways: a client's ``query_params`` and grpc-gateway's parser."""

from __future__ import annotations

import base64
from typing import List, Tuple

import pytest
from google.protobuf import duration_pb2, field_mask_pb2, struct_pb2, timestamp_pb2, wrappers_pb2

from flyteclient.runtime.rest import (
    QueryError,
    encode_query,
    parse_query_string,
    populate_query,
    query_params,
)
from tests.support.rest_idl import GREEN, RED, Inner, Thing


def parsed(*pairs: Tuple[str, str], skip: List[Tuple[str, ...]] = ()) -> object:  # type: ignore[assignment]
    msg = Thing()
    populate_query(msg, list(pairs), skip)
    return msg


def full_thing() -> object:
    t = Thing(
        id="x",
        inner=Inner(name="in", n=-3, color=GREEN, tags=["t1", "t 2"]),
        names=["a", "b&c"],
        nums=[1, -2],
        color=RED,
        blob=b"\xfb\xff\x00",
        flag=True,
        ratio=0.25,
        f=1.5,
        u=7,
        big=-(2**62),
        s=-5,
        labels={"k": "v", "k2": "v 2"},
        counts={"c": 3},
        b=Inner(name="choice"),
        opt=0,
        renamed="r",
        path="p/q",
    )
    t.at.CopyFrom(timestamp_pb2.Timestamp(seconds=1_700_000_000, nanos=500_000_000))
    t.wait.CopyFrom(duration_pb2.Duration(seconds=90, nanos=500_000_000))
    t.maybe.CopyFrom(wrappers_pb2.Int32Value(value=0))
    t.label.CopyFrom(wrappers_pb2.StringValue(value="lbl"))
    t.mask.CopyFrom(field_mask_pb2.FieldMask(paths=["inner.name", "color"]))
    t.extra.CopyFrom(struct_pb2.Struct(fields={"x": struct_pb2.Value(number_value=1)}))
    return t


def test_query_params_of_every_kind_of_field() -> None:
    pairs = query_params(full_thing(), skip={"id"})
    assert pairs == [
        ("inner.name", "in"),
        ("inner.n", "-3"),
        ("inner.color", "GREEN"),
        ("inner.tags", "t1"),
        ("inner.tags", "t 2"),
        ("names", "a"),
        ("names", "b&c"),
        ("nums", "1"),
        ("nums", "-2"),
        ("color", "RED"),
        ("blob", base64.urlsafe_b64encode(b"\xfb\xff\x00").decode()),
        ("flag", "true"),
        ("ratio", "0.25"),
        ("f", "1.5"),
        ("u", "7"),
        ("big", str(-(2**62))),
        ("s", "-5"),
        ("at", "2023-11-14T22:13:20.500Z"),
        ("wait", "90.500s"),
        ("maybe", "0"),
        ("label", "lbl"),
        ("mask", "inner.name,color"),
        ("labels[k]", "v"),
        ("labels[k2]", "v 2"),
        ("counts[c]", "3"),
        ("b.name", "choice"),
        ("opt", "0"),
        ("renamed", "r"),
        ("path", "p/q"),
        ("extra", '{"x":1.0}'),
    ]
    assert (
        encode_query([("a b", "c&d=e/f"), ("labels[k]", "\u00e9")])
        == "a%20b=c%26d%3De%2Ff&labels%5Bk%5D=%C3%A9"
    )


def test_query_params_round_trip_through_the_gateway_parser() -> None:
    original = full_thing()
    pairs = query_params(original)
    back = Thing()
    populate_query(back, parse_query_string(encode_query(pairs)))
    assert back == original


def test_an_empty_but_set_message_stays_set() -> None:
    sent = Thing(inner=Inner())
    assert query_params(sent) == [("inner.name", "")]
    assert parsed(*query_params(sent)) == sent


def test_fields_with_no_query_form_are_refused() -> None:
    with pytest.raises(QueryError, match="items"):
        query_params(Thing(items=[Inner(name="x")]))


def test_a_message_without_a_text_form_goes_field_by_field() -> None:
    t = Thing()
    t.any.Pack(Inner(name="x"))
    pairs = query_params(t)
    assert [k for k, _ in pairs] == ["any.type_url", "any.value"]
    assert parsed(*pairs) == t


def test_skipped_fields_and_everything_under_them_are_left_out() -> None:
    t = Thing(id="x", inner=Inner(name="n", n=2))
    assert query_params(t, skip={"id", "inner.name"}) == [("inner.n", "2")]
    assert (
        query_params(Thing(inner=Inner(name="n")), skip={"inner.name"}) == []
    )  # the path sets inner


# -- the server side ---------------------------------------------------------------------
def test_parse_query_string_is_gos_url_parse_query() -> None:
    assert parse_query_string("a=1&&b=x+y%2B&c&d=") == [
        ("a", "1"),
        ("b", "x y+"),
        ("c", ""),
        ("d", ""),
    ]
    assert parse_query_string("") == []
    with pytest.raises(ValueError, match="invalid semicolon separator in query"):
        parse_query_string("a=1;b=2")
    with pytest.raises(ValueError, match='invalid URL escape "%g1"'):
        parse_query_string("a=%g1")


def test_names_may_be_proto_or_json_names() -> None:
    assert parsed(("customName", "x"), ("inner.tags", "a")) == Thing(
        renamed="x", inner=Inner(tags=["a"])
    )
    assert parsed(("renamed", "x")) == Thing(renamed="x")


@pytest.mark.parametrize(
    "pairs, expected",
    [
        ((("color", "GREEN"),), Thing(color=GREEN)),
        ((("color", "2"),), Thing(color=GREEN)),
        ((("flag", "t"),), Thing(flag=True)),
        ((("flag", "FALSE"),), Thing(flag=False)),
        ((("big", "+9223372036854775807"),), Thing(big=2**63 - 1)),
        ((("ratio", "1e3"),), Thing(ratio=1000.0)),
        ((("ratio", "0x1p-2"),), Thing(ratio=0.25)),
        ((("ratio", "-Inf"),), Thing(ratio=float("-inf"))),
        ((("blob", "+/8A"),), Thing(blob=b"\xfb\xff\x00")),  # standard base64 ...
        ((("blob", "-_8A"),), Thing(blob=b"\xfb\xff\x00")),  # ... or URL-safe
        ((("nums", "1"), ("nums", "2")), Thing(nums=[1, 2])),
        ((("labels[a b]", "c"),), Thing(labels={"a b": "c"})),
        ((("maybe", "-4"),), Thing(maybe=wrappers_pb2.Int32Value(value=-4))),
        ((("mask", "a.b,c"),), Thing(mask=field_mask_pb2.FieldMask(paths=["a.b", "c"]))),
        (
            (("wait", "1h2m3.5s"),),
            Thing(wait=duration_pb2.Duration(seconds=3723, nanos=500_000_000)),
        ),
        ((("wait", "-300ms"),), Thing(wait=duration_pb2.Duration(nanos=-300_000_000))),
        (
            (("at", "2024-01-02T03:04:05+01:00"),),
            Thing(at=timestamp_pb2.Timestamp(seconds=1704161045)),
        ),
        (
            (("extra", '{"k":[1,"x"]}'),),
            Thing(
                extra=struct_pb2.Struct(
                    fields={
                        "k": struct_pb2.Value(
                            list_value=struct_pb2.ListValue(
                                values=[
                                    struct_pb2.Value(number_value=1),
                                    struct_pb2.Value(string_value="x"),
                                ]
                            )
                        )
                    }
                )
            ),
        ),
        ((("a", "x"), ("opt", "0")), Thing(a="x", opt=0)),  # proto3 optional is no real oneof
        (
            (("b.name", "x"), ("b.n", "2")),
            Thing(b=Inner(name="x", n=2)),
        ),  # the same oneof member twice
        (
            (("bogus", "1"), ("inner.bogus", "1")),
            Thing(inner=Inner()),
        ),  # ignored (the walk still made inner)
    ],
)
def test_values_parse_as_grpc_gateway_parses_them(
    pairs: Tuple[Tuple[str, str], ...], expected: object
) -> None:
    assert parsed(*pairs) == expected


@pytest.mark.parametrize(
    "pairs, message",
    [
        ((("u", "1"), ("u", "2")), 'too many values for field "u": 1, 2'),
        ((("u", "-1"),), 'parsing field "u": strconv.ParseUint: parsing "-1": invalid syntax'),
        (
            (("s", "2147483648"),),
            'parsing field "s": strconv.ParseInt: parsing "2147483648": value out of range',
        ),
        (
            (("flag", "yes"),),
            'parsing field "flag": strconv.ParseBool: parsing "yes": invalid syntax',
        ),
        ((("color", "BLUE"),), 'parsing field "color": "BLUE" is not a valid value'),
        ((("color", "9"),), 'parsing field "color": "9" is not a valid value'),
        (
            (("f", "1e39"),),
            'parsing field "f": strconv.ParseFloat: parsing "1e39": value out of range',
        ),
        (
            (("ratio", "1_0"),),
            'parsing field "ratio": strconv.ParseFloat: parsing "1_0": invalid syntax',
        ),
        ((("blob", "!!"),), 'parsing field "blob": illegal base64 data'),
        ((("wait", "5"),), 'parsing field "wait": time: missing unit in duration "5"'),
        ((("wait", "5x"),), 'parsing field "wait": time: unknown unit "x" in duration "5x"'),
        ((("at", "yesterday"),), 'parsing field "at": parsing time "yesterday"'),
        (
            (("nums", "1"), ("nums", "x")),
            'parsing list "nums": strconv.ParseInt: parsing "x": invalid syntax',
        ),
        ((("labels", "v"),), 'more than one value provided for key "v" in map "acme.Thing.labels"'),
        (
            (("counts[c]", "x"),),
            'parsing map value "counts": strconv.ParseInt: parsing "x": invalid syntax',
        ),
        ((("items", "x"),), 'parsing list "items": unsupported message type: "acme.Inner"'),
        ((("inner", "x"),), 'parsing field "inner": unsupported message type: "acme.Inner"'),
        ((("id.x", "1"),), 'invalid path: "id" is not a message'),
        ((("items.name", "1"),), 'invalid path: "items" is not a message'),
        ((("a", "x"), ("b.name", "y")), 'field already set for oneof "choice"'),
    ],
)
def test_bad_parameters_fail_with_grpc_gateways_words(
    pairs: Tuple[Tuple[str, str], ...], message: str
) -> None:
    with pytest.raises(ValueError) as info:
        parsed(*pairs)
    assert str(info.value).startswith(message)


def test_parameters_under_a_skipped_field_are_ignored_whatever_their_name() -> None:
    skip = [("inner", "name"), ("id",)]
    assert parsed(("inner.name", "x"), ("id", "y"), ("inner.n", "3"), skip=skip) == Thing(
        inner=Inner(n=3)
    )
    assert parsed(("inner.name", "x"), skip=[("inner",)]) == Thing()
