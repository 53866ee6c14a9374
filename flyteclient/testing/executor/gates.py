"""Gate nodes: sleep, or wait for a signal (``wait_for_input``) or an approval, set through
SignalService.SetSignal, as flytepropeller's gate handler does."""

from __future__ import annotations

from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2

from ..common import exec_key
from .context import KIND, NP, NodeCtx, NodeResult
from .results import aborted, seconds, write_outputs


def gate_node(nctx: NodeCtx) -> NodeResult:
    gate = nctx.node.gate_node
    run = nctx.run
    nctx.event(NP.QUEUED, input_data=nctx.inputs)
    nctx.event(NP.RUNNING)
    kind = gate.WhichOneof("condition")
    if kind == "sleep":
        if nctx.cancel.wait(seconds(gate.sleep.duration)):
            return nctx.finish(aborted(nctx))
        return nctx.finish(
            NodeResult(NP.SUCCEEDED, output_uri=write_outputs(nctx, literals_pb2.LiteralMap()))
        )
    if kind == "approve":
        signal_id = gate.approve.signal_id
        stype = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
    elif kind == "signal":
        signal_id = gate.signal.signal_id
        stype = gate.signal.type
    else:
        return nctx.finish(
            NodeResult.failed(KIND.SYSTEM, "BadSpecification", "gate node without a condition")
        )
    sid = core_exec_signal_id(run.eid, signal_id)
    key = exec_key(run.eid) + (signal_id,)
    with run.store.transaction():
        if not run.store.has("signal", key):
            run.store.put("signal", key, signal_pb2.Signal(id=sid, type=stype))
    while True:
        sig = run.store.get("signal", key)
        if sig is not None and sig.HasField("value") and sig.value.WhichOneof("value"):
            break
        if nctx.cancel.is_set():
            return nctx.finish(aborted(nctx))
        run.executor.wait_signal(0.5)
    if kind == "signal":
        outputs = literals_pb2.LiteralMap()
        outputs.literals[gate.signal.output_variable_name].CopyFrom(sig.value)
        return nctx.finish(
            NodeResult(NP.SUCCEEDED, outputs=outputs, output_uri=write_outputs(nctx, outputs))
        )
    value = sig.value
    if not (value.HasField("scalar") and value.scalar.primitive.WhichOneof("value") == "boolean"):
        return nctx.finish(
            NodeResult.failed(
                KIND.UNKNOWN,
                "RuntimeExecutionError",
                f"received a non-boolean approve signal value [{value}]",
            )
        )
    if not value.scalar.primitive.boolean:
        return nctx.finish(
            NodeResult.failed(
                KIND.USER,
                "ReceivedRejectSignal",
                "received a reject signal to disapprove the node input values",
            )
        )
    outputs = literals_pb2.LiteralMap()
    outputs.CopyFrom(nctx.inputs)
    return nctx.finish(
        NodeResult(NP.SUCCEEDED, outputs=outputs, output_uri=write_outputs(nctx, outputs))
    )


def core_exec_signal_id(
    eid: identifier_pb2.WorkflowExecutionIdentifier, signal_id: str
) -> identifier_pb2.SignalIdentifier:
    return identifier_pb2.SignalIdentifier(signal_id=signal_id, execution_id=eid)
