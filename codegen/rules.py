"""The rules of ``codegen diff``: every report line names one.

Rule names follow buf's breaking-change rules where there is one (``FIELD_SAME_JSON_NAME``,
``FIELD_NO_DELETE``...). Categories:

``WIRE_JSON``
    the binary or JSON encoding of a message the client sends or receives, or an RPC's
    shape, changes: old and new peers disagree. At least as strict as buf's WIRE_JSON
    category, applied to every type the services reach: where buf allows a change
    (``int32`` -> ``int64``, implicit -> explicit presence) these rules still flag it,
    because the Python value or ``HasField`` behaviour changes for the client's callers.
``CLIENT``
    the Python surface of flyteclient or of the ``_pb2`` modules its callers use: method
    and parameter names, defaults, return types, retry classes, the module a class lives in.
``COMPATIBLE``
    additions and other changes existing code and peers survive, listed for the record.

A rule's verdict is fixed: ``breaking`` rules always mark their line **breaking**.
"""

from __future__ import annotations

from dataclasses import dataclass

WIRE_JSON, CLIENT, COMPATIBLE = "WIRE_JSON", "CLIENT", "COMPATIBLE"

# Report sections, in order: (key, heading).
SECTIONS = (
    ("rpcs", "RPCs"),
    ("signatures", "Method names and signatures"),
    ("types", "Messages and enums"),
    ("behaviour", "Retry classes and HTTP routes"),
)


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    section: str
    summary: str

    @property
    def breaking(self) -> bool:
        return self.category != COMPATIBLE


