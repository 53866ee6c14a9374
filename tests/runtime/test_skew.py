"""Version skew in the runtime: the server's release (parsing, fetched once), the fields a
request sets that are newer than a release (nested, repeated, maps), UNIMPLEMENTED messages
in the error-mapping layer on every transport, grpc-gateway's routing 404 told apart
from an entity's NOT_FOUND. End to end against older servers: tests/generated/test_older_servers.py."""

from __future__ import annotations

import warnings
from typing import Any, Callable, Optional

import grpc
import pytest
from flyteidl.admin import execution_pb2, project_pb2, task_pb2
from flyteidl.core import identifier_pb2, literals_pb2, tasks_pb2

from flyteclient import AsyncFlyteClient, SynchronousFlyteClient
from flyteclient.exceptions import (
    FlyteEntityNotExistException,
    FlyteUnimplementedException,
    FlyteVersionSkewWarning,
)
from flyteclient.generated import methods
from flyteclient.runtime.release import ServerRelease, parse_release
from flyteclient.runtime.skew import newer_fields, strip_fields, unimplemented_note
from flyteclient.testing import LocalAdmin


@pytest.mark.parametrize(
    "text, release",
    [
        ("v1.12.0", (1, 12, 0)),
        ("1.13.9", (1, 13, 9)),
        ("v1.13.1-b2", (1, 13, 1)),
        ("v1.16.8-12-gabcdef", (1, 16, 8)),
        ("unknown", None),
        ("", None),
        (None, None),
        ("flyteclient-local-admin/0.1.0", None),  # not flyteadmin's: no release to compare
        ("v1.12", None),
        ("1.12.0.1", None),
    ],
)
def test_parse_release(text: Optional[str], release: Optional[tuple]) -> None:
    assert parse_release(text) == release


# -- newer fields -------------------------------------------------------------------------


def _offloaded(uri: str) -> literals_pb2.Literal:
    literal = literals_pb2.Literal()
    literal.offloaded_metadata.uri = uri  # flyteidl 1.13.4
    return literal


def test_newer_fields_are_found_in_maps_repeated_and_nested_messages() -> None:
    request = execution_pb2.ExecutionCreateRequest(project="p", domain="d")
    request.inputs.literals["a"].CopyFrom(_offloaded("s3://a"))  # map value
    nested = request.inputs.literals["b"].collection.literals.add()  # repeated, deeper
    nested.map.literals["c"].CopyFrom(_offloaded("s3://c"))
    request.spec.execution_cluster_label.value = "gpu"  # 1.12.0
    assert newer_fields(request) == [
        ("flyteidl.admin.ExecutionSpec.execution_cluster_label", "1.12.0"),
        ("flyteidl.core.Literal.offloaded_metadata", "1.13.4"),
    ]
    assert newer_fields(request, server=(1, 12, 0)) == [
        ("flyteidl.core.Literal.offloaded_metadata", "1.13.4")
    ]
    assert newer_fields(request, server=(1, 13, 4)) == []
    assert newer_fields(request, skip="1.13.4") == []  # as old as the RPC itself
    # Only what is on the wire counts: defaults are not sent.
    empty = execution_pb2.ExecutionCreateRequest(project="p")
    empty.spec.SetInParent()
    assert newer_fields(empty) == []


def test_scalars_without_presence_count_when_not_default() -> None:
    metadata = tasks_pb2.TaskMetadata(is_eager=False)
    template = tasks_pb2.TaskTemplate(metadata=metadata)
    request = task_pb2.TaskCreateRequest(spec=task_pb2.TaskSpec(template=template))
    assert newer_fields(request) == []
    request.spec.template.metadata.is_eager = True
    assert newer_fields(request) == [("flyteidl.core.TaskMetadata.is_eager", "1.13.8")]


def test_strip_fields_clears_what_a_release_lacks_in_place() -> None:
    request = execution_pb2.ExecutionCreateRequest(project="p")
    request.inputs.literals["a"].CopyFrom(_offloaded("s3://a"))
    request.inputs.literals["a"].hash = "kept"
    request.spec.execution_cluster_label.value = "gpu"
    assert strip_fields(request, (1, 12, 0)) == ["flyteidl.core.Literal.offloaded_metadata"]
    assert request.spec.execution_cluster_label.value == "gpu"
    assert request.inputs.literals["a"].hash == "kept"
    assert not request.inputs.literals["a"].HasField("offloaded_metadata")
    assert strip_fields(request, (1, 10, 7)) == [
        "flyteidl.admin.ExecutionSpec.execution_cluster_label"
    ]


def test_a_recursive_message_type_is_walked_to_the_depth_of_the_request() -> None:
    literal = literals_pb2.Literal()
    inner = literal
    for _ in range(50):
        inner = inner.collection.literals.add()
    inner.offloaded_metadata.uri = "deep"
    assert newer_fields(literal) == [("flyteidl.core.Literal.offloaded_metadata", "1.13.4")]


# -- UNIMPLEMENTED --------------------------------------------------------------------------


def test_unimplemented_notes() -> None:
    domains, task = methods.AdminService_GetDomains, methods.AdminService_GetTask
    assert unimplemented_note(task, (1, 12, 0)) is None  # in every supported release
    assert unimplemented_note(domains, None) == (
        "AdminService.GetDomains first appeared in flyteidl 1.13.0; the server is likely "
        "older than that (its version is unknown)"
    )
    assert "the server runs flyteadmin 1.12.0, which is older" in str(
        unimplemented_note(domains, (1, 12, 0))
    )
    newer = str(unimplemented_note(domains, (1, 14, 0)))
    assert "flyteadmin 1.14.0, so it should have it" in newer and "proxy" in newer


