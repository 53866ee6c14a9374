"""A user's smoke test of an *installed* flyteclient (run it from outside the checkout,
with the interpreter of the environment to check): starts ``python -m flyteclient.testing``
and drives it with the sync, async and REST clients (pagers, error mapping), plus the
flytekit-compatible client where flytekit is installed. Prints one line per check; exits
1 on the first failure. ``scripts/test-matrix`` runs it in every cell on a regular
(non-editable) install of the wheel."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

PROJECT, DOMAIN = "smoke", "development"


def task_spec(name: str, version: str):  # type: ignore[no-untyped-def]
    from flyteidl.admin import task_pb2
    from flyteidl.core import identifier_pb2, interface_pb2, tasks_pb2, types_pb2

    task_id = identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK,
        project=PROJECT,
        domain=DOMAIN,
        name=name,
        version=version,
    )
    out = interface_pb2.Variable(type=types_pb2.LiteralType(simple=types_pb2.INTEGER))
    template = tasks_pb2.TaskTemplate(
        id=task_id,
        type="python-task",
        interface=interface_pb2.TypedInterface(
            outputs=interface_pb2.VariableMap(variables={"o0": out})
        ),
        container=tasks_pb2.Container(image="example/image:1", args=["pyflyte-execute"]),
    )
    return task_id, task_pb2.TaskSpec(template=template)


def start_server() -> "tuple[subprocess.Popen[str], str, str]":
    proc = subprocess.Popen(
        [sys.executable, "-m", "flyteclient.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        match = re.search(
            r"serving on (\S+) \(gRPC\)[^;]*; HTTP/JSON gateway (http://[^/\s]+)", line
        )
        if match:
            return proc, match.group(1), match.group(2)
    raise SystemExit(f"smoke: LocalAdmin did not start (exit {proc.wait()})")


def main() -> int:
    from flyteidl.admin import common_pb2, project_pb2
    from flyteidl.core import identifier_pb2

    import flyteclient
    from flyteclient import AsyncFlyteClient, SynchronousFlyteClient
    from flyteclient import exceptions as fx

    print(f"flyteclient from {flyteclient.__file__}")
    proc, endpoint, http_url = start_server()
    named = common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN)
    missing = identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK, project=PROJECT, domain=DOMAIN, name="nope", version="1"
    )

    def ok(what: str) -> None:
        print(f"  ok  {what}")

    try:
        with SynchronousFlyteClient(endpoint, insecure=True, timeout=30) as client:
            assert client.get_control_plane_version()
            client.register_project(project_pb2.Project(id=PROJECT, name=PROJECT))
            for i in range(7):
                task_id, spec = task_spec(f"t{i}", "v1")
                client.create_task(task_id, spec)
            got = client.get_task(task_id)
            assert got.id == task_id, got.id
            page, token = client.list_tasks_paginated(named, limit=3)
            assert len(page) == 3 and token, (len(page), token)
            assert len(list(client.iter_tasks(named, page_size=2))) == 7
            try:
                client.get_task(missing)
                raise AssertionError("get_task of a missing task returned")
            except fx.FlyteEntityNotExistException as exc:
                assert exc.code.name == "NOT_FOUND", exc.code
            ok("sync client over gRPC: register, create, get, page, pager, NOT_FOUND mapped")

        async def run_async() -> None:
            async with AsyncFlyteClient(endpoint, insecure=True, timeout=30) as aclient:
                tasks = await asyncio.gather(*(aclient.get_task(task_id) for _ in range(5)))
                assert all(t.id == task_id for t in tasks)
                names = [t.id.name async for t in aclient.iter_tasks(named, page_size=2)]
                assert len(names) == 7, names
                try:
                    await aclient.get_task(missing)
                    raise AssertionError("async get_task of a missing task returned")
                except fx.FlyteEntityNotExistException:
                    pass

        asyncio.run(run_async())
        ok("async client over grpc.aio: concurrent gets, async pager, NOT_FOUND mapped")

        with SynchronousFlyteClient(http_url, transport="rest", insecure=True) as rest:
            assert rest.get_task(task_id).id == task_id
            assert len(list(rest.iter_tasks(named, page_size=4))) == 7
            try:
                rest.get_task(missing)
                raise AssertionError("REST get_task of a missing task returned")
            except fx.FlyteEntityNotExistException:
                pass
        ok("sync client over REST: get, pager, NOT_FOUND mapped")

        try:
            import flytekit  # noqa: F401
        except ImportError:
            print("  --  flyteclient.flytekit: flytekit is not installed here")
        else:
            from flytekit.exceptions.user import FlyteEntityNotExistException
            from flytekit.models.task import Task

            from flyteclient.flytekit import SynchronousFlyteClient as CompatClient

            with CompatClient(endpoint, insecure=True) as compat:
                assert isinstance(compat.get_task(task_id), Task)
                try:
                    compat.get_task(missing)
                    raise AssertionError("flytekit-compatible get_task of a missing task returned")
                except FlyteEntityNotExistException:
                    pass
            ok("flyteclient.flytekit: flytekit models and flytekit's exceptions")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print("smoke: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