# fmt: off
_RULES = (
    # -- RPCs --------------------------------------------------------------------------
    Rule("RPC_NO_DELETE", CLIENT, "rpcs", "an RPC (or a whole service) is removed"),
    Rule("RPC_SAME_REQUEST_TYPE", WIRE_JSON, "rpcs", "an RPC's request message type is replaced"),
    Rule("RPC_SAME_RESPONSE_TYPE", WIRE_JSON, "rpcs", "an RPC's response message type is replaced"),
    Rule("RPC_SAME_CLIENT_STREAMING", WIRE_JSON, "rpcs", "client streaming turned on or off"),
    Rule("RPC_SAME_SERVER_STREAMING", WIRE_JSON, "rpcs", "server streaming turned on or off"),
    Rule("RPC_SAME_IDEMPOTENCY_LEVEL", WIRE_JSON, "rpcs", "the idempotency_level option changes"),
    Rule("RPC_ADDED", COMPATIBLE, "rpcs", "an RPC is added"),
    Rule("RPC_DEPRECATION", COMPATIBLE, "rpcs", "an RPC is deprecated or undeprecated"),
    # -- Python methods --------------------------------------------------------------
    Rule("CLIENT_NO_DELETE", CLIENT, "signatures", "a client class (sync or async flavour) is removed or renamed"),
    Rule("CLIENT_ADDED", COMPATIBLE, "signatures", "a client flavour or class is added"),
    Rule("METHOD_SAME_NAME", CLIENT, "signatures", "a raw, friendly or pager method is renamed"),
    Rule("METHOD_SAME_RETURN_TYPE", CLIENT, "signatures", "a friendly method's return type changes"),
    Rule("PAGER_NO_DELETE", CLIENT, "signatures", "a pager method is removed"),
    Rule("PAGER_SAME_ITEMS", CLIENT, "signatures", "a pager yields another response field"),
    Rule("PARAMETER_NO_DELETE", CLIENT, "signatures", "a parameter is removed"),
    Rule("PARAMETER_SAME_NAME", CLIENT, "signatures", "a parameter is renamed"),
    Rule("PARAMETER_SAME_POSITION", CLIENT, "signatures", "a positional parameter moves"),
    Rule("PARAMETER_NO_KEYWORD_ONLY", CLIENT, "signatures", "a positional parameter becomes keyword-only"),
    Rule("PARAMETER_SAME_DEFAULT", CLIENT, "signatures", "a default is changed or removed"),
    Rule("PARAMETER_NO_ADD_REQUIRED", CLIENT, "signatures", "a parameter without a default is added"),
    Rule("PAGER_ADDED", COMPATIBLE, "signatures", "a pager method is added"),
    Rule("PARAMETER_ADDED", COMPATIBLE, "signatures", "a parameter with a default is added"),
    Rule("PARAMETER_DEFAULT_ADDED", COMPATIBLE, "signatures", "a required parameter gets a default"),
    Rule("PARAMETER_POSITIONAL", COMPATIBLE, "signatures", "a keyword-only parameter may be positional"),
    Rule("SIGNATURE_FORMAT", COMPATIBLE, "signatures", "a signature is written differently, same parameters"),
    # -- messages and enums ----------------------------------------------------------
    Rule("MESSAGE_NO_DELETE", WIRE_JSON, "types", "a reachable message is gone (deleted, renamed or no longer referenced)"),
    Rule("ENUM_NO_DELETE", WIRE_JSON, "types", "a reachable enum is gone (deleted, renamed or no longer referenced)"),
    Rule("TYPE_SAME_FILE", CLIENT, "types", "a message or enum moves to another .proto file, so another _pb2 module"),
    Rule("FIELD_NO_DELETE", WIRE_JSON, "types", "a field is deleted without reserving its number and name"),
    Rule("FIELD_SAME_NUMBER", WIRE_JSON, "types", "a field keeps its name under another number"),
    Rule("FIELD_SAME_NAME", WIRE_JSON, "types", "a field number gets another name"),
    Rule("FIELD_SAME_JSON_NAME", WIRE_JSON, "types", "a field's JSON name changes"),
    Rule("FIELD_SAME_TYPE", WIRE_JSON, "types", "a field's type changes (scalar, message, enum or map types)"),
    Rule("FIELD_SAME_CARDINALITY", WIRE_JSON, "types", "a field's label changes (optional, required, repeated, map)"),
    Rule("FIELD_SAME_PRESENCE", WIRE_JSON, "types", "a field's presence changes (implicit or explicit)"),
    Rule("FIELD_SAME_ONEOF", WIRE_JSON, "types", "a field moves into, out of or between oneofs"),
    Rule("FIELD_SAME_DEFAULT", WIRE_JSON, "types", "a field's default value (proto2) changes"),
    Rule("MESSAGE_SAME_REQUIRED_FIELDS", WIRE_JSON, "types", "a required field is added"),
    Rule("RESERVED_MESSAGE_NO_DELETE", WIRE_JSON, "types", "a message's reserved number or name is released"),
    Rule("ENUM_VALUE_NO_DELETE", WIRE_JSON, "types", "an enum value is deleted without reserving its number and name"),
    Rule("ENUM_VALUE_SAME_NUMBER", WIRE_JSON, "types", "an enum value keeps its name under another number"),
    Rule("ENUM_VALUE_SAME_NAME", WIRE_JSON, "types", "an enum number gets another name"),
    Rule("ENUM_SAME_TYPE", WIRE_JSON, "types", "an enum becomes open or closed"),
    Rule("RESERVED_ENUM_NO_DELETE", WIRE_JSON, "types", "an enum's reserved number or name is released"),
    Rule("MESSAGE_ADDED", COMPATIBLE, "types", "a message becomes reachable"),
    Rule("ENUM_ADDED", COMPATIBLE, "types", "an enum becomes reachable"),
    Rule("FIELD_ADDED", COMPATIBLE, "types", "a field is added"),
    Rule("FIELD_DELETED_RESERVED", COMPATIBLE, "types", "a field is deleted and its number and name reserved"),
    Rule("ENUM_VALUE_ADDED", COMPATIBLE, "types", "an enum value is added"),
    Rule("ENUM_VALUE_DELETED_RESERVED", COMPATIBLE, "types", "an enum value is deleted and its number and name reserved"),
    Rule("RESERVED_ADDED", COMPATIBLE, "types", "a number or name is reserved"),
    Rule("DEPRECATION", COMPATIBLE, "types", "a message, enum, field or value is deprecated or undeprecated"),
    # -- behaviour -------------------------------------------------------------------
    Rule("RETRY_SAME_CLASS", CLIENT, "behaviour", "an RPC's retry class changes (read, write, non_idempotent)"),
    Rule("HTTP_ROUTE", COMPATIBLE, "behaviour", "an HTTP route changes (informational: the client calls gRPC)"),
)
# fmt: on

RULES: dict[str, Rule] = {r.id: r for r in _RULES}
