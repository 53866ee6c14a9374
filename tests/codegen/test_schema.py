"""The schema's rules on a synthetic service (not only on flyteidl)."""

from __future__ import annotations

import pytest

from codegen.errors import CodegenError
from codegen.schema import ParamKind, RetryClass, ReturnShape, build_api
from tests.codegen.synthetic import loaded, surface, widget_service


def methods(**kwargs):
    service = widget_service(**{k: v for k, v in kwargs.items() if k in ("http", "deprecated")})
    api = build_api(loaded(service), kwargs.get("surface") or surface())
    return {m.name: m for m in api.methods}


def test_pagination_is_detected_from_the_messages():
    m = methods()
    assert m["ListWidgets"].is_paginated and m["ListWidgets"].items_field == "widgets"
    assert m["ListWidgets"].pager_name == "iter_widgets"
    assert not m["GetWidget"].is_paginated


def test_retry_class_by_rule():
    m = methods(
        http={"GetWidget": ("get", "/widgets/{name}"), "ListWidgets": ("post", "/widgets:list")}
    )
    assert m["GetWidget"].retry_class is RetryClass.READ  # a GET route
    assert m["ListWidgets"].retry_class is RetryClass.WRITE  # routed, but not GET
    assert m["Frob"].retry_class is RetryClass.READ  # no route; listed under reads
    assert m["CreateWidget"].retry_class is RetryClass.NON_IDEMPOTENT  # Create* prefix
    listed = methods(
        surface=surface(
            retry={
                "non_idempotent_prefixes": ["Create"],
                "idempotent": ["CreateWidget"],
                "reads": [],
            }
        )
    )
    assert listed["CreateWidget"].retry_class is RetryClass.WRITE


def test_http_route_and_deprecation_come_from_the_options():
    m = methods(http={"GetWidget": ("get", "/widgets/{name}")}, deprecated=["Frob"])
    assert m["GetWidget"].route == "GET /widgets/{name}"
    assert m["Frob"].deprecated and not m["GetWidget"].deprecated
    assert m["Frob"].route == "(no HTTP route)"


def test_default_friendly_parameters_flatten_the_request():
    m = methods()
    params = m["ListWidgets"].params
    assert [p.name for p in params] == ["limit", "token", "filters"]
    assert [p.kind for p in params] == [ParamKind.LIMIT, ParamKind.STR, ParamKind.FILTERS]
    assert [p.name for p in m["ListWidgets"].pager_params] == ["filters"]
    assert m["CreateWidget"].params[0].kind is ParamKind.MESSAGE
    assert m["Frob"].raw_optional  # a request without fields may be omitted


def test_declared_parameters_bindings_and_return_shapes():
    rpc = {
        "GetWidget": {
            "params": ["widget_name"],
            "bind": {"widget_name": "name"},
            "returns": "size",
        },
        "ListWidgets": {
            "raw": "list_widgets_paginated",
            "params": ["limit=100", "token=None"],
            "returns": "page",
        },
        "CreateWidget": {"params": ["widget"], "returns": "none", "created": True},
    }
    m = methods(surface=surface(rpc))
    assert m["GetWidget"].params[0].path == ("name",) and m["GetWidget"].shape is ReturnShape.FIELD
    assert m["GetWidget"].return_hint == "int"
    assert (
        m["ListWidgets"].shape is ReturnShape.PAGE
        and m["ListWidgets"].raw_name == "list_widgets_paginated"
    )
    assert m["CreateWidget"].returns_none and m["CreateWidget"].created


@pytest.mark.parametrize(
    "rpc, message",
    [
        ({"GetWidgets": {}}, "[rpc.GetWidgets]: flyteidl 0.0-test has no RPC GetWidgets"),
        (
            {"GetWidget": {"params": ["nope"]}},
            "[rpc.GetWidget]: message acme.GetWidgetRequest has no field 'nope'",
        ),
        (
            {"GetWidget": {"returns": "name.more"}},
            "[rpc.GetWidget]: acme.Widget: 'name.more' descends into a non-message field",
        ),
        (
            {"GetWidget": {"flytekit_model": "Task"}},
            "[rpc.GetWidget]: flytekit_model: 'Task' is not a dotted class path",
        ),
    ],
)
def test_surface_entries_that_do_not_fit_the_idl_fail_naming_the_rpc(rpc, message):
    with pytest.raises(CodegenError) as error:
        methods(surface=surface(rpc))
    assert message in str(error.value)


def test_an_optional_rpc_may_be_missing():
    assert "GetGadget" not in methods(surface=surface({"GetGadget": {"optional": True}}))


def test_two_rpcs_cannot_share_a_method_name():
    with pytest.raises(
        CodegenError, match="method name get_widget is used by both GetWidget and Frob"
    ):
        methods(surface=surface({"Frob": {"raw": "get_widget"}}))
