"""Binding resolution (a node's inputs from upstream outputs, as propeller's resolver does),
promise attribute paths (``wf_output.field[0]``) and branch conditions."""

from __future__ import annotations

import datetime as _dt
import operator
from typing import Any, Callable, Dict, Mapping, Optional

from flyteidl.core import condition_pb2, literals_pb2, types_pb2
from google.protobuf import struct_pb2

START_NODE = "start-node"
END_NODE = "end-node"


class BindingError(Exception):
    """A binding cannot be resolved (missing upstream output, bad attribute path...)."""


Outputs = Mapping[str, literals_pb2.LiteralMap]


def resolve_bindings(bindings: Any, outputs: Outputs, node_id: str) -> literals_pb2.LiteralMap:
    """A LiteralMap from ``bindings`` (repeated ``Binding``); ``outputs`` maps node IDs (and
    ``""``/``start-node`` for the workflow inputs) to their output LiteralMaps."""
    lm = literals_pb2.LiteralMap()
    for b in bindings:
        lm.literals[b.var].CopyFrom(resolve(b.binding, outputs, node_id))
    return lm


def resolve(data: literals_pb2.BindingData, outputs: Outputs, node_id: str) -> literals_pb2.Literal:
    kind = data.WhichOneof("value")
    lit = literals_pb2.Literal()
    if kind == "scalar":
        lit.scalar.CopyFrom(data.scalar)
    elif kind == "collection":
        lit.collection.SetInParent()
        for item in data.collection.bindings:
            lit.collection.literals.append(resolve(item, outputs, node_id))
    elif kind == "map":
        lit.map.SetInParent()
        for key, item in data.map.bindings.items():
            lit.map.literals[key].CopyFrom(resolve(item, outputs, node_id))
    elif kind == "promise":
        lit = _promise(data.promise, outputs, node_id)
    elif kind == "offloaded_metadata":
        lit.offloaded_metadata.CopyFrom(data.offloaded_metadata)
    else:
        raise BindingError(f"[{node_id}] unsupported binding {kind!r}")
    if data.HasField("union"):
        wrapped = literals_pb2.Literal()
        wrapped.scalar.union.value.CopyFrom(lit)
        wrapped.scalar.union.type.CopyFrom(data.union.targetType)
        return wrapped
    return lit


def _promise(
    ref: types_pb2.OutputReference, outputs: Outputs, node_id: str
) -> literals_pb2.Literal:
    upstream = ref.node_id or START_NODE
    lm = outputs.get(upstream)
    if lm is None and upstream == START_NODE:
        lm = outputs.get("")
    if lm is None:
        raise BindingError(f"[{node_id}] upstream node [{upstream}] has no outputs")
    if ref.var not in lm.literals:
        raise BindingError(
            f"[{node_id}] failed to resolve binding: variable [{ref.var}] not found in the "
            f"outputs of node [{upstream}]"
        )
    lit = literals_pb2.Literal()
    lit.CopyFrom(lm.literals[ref.var])
    if ref.attr_path:
        lit = resolve_attr_path(node_id, lit, list(ref.attr_path))
    return lit


# -- attribute paths ---------------------------------------------------------------
def _attr(a: types_pb2.PromiseAttribute) -> Any:
    return a.int_value if a.WhichOneof("value") == "int_value" else a.string_value


def resolve_attr_path(node_id: str, lit: literals_pb2.Literal, path: list) -> literals_pb2.Literal:
    """Follow ``path`` through maps and lists, then into a dataclass/model value (msgpack
    binary or protobuf Struct) as propeller does."""
    count = 0
    cur = lit
    for a in path:
        kind = cur.WhichOneof("value")
        if kind == "map":
            key = _attr(a)
            if key not in cur.map.literals:
                raise BindingError(f"[{node_id}] key [{key}] does not exist in literal")
            cur = cur.map.literals[key]
        elif kind == "collection":
            idx = _attr(a)
            if not isinstance(idx, int) or idx >= len(cur.collection.literals):
                raise BindingError(f"[{node_id}] index [{idx}] is out of range")
            cur = cur.collection.literals[idx]
        else:
            break
        count += 1
    rest = path[count:]
    out = literals_pb2.Literal()
    out.CopyFrom(cur)
    if not rest or not out.HasField("scalar"):
        return out
    scalar = out.scalar
    if scalar.HasField("binary"):
        if scalar.binary.tag != "msgpack":
            raise BindingError(
                f"[{node_id}] Unsupported format '{scalar.binary.tag}' found for literal value."
            )
        import msgpack

        value = msgpack.unpackb(scalar.binary.value, raw=False, strict_map_key=False)
        value = _walk(node_id, value, rest)
        res = literals_pb2.Literal()
        res.scalar.binary.value = msgpack.packb(value, use_bin_type=True)
        res.scalar.binary.tag = "msgpack"
        return res
    if scalar.HasField("generic"):
        from google.protobuf import json_format

        value = json_format.MessageToDict(scalar.generic)
        return _to_literal(node_id, _walk(node_id, value, rest))
    return out


def _walk(node_id: str, value: Any, path: list) -> Any:
    for a in path:
        key = _attr(a)
        if isinstance(value, dict):
            if key not in value:
                raise BindingError(f"[{node_id}] key [{key}] does not exist in literal {value}")
            value = value[key]
        elif isinstance(value, list):
            if not isinstance(key, int) or key >= len(value):
                raise BindingError(f"[{node_id}] index [{key}] is out of range of {value}")
            value = value[key]
    return value


