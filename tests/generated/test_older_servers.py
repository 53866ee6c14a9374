"""The current client against servers of older releases: LocalAdmin(flyteidl_version=...)
as flyteadmin 1.10.7 (the oldest supported) and 1.12.0, over gRPC and REST, sync and async.

One realistic session per combination: register a project, a task (setting fields newer
than the server: one warning per field, and the server drops them), a workflow, a launch
plan, an execution; read them back, page; call RPCs the release lacks (a
FlyteUnimplementedException naming the release that added the RPC and the server's); ask
for the compatibility report. The server's release is asked for once per client, and
only because a request set a newer field or an RPC was missing.
"""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections import Counter
from typing import Any, Callable, Iterator, List

import grpc
import pytest
from flyteidl.admin import common_pb2, execution_pb2, launch_plan_pb2, project_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from google.protobuf import wrappers_pb2

from flyteclient import AsyncFlyteClient, SynchronousFlyteClient
from flyteclient.exceptions import FlyteUnimplementedException, FlyteVersionSkewWarning
from flyteclient.testing import LocalAdmin
from tests.support.optional import require
from tests.testing.local_admin.conftest import RT, Env, ident

P, D = "flytesnacks", "development"
GET_VERSION = "/flyteidl.service.AdminService/GetVersion"


