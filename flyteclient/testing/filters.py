"""flyteadmin's list filter grammar and sort keys, evaluated in Python.

A filter string is ``func(field,value)`` expressions joined by ``+``; values
are raw text, ``value_in``/``value_not_in`` take ``;``-separated values.
Fields are an entity's columns, or a joined entity's columns with a prefix
(``task.``, ``workflow.``, ``launch_plan.``, ``execution.``).

Rows are flat dicts produced per entity by the servicers: own columns under
their bare name, joined columns under ``"<prefix>.<column>"``.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

from .errors import invalid

FUNCTIONS = (
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "not_like",
    "value_in",
    "value_not_in",
)
_EXPR = re.compile(r"^([A-Za-z_]+)\(([^,()]*),(.*)\)$", re.S)

IDENT_COLUMNS = frozenset(
    {"project", "domain", "name", "version", "org", "created_at", "updated_at"}
)
TASK_COLUMNS = IDENT_COLUMNS | {"type", "short_description"}
WORKFLOW_COLUMNS = IDENT_COLUMNS | {"short_description"}
LAUNCH_PLAN_COLUMNS = IDENT_COLUMNS | {"state", "workflow_id", "schedule_type"}
EXECUTION_COLUMNS = frozenset(
    {
        "project",
        "domain",
        "name",
        "org",
        "phase",
        "execution_created_at",
        "execution_updated_at",
        "created_at",
        "updated_at",
        "started_at",
        "duration",
        "user",
        "mode",
        "state",
        "error_kind",
        "error_code",
        "launch_plan_id",
        "workflow_id",
        "task_id",
        "cluster",
        "tags",
        "parent_node_execution_id",
    }
)
NODE_EXECUTION_COLUMNS = frozenset(
    {
        "node_id",
        "phase",
        "created_at",
        "updated_at",
        "started_at",
        "duration",
        "node_execution_created_at",
        "node_execution_updated_at",
        "error_kind",
        "error_code",
        "retry_group",
        "spec_node_id",
    }
)
TASK_EXECUTION_COLUMNS = frozenset(
    {
        "retry_attempt",
        "phase",
        "created_at",
        "updated_at",
        "started_at",
        "duration",
        "task_execution_created_at",
        "task_execution_updated_at",
        "node_id",
    }
)
PROJECT_COLUMNS = frozenset(
    {"identifier", "name", "description", "labels", "state", "org", "created_at", "updated_at"}
)
NAMED_ENTITY_COLUMNS = frozenset(
    {"project", "domain", "name", "org", "resource_type", "state", "description"}
)
DESCRIPTION_ENTITY_COLUMNS = IDENT_COLUMNS | {"short_description", "resource_type"}
SIGNAL_COLUMNS = frozenset({"signal_id", "project", "domain", "name", "created_at", "updated_at"})

_ID_JOIN = frozenset({"project", "domain", "name", "version", "org"})


@dataclass(frozen=True)
class Schema:
    """Filterable/sortable columns of one entity and the entities it joins."""

    entity: str
    columns: FrozenSet[str]
    joins: Mapping[str, FrozenSet[str]] = field(default_factory=dict)


SCHEMAS: Dict[str, Schema] = {
    "task": Schema("task", TASK_COLUMNS),
    "workflow": Schema("workflow", WORKFLOW_COLUMNS),
    "launch_plan": Schema("launch_plan", LAUNCH_PLAN_COLUMNS, {"workflow": _ID_JOIN}),
    "execution": Schema(
        "execution",
        EXECUTION_COLUMNS,
        {"launch_plan": _ID_JOIN, "workflow": _ID_JOIN, "task": _ID_JOIN},
    ),
    "node_execution": Schema(
        "node_execution",
        NODE_EXECUTION_COLUMNS,
        {"execution": frozenset({"project", "domain", "name", "org"})},
    ),
    "task_execution": Schema(
        "task_execution",
        TASK_EXECUTION_COLUMNS,
        {"task": _ID_JOIN, "execution": frozenset({"project", "domain", "name", "org"})},
    ),
    "project": Schema("project", PROJECT_COLUMNS),
    "named_entity": Schema("named_entity", NAMED_ENTITY_COLUMNS),
    "description_entity": Schema("description_entity", DESCRIPTION_ENTITY_COLUMNS),
    "signal": Schema(
        "signal", SIGNAL_COLUMNS, {"execution": frozenset({"project", "domain", "name", "org"})}
    ),
}


@dataclass(frozen=True)
class Filter:
    """One parsed expression: ``func(column,values)``; ``column`` is the row key."""

    func: str
    column: str
    values: Tuple[str, ...]

    def matches(self, row: Mapping[str, Any]) -> bool:
        actual = row.get(self.column)
        if self.func in ("value_in", "value_not_in"):
            hit = any(_cmp(actual, v) == 0 for v in self.values)
            return hit if self.func == "value_in" else not hit
        value = self.values[0]
        if self.func in ("contains", "not_like"):
            found = value in ("" if actual is None else _text(actual))
            return found if self.func == "contains" else not found
        c = _cmp(actual, value)
        if c is None:
            return self.func == "ne"
        return {
            "eq": c == 0,
            "ne": c != 0,
            "gt": c > 0,
            "gte": c >= 0,
            "lt": c < 0,
            "lte": c <= 0,
        }[self.func]


def parse_filters(text: str, schema: Schema) -> List[Filter]:
    """Parse and validate a filter string against ``schema``.

    Raises INVALID_ARGUMENT with flyteadmin's messages: ``invalid value for
    filters``, ``unrecognized filter function: foo``, ``'t.foo' is invalid
    filter``, ``'x' entity is not allowed in filters``.
    """
    out: List[Filter] = []
    if not text:
        return out
    for expr in text.split("+"):
        m = _EXPR.match(expr.strip())
        if not m:
            raise invalid("invalid value for filters")
        func, fld, raw = m.group(1), m.group(2).strip(), m.group(3)
        if func not in FUNCTIONS:
            raise invalid(f"unrecognized filter function: {func}")
        column = resolve_column(fld, schema)
        if func in ("value_in", "value_not_in"):
            values = tuple(raw.split(";"))
        else:
            values = (raw,)
        out.append(Filter(func, column, values))
    return out


def resolve_column(fld: str, schema: Schema) -> str:
    """Map a filter field to its row key, validating entity prefix and column."""
    if not fld:
        raise invalid("invalid value for filters")
    if "." in fld:
        prefix, col = fld.split(".", 1)
        if prefix == schema.entity:
            if col not in schema.columns:
                raise invalid(f"'{fld}' is invalid filter")
            return col
        if prefix not in schema.joins:
            raise invalid(f"'{prefix}' entity is not allowed in filters")
        if col not in schema.joins[prefix]:
            raise invalid(f"'{fld}' is invalid filter")
        return fld
    if fld not in schema.columns:
        raise invalid(f"'{fld}' is invalid filter")
    return fld


def names_column(filters: Sequence[Filter], column: str) -> bool:
    """True when some filter constrains ``column``."""
    return any(f.column == column for f in filters)


def apply_filters(
    rows: Sequence[Tuple[Any, Mapping[str, Any]]], filters: Sequence[Filter]
) -> List[Tuple[Any, Mapping[str, Any]]]:
    """Keep the (item, row) pairs whose row matches every filter."""
    return [(item, row) for item, row in rows if all(f.matches(row) for f in filters)]


def validate_sort_key(key: str, schema: Schema) -> str:
    if key not in schema.columns:
        raise invalid(f"invalid sort key '{key}'")
    return key


def apply_sort(
    rows: List[Tuple[Any, Mapping[str, Any]]],
    sort_by: Any,
    schema: Schema,
    default: Optional[Tuple[str, bool]] = None,
) -> List[Tuple[Any, Mapping[str, Any]]]:
    """Sort (item, row) pairs by ``sort_by`` (an admin.Sort or None).

    Direction: DESCENDING=0 (default), ASCENDING=1.  Without a key the
    ``default`` (column, ascending) is used, else insertion order is kept.
    """
    key: Optional[str] = None
    ascending = False
    if sort_by is not None and sort_by.key:
        key = validate_sort_key(sort_by.key, schema)
        ascending = sort_by.direction == 1
    elif default is not None:
        key, ascending = default
    if key is None:
        return list(rows)
    k = key
    return sorted(rows, key=lambda ir: _sort_key(ir[1].get(k)), reverse=not ascending)


# -- value comparison ---------------------------------------------------------
def _text(v: Any) -> str:
    if isinstance(v, _dt.datetime):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _sort_key(v: Any) -> Tuple[int, Any]:
    if v is None:
        return (0, 0)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return (1, v)
    if isinstance(v, _dt.datetime):
        return (2, v.timestamp())
    return (3, _text(v))


def _parse_time(s: str) -> Optional[_dt.datetime]:
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    try:
        t = _dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.timezone.utc)
    return t


def _cmp(actual: Any, raw: str) -> Optional[int]:
    """Compare a row value with a raw filter value; ``None`` when incomparable."""
    if actual is None:
        return None
    other: Any
    if isinstance(actual, bool):
        other = raw.strip().lower() in ("true", "1", "t")
    elif isinstance(actual, (int, float)):
        try:
            other = float(raw)
        except ValueError:
            return None
    elif isinstance(actual, _dt.datetime):
        other = _parse_time(raw)
        if other is None:
            return None
    else:
        actual, other = str(actual), raw
    return (actual > other) - (actual < other)
