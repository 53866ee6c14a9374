"""Helpers shared by the Admin servicer modules: time, keys, validation, listing."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Callable, Iterable, List, Mapping, Optional, Sequence, Tuple

from flyteidl.admin import project_pb2
from flyteidl.core import identifier_pb2
from google.protobuf import timestamp_pb2
from google.protobuf.message import Message

from . import filters as F
from .errors import id_text, invalid, not_found
from .pagination import check_limit, paginate, parse_token
from .store import Store

RT = identifier_pb2.ResourceType
RESOURCE_NAMES = {
    RT.TASK: "task",
    RT.WORKFLOW: "workflow",
    RT.LAUNCH_PLAN: "launch plan",
    RT.DATASET: "dataset",
}
KIND_OF = {RT.TASK: "task", RT.WORKFLOW: "workflow", RT.LAUNCH_PLAN: "launch_plan"}


def now_ts() -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.GetCurrentTime()
    return ts


def ts_dt(ts: timestamp_pb2.Timestamp) -> Optional[_dt.datetime]:
    if ts.seconds == 0 and ts.nanos == 0:
        return None
    try:
        return ts.ToDatetime(tzinfo=_dt.timezone.utc)
    except (ValueError, OverflowError):
        return None


def id_key(i: identifier_pb2.Identifier) -> Tuple[str, ...]:
    return (i.org, i.project, i.domain, i.name, i.version)


def exec_key(e: identifier_pb2.WorkflowExecutionIdentifier) -> Tuple[str, ...]:
    return (e.org, e.project, e.domain, e.name)


def node_key(n: identifier_pb2.NodeExecutionIdentifier) -> Tuple[str, ...]:
    return exec_key(n.execution_id) + (n.node_id,)


def task_exec_key(t: identifier_pb2.TaskExecutionIdentifier) -> Tuple[Any, ...]:
    return (
        node_key(t.node_execution_id)
        + (t.task_id.resource_type,)
        + id_key(t.task_id)
        + (t.retry_attempt,)
    )


def missing_entity(i: identifier_pb2.Identifier) -> Exception:
    rt = RT.Name(i.resource_type) if i.resource_type in RT.values() else str(i.resource_type)
    return not_found(f"missing entity of type {rt} with identifier {id_text(i)}")


def require(value: Any, name: str) -> None:
    if not value:
        raise invalid(f"missing {name}")


def validate_identifier(
    i: Optional[identifier_pb2.Identifier],
    expected: identifier_pb2.ResourceType,
    present: bool = True,
) -> None:
    """flyteadmin's identifier checks: presence, resource type, then each field."""
    if not present or i is None:
        raise invalid("missing id")
    if i.resource_type != expected:
        got = (
            RT.Name(i.resource_type).lower()
            if i.resource_type in RT.values()
            else str(i.resource_type)
        )
        raise invalid(
            f"unexpected resource type {got} for identifier [{id_text(i)}], "
            f"expected {RESOURCE_NAMES.get(expected, RT.Name(expected).lower())} instead"
        )
    for fld in ("project", "domain", "name", "version"):
        require(getattr(i, fld), fld)


def validate_exec_id(e: Any, present: bool = True) -> None:
    if not present:
        raise invalid("missing id")
    require(e.project, "project")
    require(e.domain, "domain")
    require(e.name, "name")


class Base:
    """State and validation shared by the servicer mixins."""

    store: Store
    domains: Tuple[str, ...]

    def get_project(self, project: str) -> project_pb2.Project:
        p = self.store.get("project", (project,))
        if p is None:
            raise not_found(f"project [{project}] not found")
        return p

    def validate_project_domain(
        self, project: str, domain: str, org: str = ""
    ) -> project_pb2.Project:
        """Project registered and domain configured, else INVALID_ARGUMENT (flyteadmin texts)."""
        p = self.store.get("project", (project,))
        if p is None:
            raise invalid(
                f"failed to validate that project [{project}] and domain [{domain}] are registered, "
                f"err: [project [{project}] not found]"
            )
        if domain not in self.domains:
            raise invalid(f"domain [{domain}] is unrecognized by system")
        return p

    def require_active_project(self, project: str, domain: str, org: str = "") -> None:
        """Like :meth:`validate_project_domain`, and the project must not be archived."""
        p = self.validate_project_domain(project, domain, org)
        if p.state in (project_pb2.Project.ARCHIVED, project_pb2.Project.SYSTEM_ARCHIVED):
            raise invalid(
                f"project [{project}] is not active",
                project_pb2.InactiveProject(id=project, org=org),
            )

    def list_page(
        self,
        items: Iterable[Message],
        row: Callable[[Any], Mapping[str, Any]],
        entity: str,
        filters: str,
        sort_by: Any,
        limit: int,
        token: str,
        rpc: str,
        default_sort: Optional[Tuple[str, bool]] = None,
        default_filters: Sequence[Tuple[str, F.Filter]] = (),
        zero_means_all: bool = False,
    ) -> Tuple[List[Any], str]:
        """Validate limit/token/filters/sort, filter, sort and paginate.

        ``default_filters`` are (column, filter) pairs applied unless the user's
        filters name that column (e.g. execution ``state``).
        """
        if not zero_means_all:
            check_limit(limit)
        parse_token(token, rpc)
        schema = F.SCHEMAS[entity]
        parsed = F.parse_filters(filters, schema)
        if sort_by is not None and sort_by.key:
            F.validate_sort_key(sort_by.key, schema)
        for col, flt in default_filters:
            if not F.names_column(parsed, col):
                parsed.append(flt)
        rows = [(it, row(it)) for it in items]
        rows = F.apply_filters(rows, parsed)
        rows = F.apply_sort(rows, sort_by, schema, default_sort)
        page, nxt = paginate([it for it, _ in rows], limit, token, rpc, zero_means_all)
        return page, nxt


NAME_RE = re.compile(r"^[a-z][a-z\-0-9]*$")
DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
