"""flytekit's iteration helpers, with the same parameters, built on the generated pagers."""

from __future__ import annotations

from typing import Any, Iterator, Optional

from flyteidl.admin import common_pb2

DEFAULT_SORT_ASC = common_pb2.Sort(key="created_at", direction=common_pb2.Sort.ASCENDING)


def _page_size(limit: Optional[int]) -> int:
    """flytekit's: pages of 100, or of ``limit`` when fewer are wanted."""
    return min(100, limit) if limit else 100


def iterate_node_executions(
    client: Any,
    workflow_execution_identifier: Any = None,
    task_execution_identifier: Any = None,
    limit: Optional[int] = None,
    filters: Any = None,
    sort_by: Any = DEFAULT_SORT_ASC,
    unique_parent_id: Optional[str] = None,
) -> Iterator[Any]:
    """Every node execution of a workflow execution, or the children of a task execution
    when ``task_execution_identifier`` is given, oldest first; at most ``limit``."""
    if workflow_execution_identifier is not None:
        return iter(
            client.iter_node_executions(
                workflow_execution_identifier,
                filters=filters,
                sort_by=sort_by,
                unique_parent_id=unique_parent_id,
                page_size=_page_size(limit),
                limit=limit,
            )
        )
    if task_execution_identifier is None:
        raise TypeError(
            "iterate_node_executions needs workflow_execution_identifier or task_execution_identifier"
        )
    return iter(
        client.iter_node_executions_for_task(
            task_execution_identifier,
            filters=filters,
            sort_by=sort_by,
            page_size=_page_size(limit),
            limit=limit,
        )
    )


def iterate_task_executions(
    client: Any,
    node_execution_identifier: Any,
    limit: Optional[int] = None,
    filters: Any = None,
    sort_by: Any = DEFAULT_SORT_ASC,
) -> Iterator[Any]:
    """Every task execution (attempt) of a node execution, oldest first; at most ``limit``."""
    return iter(
        client.iter_task_executions(
            node_execution_identifier,
            filters=filters,
            sort_by=sort_by,
            page_size=_page_size(limit),
            limit=limit,
        )
    )
