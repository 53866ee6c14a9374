"""LocalAdmin: a flyteadmin-compatible gRPC server on loopback, for tests and demos."""

from __future__ import annotations

import logging
import shutil
import tempfile
from concurrent import futures
from typing import Any, List, Optional, Sequence, Union

import grpc
from flyteidl.admin import (
    common_pb2,
    description_entity_pb2,
    execution_pb2,
    launch_plan_pb2,
    matchable_resource_pb2,
    node_execution_pb2,
    project_pb2,
    signal_pb2,
    task_execution_pb2,
    task_pb2,
    workflow_pb2,
)
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.service import (
    admin_pb2,
    admin_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    dataproxy_pb2,
    dataproxy_pb2_grpc,
    identity_pb2,
    identity_pb2_grpc,
    signal_pb2_grpc,
)
from flyteidl.service import signal_pb2 as signal_service_pb2
from google.protobuf.descriptor import ServiceDescriptor

from .admin_servicer import AdminServicer
from .auth import AuthInterceptor, AuthMetadataServicer, AuthState, IdentityServicer, LocalAuth
from .blobstore_http import BlobStore
from .consistency import InconsistentStoreError, check_registrations
from .dataproxy import DataProxyServicer
from .gateway import Gateway
from .gateway.handler import DEFAULT_MAX_MESSAGE_BYTES
from .gateway.headers import DEFAULT_HTTP_AUTHORIZATION_HEADER
from .http_server import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT, HttpServer
from .release import ReleaseEmulation
from .signals import SignalServicer
from .store import Store

_LOG = logging.getLogger("flyteclient.testing")

#: table name -> message class (None = raw bytes)
KINDS = {
    "project": project_pb2.Project,
    "task": task_pb2.Task,
    "task_spec": task_pb2.TaskSpec,
    "workflow": workflow_pb2.Workflow,
    "workflow_spec": workflow_pb2.WorkflowSpec,
    "launch_plan": launch_plan_pb2.LaunchPlan,
    "launch_plan_spec": launch_plan_pb2.LaunchPlanSpec,
    "named_entity": common_pb2.NamedEntity,
    "description_entity": description_entity_pb2.DescriptionEntity,
    "execution": execution_pb2.Execution,
    "execution_outputs": literals_pb2.LiteralMap,
    "node_execution": node_execution_pb2.NodeExecution,
    "node_data": literals_pb2.LiteralMap,
    "node_parent": identifier_pb2.NodeExecutionIdentifier,
    "node_parent_task": identifier_pb2.TaskExecutionIdentifier,
    "dynamic_workflow": node_execution_pb2.DynamicWorkflowNodeMetadata,
    "task_execution": task_execution_pb2.TaskExecution,
    "task_data": literals_pb2.LiteralMap,
    "attributes": matchable_resource_pb2.MatchingAttributes,
    "signal": signal_pb2.Signal,
    "blob": None,
    "catalog": literals_pb2.LiteralMap,
}

DEFAULT_DOMAINS = ("development", "staging", "production")


def _service(module: Any, name: str) -> ServiceDescriptor:
    service: ServiceDescriptor = module.DESCRIPTOR.services_by_name[name]
    return service