def _to_literal(node_id: str, value: Any) -> literals_pb2.Literal:
    lit = literals_pb2.Literal()
    if isinstance(value, dict):
        st = struct_pb2.Struct()
        st.update(value)
        lit.scalar.generic.CopyFrom(st)
    elif isinstance(value, list):
        lit.collection.SetInParent()
        for v in value:
            lit.collection.literals.append(_to_literal(node_id, v))
    elif isinstance(value, bool):
        lit.scalar.primitive.boolean = value
    elif isinstance(value, int):
        lit.scalar.primitive.integer = value
    elif isinstance(value, float):
        lit.scalar.primitive.float_value = value
    elif isinstance(value, str):
        lit.scalar.primitive.string_value = value
    else:
        raise BindingError(f"[{node_id}] Failed to resolve interface to literal scalar")
    return lit


# -- branch conditions ---------------------------------------------------------------
_OPS: Dict[int, Callable[[Any, Any], bool]] = {
    condition_pb2.ComparisonExpression.EQ: operator.eq,
    condition_pb2.ComparisonExpression.NEQ: operator.ne,
    condition_pb2.ComparisonExpression.GT: operator.gt,
    condition_pb2.ComparisonExpression.GTE: operator.ge,
    condition_pb2.ComparisonExpression.LT: operator.lt,
    condition_pb2.ComparisonExpression.LTE: operator.le,
}


def primitive_value(p: literals_pb2.Primitive) -> Any:
    kind = p.WhichOneof("value")
    if kind == "integer":
        return p.integer
    if kind == "float_value":
        return p.float_value
    if kind == "string_value":
        return p.string_value
    if kind == "boolean":
        return p.boolean
    if kind == "datetime":
        return p.datetime.ToDatetime(tzinfo=_dt.timezone.utc)
    if kind == "duration":
        return p.duration.ToTimedelta()
    return None


def literal_value(lit: literals_pb2.Literal) -> Any:
    """The comparable Python value of a scalar literal (None for none/void)."""
    if lit.WhichOneof("value") != "scalar":
        raise BindingError("only scalar values can be compared in a condition")
    s = lit.scalar
    kind = s.WhichOneof("value")
    if kind == "primitive":
        return primitive_value(s.primitive)
    if kind == "none_type" or kind is None:
        return None
    if kind == "union":
        return literal_value(s.union.value)
    if kind == "binary" and s.binary.tag == "msgpack":
        import msgpack

        return msgpack.unpackb(s.binary.value, raw=False)
    raise BindingError(f"values of kind {kind!r} cannot be compared in a condition")


def _operand(op: condition_pb2.Operand, inputs: literals_pb2.LiteralMap) -> Any:
    kind = op.WhichOneof("val")
    if kind == "primitive":
        return primitive_value(op.primitive)
    if kind == "var":
        if op.var not in inputs.literals:
            raise BindingError(f"condition variable [{op.var}] is not bound")
        return literal_value(inputs.literals[op.var])
    if kind == "scalar":
        lit = literals_pb2.Literal()
        lit.scalar.CopyFrom(op.scalar)
        return literal_value(lit)
    return None


def evaluate(expr: condition_pb2.BooleanExpression, inputs: literals_pb2.LiteralMap) -> bool:
    kind = expr.WhichOneof("expr")
    if kind == "conjunction":
        c = expr.conjunction
        left = evaluate(c.left_expression, inputs)
        if c.operator == condition_pb2.ConjunctionExpression.AND:
            return left and evaluate(c.right_expression, inputs)
        return left or evaluate(c.right_expression, inputs)
    if kind == "comparison":
        cmp = expr.comparison
        left, right = _operand(cmp.left_value, inputs), _operand(cmp.right_value, inputs)
        fn = _OPS.get(cmp.operator)
        if fn is None:
            raise BindingError(f"unsupported comparison operator {cmp.operator}")
        if (left is None or right is None) and cmp.operator not in (
            condition_pb2.ComparisonExpression.EQ,
            condition_pb2.ComparisonExpression.NEQ,
        ):
            raise BindingError("None can only be compared for equality")
        try:
            return bool(fn(left, right))
        except TypeError as exc:
            raise BindingError(f"cannot compare {left!r} and {right!r}: {exc}") from exc
    raise BindingError("empty boolean expression")


def upstream_of(node: Any) -> set:
    """Node IDs a node waits for: its ``upstream_node_ids`` and every promise it binds."""
    deps = set(node.upstream_node_ids)

    def walk(d: literals_pb2.BindingData) -> None:
        kind = d.WhichOneof("value")
        if kind == "promise":
            deps.add(d.promise.node_id or START_NODE)
        elif kind == "collection":
            for item in d.collection.bindings:
                walk(item)
        elif kind == "map":
            for item in d.map.bindings.values():
                walk(item)

    for b in node.inputs:
        walk(b.binding)
    deps.discard(START_NODE)
    deps.discard("")
    deps.discard(node.id)
    return deps


def optional_literal(lm: Optional[literals_pb2.LiteralMap]) -> literals_pb2.LiteralMap:
    return lm if lm is not None else literals_pb2.LiteralMap()
