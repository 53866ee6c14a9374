"""flyteidl.service.SignalService: gate-node signals."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

import grpc
from flyteidl.admin import signal_pb2
from flyteidl.core import literals_pb2, types_pb2
from flyteidl.service import signal_pb2 as signal_service_pb2
from flyteidl.service import signal_pb2_grpc
from google.protobuf import text_format

from .common import Base, exec_key, require, validate_exec_id
from .errors import id_text, invalid, not_found, service
from .store import Store

# The signal types a plain value (a primitive) can be given for: an integer also fits a float
# (flytekit reads it as one); any other pairing is refused as flyteadmin refuses a value that is
# not castable to the signal's type.
_FITS = {
    "integer": (types_pb2.INTEGER, types_pb2.FLOAT),
    "float_value": (types_pb2.FLOAT,),
    "string_value": (types_pb2.STRING,),
    "boolean": (types_pb2.BOOLEAN,),
    "datetime": (types_pb2.DATETIME,),
    "duration": (types_pb2.DURATION,),
}
_PRIMITIVE_TYPES = {t for ts in _FITS.values() for t in ts}


def value_fits(declared: types_pb2.LiteralType, value: literals_pb2.Literal) -> bool:
    """False for a primitive value given to a signal of another primitive type (a string
    for an ``approve``, a bool for an int); anything else is left to the gate's consumers."""
    if declared.WhichOneof("type") != "simple" or declared.simple not in _PRIMITIVE_TYPES:
        return True
    if value.WhichOneof("value") != "scalar" or value.scalar.WhichOneof("value") != "primitive":
        return True
    kind = value.scalar.primitive.WhichOneof("value")
    return kind is None or declared.simple in _FITS.get(kind, (declared.simple,))


def signal_row(s: signal_pb2.Signal) -> Dict[str, Any]:
    e = s.id.execution_id
    return {
        "signal_id": s.id.signal_id,
        "project": e.project,
        "domain": e.domain,
        "name": e.name,
        "created_at": None,
        "updated_at": None,
        "execution.project": e.project,
        "execution.domain": e.domain,
        "execution.name": e.name,
        "execution.org": e.org,
    }


@service(signal_service_pb2.DESCRIPTOR.services_by_name["SignalService"])
class SignalServicer(Base, signal_pb2_grpc.SignalServiceServicer):
    """GetOrCreateSignal / ListSignals / SetSignal over the shared store."""

    def __init__(self, store: Store, domains: tuple) -> None:
        self.store = store
        self.domains = domains
        #: called after a SetSignal commits (LocalAdmin's executor wakes its gate nodes)
        self.on_set: Optional[Callable[[], None]] = None

    def _key(self, sid: Any, present: bool) -> tuple:
        if not present:
            raise invalid("missing id")
        require(sid.signal_id, "signal_id")
        validate_exec_id(sid.execution_id, sid.HasField("execution_id"))
        return exec_key(sid.execution_id) + (sid.signal_id,)

    def GetOrCreateSignal(
        self, request: signal_pb2.SignalGetOrCreateRequest, context: grpc.ServicerContext
    ) -> signal_pb2.Signal:
        key = self._key(request.id, request.HasField("id"))
        s = self.store.get("signal", key)
        if s is None:
            if not request.HasField("type"):
                raise invalid("missing type")
            s = signal_pb2.Signal(id=request.id, type=request.type)
            self.store.put("signal", key, s)
        return s

    def ListSignals(
        self, request: signal_pb2.SignalListRequest, context: grpc.ServicerContext
    ) -> signal_pb2.SignalList:
        validate_exec_id(request.workflow_execution_id, request.HasField("workflow_execution_id"))
        prefix = exec_key(request.workflow_execution_id)
        items = [s for k, s in self.store.items("signal") if k[:4] == prefix]
        page, nxt = self.list_page(
            items,
            signal_row,
            "signal",
            request.filters,
            request.sort_by if request.HasField("sort_by") else None,
            request.limit,
            request.token,
            "ListSignals",
        )
        return signal_pb2.SignalList(signals=page, token=nxt)

    def SetSignal(
        self, request: signal_pb2.SignalSetRequest, context: grpc.ServicerContext
    ) -> signal_pb2.SignalSetResponse:
        key = self._key(request.id, request.HasField("id"))
        if not request.HasField("value"):
            raise invalid("missing value")
        s = self.store.get("signal", key)
        if s is None:
            raise not_found(f"signal {id_text(request.id)} not found")
        if s.HasField("type") and not value_fits(s.type, request.value):
            value = text_format.MessageToString(request.value, as_one_line=True)
            declared = text_format.MessageToString(s.type, as_one_line=True)
            raise invalid(
                f"requested signal value [{value}] is not castable to existing signal type "
                f"[{declared}]"
            )
        s.value.CopyFrom(request.value)
        self.store.put("signal", key, s)
        if self.on_set is not None:
            self.store.after_commit(self.on_set)
        return signal_pb2.SignalSetResponse()
