"""What node handlers share: writing a node's outputs, turning a cancellation into ABORTED or
(for a node's own timeout) TIMED_OUT, terminal phases."""

from __future__ import annotations

import os

from flyteidl.core import execution_pb2 as core_exec
from flyteidl.core import literals_pb2

from .context import KIND, NP, NodeCtx, NodeResult, execution_error
from .ids import go_duration

WP = core_exec.WorkflowExecution.Phase
NODE_TERMINAL = {NP.SUCCEEDED, NP.FAILED, NP.ABORTED, NP.SKIPPED, NP.TIMED_OUT, NP.RECOVERED}
WF_TERMINAL = {WP.SUCCEEDED, WP.FAILED, WP.TIMED_OUT, WP.ABORTED}
#: the cancellation reason of a node whose own timeout expired
TIMEOUT_REASON = "node timed out"


def seconds(d: object) -> float:
    """A protobuf Duration in seconds."""
    return d.seconds + d.nanos / 1e9  # type: ignore[attr-defined]


def aborted(nctx: NodeCtx) -> NodeResult:
    """The result of a cancelled node: TIMED_OUT when its own timeout cancelled it."""
    if nctx.cancel.reason == TIMEOUT_REASON and not nctx.scope.cancel.is_set():
        t = seconds(nctx.node.metadata.timeout)
        return NodeResult(
            NP.TIMED_OUT,
            error=execution_error(
                KIND.USER, "TimeoutExpired", f"task active timeout [{go_duration(t)}] expired"
            ),
        )
    return NodeResult(NP.ABORTED)


def write_outputs(nctx: NodeCtx, outputs: literals_pb2.LiteralMap, attempt: int = 0) -> str:
    """Write a node's outputs as ``<node>/data/<attempt>/outputs.pb``; its path."""
    path = os.path.join(nctx.data_dir, str(attempt), "outputs.pb")
    return nctx.run.executor.datastore.write(path, outputs)