class Recorder(grpc.ServerInterceptor):
    """Counts the calls that reach the servicers (over gRPC and the gateway alike)."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self._lock = threading.Lock()

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        with self._lock:
            self.calls[details.method] += 1
        return continuation(details)


class Driver:
    """Calls a sync or async client the same way: ``drive("get_task", tid)``."""

    def __init__(self, admin: LocalAdmin, flavor: str) -> None:
        self.aio = flavor.startswith("async")
        rest = flavor.endswith("rest")
        endpoint = admin.http_url if rest else admin.endpoint
        kwargs = {"transport": "rest"} if rest else {}
        self.loop = asyncio.new_event_loop() if self.aio else None
        cls: Any = AsyncFlyteClient if self.aio else SynchronousFlyteClient
        self.client = cls(endpoint, insecure=True, **kwargs)

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(self.client, name)(*args, **kwargs)
        if self.loop is not None:
            return self.loop.run_until_complete(result)
        return result

    def items(self, pager: Any) -> List[Any]:
        if self.loop is None:
            return list(pager)

        async def collect() -> List[Any]:
            return [x async for x in pager]

        return self.loop.run_until_complete(collect())

    def close(self) -> None:
        if self.loop is not None:
            self.loop.run_until_complete(self.client.close())
            self.loop.close()
        else:
            self.client.close()


@pytest.fixture(scope="module", params=["1.10.7", "1.12.0"])
def older(request: Any) -> Iterator[tuple]:
    recorder = Recorder()
    with LocalAdmin(flyteidl_version=request.param, interceptors=[recorder]) as admin:
        yield admin, recorder


@pytest.fixture(scope="module")
def oldest() -> Iterator[tuple]:
    recorder = Recorder()
    with LocalAdmin(flyteidl_version="1.10.7", interceptors=[recorder]) as admin:
        yield admin, recorder


FLAVORS = ["sync-grpc", "sync-rest", "async-grpc", "async-rest"]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_session_against_an_older_server(older: tuple, flavor: str) -> None:
    admin, recorder = older
    release = admin.flyteidl_version
    project = f"{P}-{flavor}"
    drive = Driver(admin, flavor)
    before = recorder.calls[GET_VERSION]
    try:
        drive("register_project", project_pb2.Project(id=project, name=project))
        # Ordinary calls do not ask for the server's version.
        assert drive("list_projects").projects
        assert recorder.calls[GET_VERSION] == before

        tid = ident(RT.TASK, "t", "v1", project)
        spec = Env.task_spec("t", "v1", project=project)
        spec.template.metadata.is_eager = True  # flyteidl 1.13.8
        # A BoolValue since flyteidl 1.14.2; an older installed flyteidl (the floor cells)
        # has the earlier bool field only.
        deck = spec.template.metadata.DESCRIPTOR.fields_by_name["generates_deck"]
        with_deck = deck.message_type is not None
        if with_deck:
            spec.template.metadata.generates_deck.CopyFrom(wrappers_pb2.BoolValue(value=True))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            drive("create_task", tid, spec)
            drive("create_task", tid, spec)  # again: no new warnings
        skew = [str(w.message) for w in caught if w.category is FlyteVersionSkewWarning]
        assert len(skew) == (2 if with_deck else 1), skew
        assert any(
            "flyteidl.core.TaskMetadata.is_eager" in m
            and "added in flyteidl 1.13.8" in m
            and f"flyteadmin {release}" in m
            for m in skew
        ), skew
        if with_deck:
            assert any("TaskMetadata.generates_deck" in m and "1.14.2" in m for m in skew), skew
        if not drive.aio:
            ours = [w for w in caught if w.category is FlyteVersionSkewWarning]
            assert all(w.filename == __file__ for w in ours), [w.filename for w in ours]
        assert recorder.calls[GET_VERSION] == before + 1  # asked once, because of the fields
        # The server dropped what its release does not know.
        stored = drive("get_task", tid)
        assert not stored.closure.compiled_task.template.metadata.is_eager
        if with_deck:
            assert not stored.closure.compiled_task.template.metadata.HasField("generates_deck")
        assert stored.closure.compiled_task.template.container.image == "img:1"

        wid = ident(RT.WORKFLOW, "wf", "v1", project)
        wf_spec = Env.workflow_spec("wf", "v1", [tid])
        wf_spec.template.id.CopyFrom(wid)
        drive("create_workflow", wid, wf_spec)
        lid = ident(RT.LAUNCH_PLAN, "lp", "v1", project)
        drive("create_launch_plan", lid, launch_plan_pb2.LaunchPlanSpec(workflow_id=wid))
        created = drive(
            "create_execution",
            project,
            D,
            "",
            execution_pb2.ExecutionSpec(launch_plan=lid),
            literals_pb2.LiteralMap(),
        )
        assert drive("get_execution", created).id.name == created.name
        named = common_pb2.NamedEntityIdentifier(project=project, domain=D)
        assert [t.id.name for t in drive.items(drive.client.iter_tasks(named))] == ["t"]

        # RPCs the release lacks: UNIMPLEMENTED naming the release that added them.
        with pytest.raises(FlyteUnimplementedException) as info:
            drive("get_domains")
        text = str(info.value)
        assert "flyteidl 1.13.0" in text and f"flyteadmin {release}" in text, text
        assert info.value.added_in == "1.13.0" and info.value.server_version == release
        if release == "1.10.7":
            with pytest.raises(FlyteUnimplementedException, match=r"flyteidl 1\.12\.0"):
                drive("get_project", id=project)
        else:
            assert drive("get_project", id=project).id == project
        assert recorder.calls[GET_VERSION] == before + 1  # still once per client

        version = drive("get_control_plane_version")
        assert version == f"v{release}"
    finally:
        drive.close()


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_missing_rpc_is_the_first_call(older: tuple, flavor: str) -> None:
    """A fresh client whose first call is an RPC the server lacks still names both
    releases: it asks for the server's version then (once)."""
    admin, recorder = older
    drive = Driver(admin, flavor)
    before = recorder.calls[GET_VERSION]
    try:
        for _ in range(2):
            with pytest.raises(FlyteUnimplementedException) as info:
                drive("get_domains")
            assert f"flyteadmin {admin.flyteidl_version}" in str(info.value)
        assert recorder.calls[GET_VERSION] == before + 1
    finally:
        drive.close()