class LocalAdmin:
    """A flyteadmin look-alike serving all five flyteidl services on 127.0.0.1.

    Use as a context manager (or call :meth:`start` / :meth:`stop`)::

        with LocalAdmin() as admin:
            channel = grpc.insecure_channel(admin.endpoint)

    Like flyteadmin, it serves every RPC with a ``google.api.http`` rule over HTTP/JSON
    too (grpc-gateway's routes, ``GET {admin.http_url}/api/v1/projects`` ...; see
    :mod:`.gateway`), on its HTTP server next to the blob store and OAuth2 endpoints.

    :param port: gRPC port; 0 picks a free one.
    :param domains: the configured domains (GetDomains, validation).
    :param auth: ``None``/``False`` for no auth, ``True`` for :class:`LocalAuth`
        defaults, or a :class:`LocalAuth`.  With auth on, ``admin.auth`` is the
        :class:`AuthState` (``token_requests``, ``revoke_all()``, ``expire_all()``,
        ``issue_token()``).
    :param db_path: SQLite file to persist state across restarts (default: memory).
        Each RPC's writes are one transaction; on start the file is checked and partial
        registrations repaired (see :mod:`.consistency`).
    :param auto_complete: new executions are SUCCEEDED immediately.
    :param http_port: port of the loopback HTTP server (blob store, OAuth2); 0 = free.
    :param interceptors: extra ``grpc.ServerInterceptor``s (after auth), e.g. to record calls.
    :param max_upload_bytes: largest request body the HTTP server accepts (413 above).
    :param http_timeout: seconds the HTTP server waits on a client's socket (a partial
        body gets 408 after this long).
    :param http_authorization_header: flyteadmin's ``httpAuthorizationHeader``: the HTTP
        header the gateway passes as ``authorization`` metadata besides ``Authorization``
        (default: the auth's ``authorization_metadata_key`` when it is a custom one, else
        flyteadmin's default ``flyte-authorization``).
    :param max_message_size_bytes: flyteadmin's ``maxMessageSizeBytes``: the gRPC server's
        receive limit and the gateway's internal gRPC hop's limit (grpc's 4 MiB when
        unset: larger responses work over gRPC and are RESOURCE_EXHAUSTED over HTTP).
    :param flyteidl_version: serve as flyteadmin of this older release (``"1.12.0"``; from
        the oldest supported, 1.10.7, to the client's): only its RPCs and routes, request
        fields it does not know dropped, ``GetVersion`` reporting it (see :mod:`.release`).
    :param execute: run executions (flytekit tasks, in this machine's Python environment) as
        flytepropeller would, instead of waiting for events (see
        :mod:`flyteclient.testing.executor`). Off by default here so that tests which send
        events themselves keep control; ``python -m flyteclient.testing`` turns it on.
    :param data_dir: where executions' inputs, outputs, raw data and task logs are written
        (with ``execute``); default: ``<db_path>.data`` with a database, else a temporary
        directory removed at :meth:`stop`.
    :param max_parallel_tasks: how many task processes run at once (with ``execute``).

    Attributes after start: ``endpoint`` ("127.0.0.1:PORT"), ``port``,
    ``http_url`` (HTTP/JSON gateway, blob store and OAuth2 base URL), ``store``, ``blobs``,
    ``auth``, ``executor`` (with ``execute``).
    """

    def __init__(
        self,
        port: int = 0,
        domains: Sequence[str] = DEFAULT_DOMAINS,
        auth: Union[None, bool, LocalAuth] = None,
        db_path: Optional[str] = None,
        auto_complete: bool = False,
        http_port: int = 0,
        max_workers: int = 16,
        interceptors: Sequence[grpc.ServerInterceptor] = (),
        max_upload_bytes: int = DEFAULT_MAX_BODY,
        http_timeout: float = DEFAULT_TIMEOUT,
        http_authorization_header: Optional[str] = None,
        max_message_size_bytes: Optional[int] = None,
        flyteidl_version: Optional[str] = None,
        execute: bool = False,
        data_dir: Optional[str] = None,
        max_parallel_tasks: Optional[int] = None,
    ) -> None:
        self.emulation: Optional[ReleaseEmulation] = (
            ReleaseEmulation(flyteidl_version) if flyteidl_version is not None else None
        )
        self.requested_port = port
        self.domains = tuple(domains)
        if auth is True:
            auth = LocalAuth()
        self.auth: Optional[AuthState] = AuthState(auth) if isinstance(auth, LocalAuth) else None
        self.db_path = db_path
        self.auto_complete = auto_complete
        self.http_port = http_port
        self.max_workers = max_workers
        self.interceptors = tuple(interceptors)
        self.max_upload_bytes = max_upload_bytes
        self.http_timeout = http_timeout
        if http_authorization_header is None:
            key = self.auth.config.authorization_metadata_key if self.auth is not None else ""
            custom = key and key.lower() != "authorization"
            http_authorization_header = key if custom else DEFAULT_HTTP_AUTHORIZATION_HEADER
        self.http_authorization_header = http_authorization_header
        self.max_message_size_bytes = max_message_size_bytes
        self.execute = execute
        self.data_dir = data_dir
        self.max_parallel_tasks = max_parallel_tasks
        self.executor: Optional[Any] = None
        self._temp_data_dir: Optional[str] = None
        self.port = 0
        self.store: Optional[Store] = None
        self.blobs: Optional[BlobStore] = None
        self.admin_servicer: Optional[AdminServicer] = None
        self._server: Optional[grpc.Server] = None
        self._http: Optional[HttpServer] = None

    @property
    def flyteidl_version(self) -> Optional[str]:
        """The older release served as (``flyteidl_version=``), None for the client's own."""
        return self.emulation.version if self.emulation is not None else None

    @property
    def endpoint(self) -> str:
        """``"127.0.0.1:PORT"`` of the running gRPC server."""
        if not self.port:
            raise RuntimeError("LocalAdmin is not started")
        return f"127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        """Base URL of the loopback HTTP server: the HTTP/JSON gateway (``/api/v1/...``), signed
        URLs and OAuth2 endpoints."""
        if self._http is None:
            raise RuntimeError("LocalAdmin is not started")
        return self._http.base_url

    def start(self) -> "LocalAdmin":
        """Start the gRPC and HTTP servers in background threads."""
        if self._server is not None:
            return self
        self.store = Store(KINDS, self.db_path)
        if self.db_path:
            try:
                check_registrations(self.store, self.db_path)
            except InconsistentStoreError:
                self.store.close()
                raise
        self._http = HttpServer(
            port=self.http_port, max_body=self.max_upload_bytes, timeout=self.http_timeout
        )
        self.blobs = BlobStore(self.store, self._http)
        if self.auth is not None:
            self.auth.install(self._http)
        interceptors: List[grpc.ServerInterceptor[Any, Any]] = (
            [AuthInterceptor(self.auth)] if self.auth is not None else []
        )
        if self.emulation is not None:  # first: an unknown method never reaches the others
            interceptors.insert(0, self.emulation.interceptor())
        interceptors.extend(self.interceptors)
        limit = self.max_message_size_bytes
        server = grpc.server(
            futures.ThreadPoolExecutor(
                max_workers=self.max_workers, thread_name_prefix="local-admin"
            ),
            interceptors=interceptors,
            options=[("grpc.max_receive_message_length", limit)] if limit else None,
        )
        self.admin_servicer = AdminServicer(self.store, self.domains, self.auto_complete)
        dataproxy = DataProxyServicer(self.store, self.domains, self.blobs)
        signals = SignalServicer(self.store, self.domains)
        identity, auth_metadata = IdentityServicer(self.auth), AuthMetadataServicer(self.auth)
        admin_pb2_grpc.add_AdminServiceServicer_to_server(self.admin_servicer, server)
        dataproxy_pb2_grpc.add_DataProxyServiceServicer_to_server(dataproxy, server)
        signal_pb2_grpc.add_SignalServiceServicer_to_server(signals, server)
        identity_pb2_grpc.add_IdentityServiceServicer_to_server(identity, server)
        auth_pb2_grpc.add_AuthMetadataServiceServicer_to_server(auth_metadata, server)
        # flyteadmin's HTTP/JSON gateway, registered in flyteadmin's order, over the same
        # servicers and interceptors; "/" takes every path the other routes do not.
        gateway = Gateway(
            [
                (_service(admin_pb2, "AdminService"), self.admin_servicer),
                (_service(auth_pb2, "AuthMetadataService"), auth_metadata),
                (_service(identity_pb2, "IdentityService"), identity),
                (_service(dataproxy_pb2, "DataProxyService"), dataproxy),
                (_service(signal_service_pb2, "SignalService"), signals),
            ],
            interceptors,
            self.http_authorization_header,
            limit or DEFAULT_MAX_MESSAGE_BYTES,
            exclude=self.emulation.missing if self.emulation is not None else (),
        )
        self._http.route("/", gateway.handle)
        self.port = server.add_insecure_port(f"127.0.0.1:{self.requested_port}")
        if not self.port:
            raise RuntimeError(f"could not bind 127.0.0.1:{self.requested_port}")
        if self.execute:
            self._start_executor(signals)
        server.start()
        self._http.start()
        self._server = server
        _LOG.info(
            "local admin serving on %s (http and gateway %s)%s",
            self.endpoint,
            self._http.base_url,
            f" as flyteadmin {self.flyteidl_version}" if self.flyteidl_version else "",
        )
        return self

    def _start_executor(self, signals: SignalServicer) -> None:
        from .executor import Executor

        data_dir = self.data_dir
        if data_dir is None and self.db_path:
            data_dir = self.db_path + ".data"
        if data_dir is None:
            data_dir = self._temp_data_dir = tempfile.mkdtemp(prefix="local-admin-")
        assert self.admin_servicer is not None and self.blobs is not None
        self.executor = Executor(
            self.admin_servicer,
            signals,
            self.blobs,
            data_dir,
            endpoint=f"127.0.0.1:{self.port}",
            max_parallel_tasks=self.max_parallel_tasks,
        )
        self.executor.start()
        self.admin_servicer.executor = self.executor
        signals.on_set = self.executor.signal_set

    def stop(self, grace: Optional[float] = None) -> None:
        """Stop both servers (and running tasks) and close the SQLite file."""
        if self.executor is not None:
            self.executor.stop()
            self.executor = None
        if self._server is not None:
            self._server.stop(grace).wait(5)
            self._server = None
        if self._http is not None:
            self._http.stop()
            self._http = None
        if self.store is not None:
            self.store.close()
        if self._temp_data_dir is not None:
            shutil.rmtree(self._temp_data_dir, ignore_errors=True)
            self._temp_data_dir = None
        self.port = 0

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until the gRPC server terminates (or ``timeout``)."""
        if self._server is None:
            return True
        return self._server.wait_for_termination(timeout)

    def __enter__(self) -> "LocalAdmin":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
