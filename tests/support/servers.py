"""A real gRPC server on loopback that serves every RPC of the generated client and
records what it receives. Tests script its answers per RPC: responses, failures with
status codes, messages and flyteidl error details, delays."""

from __future__ import annotations

import threading
import time
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence

import grpc
from google.protobuf import any_pb2
from google.rpc import status_pb2

from flyteclient.generated import methods


@dataclass
class Fail:
    """Answer with this status (and optional flyteidl detail messages)."""

    code: grpc.StatusCode
    message: str = "scripted failure"
    details: Sequence[Any] = ()


@dataclass
class Received:
    rpc: str
    request: Any
    metadata: Dict[str, str]
    at: float


class RecordingServer:
    """``with RecordingServer() as server: server.endpoint``.

    ``server.script(rpc, *answers)``: answers are consumed in order, one per call; each is a
    response message, a :class:`Fail`, or a callable ``(request, metadata) -> answer``.
    When none is left, ``server.default(rpc)`` answers (by default an empty response).
    """

    def __init__(self, delay: float = 0.0, max_workers: int = 40, options: Sequence = ()) -> None:
        self.received: List[Received] = []
        self.arrived: List[str] = []  # every call's RPC name, even those refused before the handler
        self.delay = delay
        self._scripts: Dict[str, List[Any]] = {}
        self._defaults: Dict[str, Any] = {}
        self._lock = threading.Lock()
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=max_workers),
            options=list(options),
            interceptors=[_Arrivals(self.arrived)],
        )
        handlers: Dict[str, Dict[str, grpc.RpcMethodHandler]] = {}
        for spec in methods.BY_PATH.values():
            handler = grpc.unary_unary_rpc_method_handler(
                self._handler(spec),
                request_deserializer=spec.request_type.FromString,
                response_serializer=spec.response_type.SerializeToString,
            )
            handlers.setdefault(spec.service, {})[spec.name] = handler
        self._server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler(svc, h) for svc, h in handlers.items()]
        )
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self.endpoint = f"127.0.0.1:{self.port}"

    def script(self, rpc: str, *answers: Any) -> None:
        with self._lock:
            self._scripts.setdefault(rpc, []).extend(answers)

    def set_default(self, rpc: str, answer: Any) -> None:
        self._defaults[rpc] = answer

    def requests(self, rpc: str) -> List[Any]:
        return [r.request for r in self.received if r.rpc == rpc]

    def calls(self, rpc: Optional[str] = None) -> List[Received]:
        return [r for r in self.received if rpc is None or r.rpc == rpc]

    def _handler(self, spec: Any) -> Callable[[Any, grpc.ServicerContext], Any]:
        def handle(request: Any, context: grpc.ServicerContext) -> Any:
            metadata = {k: v for k, v in context.invocation_metadata()}
            with self._lock:
                self.received.append(Received(spec.name, request, metadata, time.monotonic()))
                queue = self._scripts.get(spec.name)
                answer = queue.pop(0) if queue else self._defaults.get(spec.name)
            if self.delay:
                time.sleep(self.delay)
            if callable(answer) and not isinstance(answer, Fail):
                answer = answer(request, metadata)
            if isinstance(answer, Fail):
                abort(context, answer)
            return answer if answer is not None else spec.response_type()

        return handle

    def __enter__(self) -> "RecordingServer":
        self._server.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.stop(grace=None)


class _Arrivals(grpc.ServerInterceptor):
    """Counts calls as they arrive, before gRPC reads (and maybe refuses) the request."""

    def __init__(self, arrived: List[str]) -> None:
        self._arrived = arrived

    def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
        self._arrived.append(handler_call_details.method.rsplit("/", 1)[-1])
        return continuation(handler_call_details)


def abort(context: grpc.ServicerContext, failure: Fail) -> None:
    if failure.details:
        status = status_pb2.Status(code=failure.code.value[0], message=failure.message)
        for detail in failure.details:
            packed = any_pb2.Any()
            packed.Pack(detail)
            status.details.append(packed)
        context.abort_with_status(
            _Status(failure.code, failure.message, status.SerializeToString())
        )
    context.abort(failure.code, failure.message)


@dataclass
class _Status(grpc.Status):
    code: grpc.StatusCode
    details: str
    raw: bytes = field(repr=False)

    @property
    def trailing_metadata(self) -> Any:
        return (("grpc-status-details-bin", self.raw),)
