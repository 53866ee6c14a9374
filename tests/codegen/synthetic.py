"""Small synthetic IDLs for generator tests: a service built as descriptors in a private
pool, so each rule is checked on a few lines of IDL rather than only on flyteidl."""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Tuple

from google.api import annotations_pb2
from google.protobuf import descriptor_pb2, descriptor_pool

from codegen.load import LoadedServices
from codegen.surface import Surface, parse_surface

F = descriptor_pb2.FieldDescriptorProto
SCALAR = {
    "string": F.TYPE_STRING,
    "int32": F.TYPE_INT32,
    "bool": F.TYPE_BOOL,
    "bytes": F.TYPE_BYTES,
}


def message(
    fdp: descriptor_pb2.FileDescriptorProto, name: str, fields: Iterable[Tuple[str, str, bool]]
) -> None:
    """Add message ``name`` with ``(field, type, repeated)`` fields; a type not in SCALAR
    names a message of the same file."""
    msg = fdp.message_type.add(name=name)
    for number, (field, type_name, repeated) in enumerate(fields, start=1):
        f = msg.field.add(name=field, number=number, json_name=field)
        f.label = F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL
        if type_name in SCALAR:
            f.type = SCALAR[type_name]
        else:
            f.type, f.type_name = F.TYPE_MESSAGE, f".{fdp.package}.{type_name}"


def widget_service(
    http: Optional[Dict[str, Tuple[str, str]]] = None, deprecated: Iterable[str] = ()
) -> Any:
    """``acme.WidgetService``: ListWidgets (paginated), GetWidget, CreateWidget, Frob."""
    fdp = descriptor_pb2.FileDescriptorProto(
        name="acme/widgets.proto", package="acme", syntax="proto3"
    )
    message(fdp, "Widget", [("name", "string", False), ("size", "int32", False)])
    message(
        fdp,
        "ListWidgetsRequest",
        [("limit", "int32", False), ("token", "string", False), ("filters", "string", False)],
    )
    message(fdp, "ListWidgetsResponse", [("widgets", "Widget", True), ("token", "string", False)])
    message(fdp, "GetWidgetRequest", [("name", "string", False)])
    message(fdp, "CreateWidgetRequest", [("widget", "Widget", False)])
    message(fdp, "CreateWidgetResponse", [])
    message(fdp, "FrobRequest", [])
    service = fdp.service.add(name="WidgetService")
    for name, request, response in (
        ("ListWidgets", "ListWidgetsRequest", "ListWidgetsResponse"),
        ("GetWidget", "GetWidgetRequest", "Widget"),
        ("CreateWidget", "CreateWidgetRequest", "CreateWidgetResponse"),
        ("Frob", "FrobRequest", "Widget"),
    ):
        method = service.method.add(
            name=name, input_type=f".acme.{request}", output_type=f".acme.{response}"
        )
        if name in (http or {}):
            verb, path = http[name]  # type: ignore[index]
            setattr(method.options.Extensions[annotations_pb2.http], verb, path)
        if name in deprecated:
            method.options.deprecated = True
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return pool.FindServiceByName("acme.WidgetService")


def surface(rpc: Optional[Dict[str, Any]] = None, **top: Any) -> Surface:
    """A surface for the widget service; ``rpc`` entries and top-level tables override."""
    data: Dict[str, Any] = {
        "services": {"WidgetService": "acme.widgets_pb2"},
        "retry": {"non_idempotent_prefixes": ["Create"], "idempotent": [], "reads": ["Frob"]},
        "errors": {
            "default": "FlyteSystemException",
            "codes": {"NOT_FOUND": "FlyteEntityNotExistException"},
        },
        "rpc": rpc or {},
    }
    data.update(top)
    return parse_surface(data)


def loaded(service: Any) -> LoadedServices:
    return LoadedServices("0.0-test", (service,))
