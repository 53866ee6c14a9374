"""Events sent to LocalAdmin's own Admin service, in process, as flytepropeller sends them over
gRPC: the execution, node and task execution records are written by the same code that
serves ``CreateWorkflowEvent`` / ``CreateNodeEvent`` / ``CreateTaskEvent``."""

from __future__ import annotations

import logging
from typing import Any, Optional, Sequence

import grpc
from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.core import execution_pb2 as core_exec
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.event import event_pb2

from ..common import now_ts

_LOG = logging.getLogger("flyteclient.testing.executor")
PRODUCER = "local-admin"


class EventRejected(Exception):
    """The Admin service refused an event (e.g. the execution is already terminal)."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class LocalContext:
    """The servicer-side context of an in-process call: an abort raises :class:`EventRejected`
    (named for its main use; it carries any refused call's status code and message)."""

    def invocation_metadata(self) -> Sequence[Any]:
        return ()

    def abort_with_status(self, status: Any) -> None:
        raise EventRejected(status.code, status.details)

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        raise EventRejected(code, details)


class Recorder:
    """Sends workflow, node and task execution events to an Admin servicer."""

    def __init__(self, servicer: Any) -> None:
        self._servicer = servicer
        self._ctx = LocalContext()

    def workflow(
        self,
        eid: identifier_pb2.WorkflowExecutionIdentifier,
        phase: Any,
        *,
        outputs: Optional[literals_pb2.LiteralMap] = None,
        output_uri: str = "",
        error: Optional[core_exec.ExecutionError] = None,
    ) -> None:
        ev = event_pb2.WorkflowExecutionEvent(
            execution_id=eid, producer_id=PRODUCER, phase=phase, occurred_at=now_ts()
        )
        if error is not None:
            ev.error.CopyFrom(error)
        elif outputs is not None:
            ev.output_data.CopyFrom(outputs)
        elif output_uri:
            ev.output_uri = output_uri
        self._servicer.CreateWorkflowEvent(
            admin_event_pb2.WorkflowExecutionEventRequest(event=ev), self._ctx
        )

    def node(self, ev: event_pb2.NodeExecutionEvent) -> None:
        ev.producer_id = PRODUCER
        if not ev.HasField("occurred_at"):
            ev.occurred_at.CopyFrom(now_ts())
        ev.reported_at.CopyFrom(now_ts())
        self._servicer.CreateNodeEvent(
            admin_event_pb2.NodeExecutionEventRequest(event=ev), self._ctx
        )

    def task(self, ev: event_pb2.TaskExecutionEvent) -> None:
        ev.producer_id = PRODUCER
        if not ev.HasField("occurred_at"):
            ev.occurred_at.CopyFrom(now_ts())
        ev.reported_at.CopyFrom(now_ts())
        self._servicer.CreateTaskEvent(
            admin_event_pb2.TaskExecutionEventRequest(event=ev), self._ctx
        )