def test_the_server_release_is_asked_for_once_by_many_threads(oldest: tuple) -> None:
    """add_content_md5_metadata (1.11.0) set by 16 threads at once: one GetVersion, one warning."""
    from flyteidl.service import dataproxy_pb2

    from tests.support.threads import run_concurrently

    admin, recorder = oldest
    with SynchronousFlyteClient(admin.endpoint, insecure=True) as client:
        client.register_project(project_pb2.Project(id="threads", name="threads"))
        before = recorder.calls[GET_VERSION]
        request = dataproxy_pb2.CreateUploadLocationRequest(
            project="threads",
            domain=D,
            filename="f",
            add_content_md5_metadata=True,
            content_md5=b"0" * 16,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            errors = run_concurrently(lambda: client.raw.create_upload_location(request), 16)
        assert errors == []
        assert recorder.calls[GET_VERSION] == before + 1
        assert len([w for w in caught if w.category is FlyteVersionSkewWarning]) == 1


def test_the_server_release_is_asked_for_once_by_many_tasks(oldest: tuple) -> None:
    """org (1.12.0) set by 32 tasks at once: one GetVersion, one warning."""
    from flyteidl.service import dataproxy_pb2

    admin, recorder = oldest

    async def main() -> int:
        async with AsyncFlyteClient(admin.endpoint, insecure=True) as client:
            await client.register_project(project_pb2.Project(id="tasks", name="tasks"))
            request = dataproxy_pb2.CreateUploadLocationRequest(
                project="tasks", domain=D, filename="f", org="o", content_md5=b"0" * 16
            )
            before = recorder.calls[GET_VERSION]
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                await asyncio.gather(
                    *(client.raw.create_upload_location(request) for _ in range(32))
                )
            assert len([w for w in caught if w.category is FlyteVersionSkewWarning]) == 1
            return recorder.calls[GET_VERSION] - before

    assert asyncio.run(main()) == 1


def test_no_warning_when_the_server_has_the_field() -> None:
    """1.12.0 has add_content_md5_metadata (1.11.0): asked once, nothing to say."""
    from flyteidl.service import dataproxy_pb2

    recorder = Recorder()
    with LocalAdmin(flyteidl_version="1.12.0", interceptors=[recorder]) as admin:
        with SynchronousFlyteClient(admin.endpoint, insecure=True) as client:
            client.register_project(project_pb2.Project(id="p", name="p"))
            request = dataproxy_pb2.CreateUploadLocationRequest(
                project="p",
                domain=D,
                filename="f",
                add_content_md5_metadata=True,
                content_md5=b"0" * 16,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("error", FlyteVersionSkewWarning)
                for _ in range(3):
                    client.raw.create_upload_location(request)
    assert recorder.calls[GET_VERSION] == 1


def test_a_server_with_every_field_is_not_looked_at_again() -> None:
    recorder = Recorder()
    with LocalAdmin(flyteidl_version="1.16.8", interceptors=[recorder]) as admin:
        with SynchronousFlyteClient(admin.endpoint, insecure=True) as client:
            client.register_project(project_pb2.Project(id=P, name=P))
            spec = Env.task_spec("t")
            spec.template.metadata.is_eager = True
            with warnings.catch_warnings():
                warnings.simplefilter("error", FlyteVersionSkewWarning)
                client.create_task(ident(RT.TASK, "t"), spec)
            assert client._release.version == "1.16.8"
            assert not client._skew._worth_checking()  # later requests pass untouched
    assert recorder.calls[GET_VERSION] == 1


def test_the_current_server_is_asked_once_and_the_client_stays_quiet() -> None:
    """LocalAdmin of the client's own release does not report a flyteadmin release: the
    client asks once (a newer field is set), learns nothing, and stays quiet."""
    recorder = Recorder()
    with LocalAdmin(interceptors=[recorder]) as admin:
        with SynchronousFlyteClient(admin.endpoint, insecure=True) as client:
            client.register_project(project_pb2.Project(id=P, name=P))
            tid = ident(RT.TASK, "t")
            spec = Env.task_spec("t")
            spec.template.metadata.is_eager = True
            with warnings.catch_warnings():
                warnings.simplefilter("error", FlyteVersionSkewWarning)
                client.create_task(tid, spec)
                client.create_task(ident(RT.TASK, "t2"), Env.task_spec("t2"))
            assert client.get_task(tid).closure.compiled_task.template.metadata.is_eager
            assert client.get_domains()  # served
            assert client.get_task(identifier_pb2.Identifier(**_fields(tid))).id == tid
    assert recorder.calls[GET_VERSION] == 1


def _fields(message: Any) -> dict:
    return {f.name: v for f, v in message.ListFields()}


def test_the_flytekit_compatible_client_raises_flytekits_class_with_the_releases(
    older: tuple,
) -> None:
    require("flytekit")
    from flytekit.exceptions.system import FlyteSystemException as FlytekitSystemException

    from flyteclient.flytekit import SynchronousFlyteClient as FlytekitClient

    admin, _ = older
    with FlytekitClient(admin.endpoint, insecure=True) as client:
        with pytest.raises(FlytekitSystemException) as info:
            client.get_domains()
    assert isinstance(info.value, FlyteUnimplementedException)
    assert "flyteidl 1.13.0" in str(info.value)
    assert info.value.server_version == admin.flyteidl_version