class Refuse(grpc.ServerInterceptor):
    """Answers UNIMPLEMENTED (grpc-go's text) for some methods, like a server without them."""

    def __init__(self, *names: str, code: grpc.StatusCode = grpc.StatusCode.UNIMPLEMENTED) -> None:
        self.names = names
        self.code = code
        self.seen: list = []

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        self.seen.append(details.method)
        service, _, name = details.method[1:].partition("/")
        if name not in self.names:
            return continuation(details)
        code = self.code

        def refuse(request: Any, context: grpc.ServicerContext) -> None:
            context.abort(code, f"unknown method {name} for service {service}")

        return grpc.unary_unary_rpc_method_handler(refuse)


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_unimplemented_without_a_known_server_release(transport: str) -> None:
    """The current LocalAdmin reports no flyteadmin release: the message says so; an RPC
    in every supported release keeps the server's message as it is."""
    refuse = Refuse("GetDomains", "GetTask")
    with LocalAdmin(interceptors=[refuse]) as admin:
        endpoint = admin.http_url if transport == "rest" else admin.endpoint
        with SynchronousFlyteClient(endpoint, insecure=True, transport=transport) as client:
            with pytest.raises(FlyteUnimplementedException) as info:
                client.get_domains()
            assert str(info.value) == (
                "GetDomains UNIMPLEMENTED: unknown method GetDomains for service "
                "flyteidl.service.AdminService — AdminService.GetDomains first appeared in "
                "flyteidl 1.13.0; the server is likely older than that (its version is unknown)"
            )
            assert info.value.server_message == (
                "unknown method GetDomains for service flyteidl.service.AdminService"
            )
            assert info.value.added_in == "1.13.0" and info.value.server_version is None
            with pytest.raises(FlyteUnimplementedException) as info:
                client.get_task(
                    identifier_pb2.Identifier(project="p", domain="d", name="t", version="v")
                )
            assert str(info.value) == (
                "GetTask UNIMPLEMENTED: unknown method GetTask for service "
                "flyteidl.service.AdminService"
            )
            assert info.value.added_in is None
    assert refuse.seen.count("/flyteidl.service.AdminService/GetVersion") == 1


def test_a_failing_version_call_leaves_the_release_unknown_for_good() -> None:
    refuse = Refuse("GetDomains")
    deny = Refuse("GetVersion", code=grpc.StatusCode.PERMISSION_DENIED)
    with LocalAdmin(interceptors=[refuse, deny]) as admin:
        with SynchronousFlyteClient(admin.endpoint, insecure=True) as client:
            for _ in range(3):
                with pytest.raises(FlyteUnimplementedException, match="version is unknown"):
                    client.get_domains()
            assert client._release.attempted and client._release.version is None
    assert deny.seen.count("/flyteidl.service.AdminService/GetVersion") == 1


def test_the_version_call_failing_does_not_break_the_call() -> None:
    """A request with a newer field needs the version; GetVersion fails; the call goes on."""
    from flyteidl.service import dataproxy_pb2

    refuse = Refuse("GetVersion", code=grpc.StatusCode.UNAVAILABLE)
    with LocalAdmin(interceptors=[refuse]) as admin:
        with SynchronousFlyteClient(admin.endpoint, insecure=True) as client:
            client.register_project(project_pb2.Project(id="p", name="p"))
            request = dataproxy_pb2.CreateUploadLocationRequest(
                project="p", domain="development", filename="f", org="o", content_md5=b"0" * 16
            )
            with warnings.catch_warnings():
                warnings.simplefilter("error", FlyteVersionSkewWarning)
                for _ in range(3):
                    assert client.raw.create_upload_location(request).signed_url
            assert client._release.attempted and client._release.release is None
    # One attempt: the version call is not retried (it is not worth delaying a call for).
    assert refuse.seen.count("/flyteidl.service.AdminService/GetVersion") == 1


def test_the_async_release_fetch_is_bounded_by_the_calls_deadline() -> None:
    import asyncio

    release = ServerRelease()

    async def slow(timeout: Optional[float]) -> Any:
        await asyncio.sleep(5)

    async def main() -> None:
        await asyncio.wait_for(release.fetch_async(slow, 0.2), 2)

    asyncio.run(main())
    assert release.release is None


# -- REST: the routing 404 ------------------------------------------------------------------


def test_a_missing_entity_over_rest_is_still_not_found() -> None:
    with LocalAdmin() as admin:
        with SynchronousFlyteClient(admin.http_url, insecure=True, transport="rest") as client:
            with pytest.raises(FlyteEntityNotExistException, match="missing entity"):
                client.get_task(
                    identifier_pb2.Identifier(
                        resource_type=identifier_pb2.TASK,
                        project="p",
                        domain="development",
                        name="t",
                        version="v",
                    )
                )


def test_the_async_client_names_both_releases_too() -> None:
    import asyncio

    with LocalAdmin(flyteidl_version="1.10.7") as admin:

        async def main() -> str:
            async with AsyncFlyteClient(admin.http_url, insecure=True, transport="rest") as c:
                with pytest.raises(FlyteUnimplementedException) as info:
                    await c.get_project(id="p")
                return str(info.value)

        text = asyncio.run(main())
    assert "flyteidl 1.12.0" in text and "flyteadmin 1.10.7" in text
