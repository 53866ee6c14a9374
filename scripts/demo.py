"""The README's main job: drive the generated client through a realistic Flyte workflow
against a local Admin server started here (run it with ``scripts/demo``)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import sys
import urllib.request
import warnings
from datetime import timedelta

from flyteidl.admin import (
    common_pb2,
    launch_plan_pb2,
    project_pb2,
    task_pb2,
    workflow_pb2,
)
from flyteidl.core import execution_pb2 as core_execution
from flyteidl.core import identifier_pb2, interface_pb2, tasks_pb2, types_pb2
from flyteidl.core import workflow_pb2 as core_workflow

from flyteclient import AsyncFlyteClient, SynchronousFlyteClient
from flyteclient.exceptions import FlyteEntityDifferentStructureException
from flyteclient.testing import LocalAdmin

PROJECT, DOMAIN = "flytesnacks", "development"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # demo_workflow


def step(text: str) -> None:
    print(f"\n== {text}")


def ident(resource_type: int, name: str, version: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=resource_type, project=PROJECT, domain=DOMAIN, name=name, version=version
    )


def int_output() -> interface_pb2.TypedInterface:
    variable = interface_pb2.Variable(type=types_pb2.LiteralType(simple=types_pb2.INTEGER))
    return interface_pb2.TypedInterface(
        outputs=interface_pb2.VariableMap(variables={"o0": variable})
    )


def task_spec(task_id: identifier_pb2.Identifier, image: str) -> task_pb2.TaskSpec:
    template = tasks_pb2.TaskTemplate(
        id=task_id,
        type="python-task",
        interface=int_output(),
        container=tasks_pb2.Container(image=image, args=["pyflyte-execute"]),
    )
    return task_pb2.TaskSpec(template=template)


def workflow_spec(wf_id: identifier_pb2.Identifier, task_ids: list) -> workflow_pb2.WorkflowSpec:
    nodes = [
        core_workflow.Node(id=f"n{i}", task_node=core_workflow.TaskNode(reference_id=t))
        for i, t in enumerate(task_ids)
    ]
    return workflow_pb2.WorkflowSpec(
        template=core_workflow.WorkflowTemplate(id=wf_id, nodes=nodes, interface=int_output())
    )


def main() -> int:
    with (
        LocalAdmin(execute=True) as admin,
        SynchronousFlyteClient(admin.endpoint, insecure=True) as client,
    ):
        step(f"Local Admin server at {admin.endpoint}")
        print(f"control plane version: {client.get_control_plane_version()}")
        print(f"domains: {[d.id for d in client.get_domains()]}")

        step("Register a project")
        client.register_project(
            project_pb2.Project(id=PROJECT, name="Flyte snacks", description="demo project")
        )
        projects, _ = client.list_projects_paginated()
        print(f"projects: {[p.id for p in projects]}")

        step("Register tasks (twice: registration is idempotent)")
        task_ids = []
        for i in range(12):
            tid = ident(identifier_pb2.TASK, f"demo.tasks.t{i:02d}", "v1")
            client.create_task(tid, task_spec(tid, "ghcr.io/flyteorg/flytekit:py3.11"))
            client.create_task(
                tid, task_spec(tid, "ghcr.io/flyteorg/flytekit:py3.11")
            )  # identical: fine
            task_ids.append(tid)
        print(f"registered {len(task_ids)} tasks")
        try:
            client.create_task(task_ids[0], task_spec(task_ids[0], "another/image:2"))
        except FlyteEntityDifferentStructureException as e:
            diff = "\n".join(f"    {line}" for line in e.diff.splitlines())
            print(
                f"a different definition under the same version is refused ({type(e).__name__}):\n{diff}"
            )

        step("Register a workflow and a launch plan, then activate it")
        wf_id = ident(identifier_pb2.WORKFLOW, "demo.workflows.pipeline", "v1")
        client.create_workflow(wf_id, workflow_spec(wf_id, task_ids[:3]))
        lp_id = ident(identifier_pb2.LAUNCH_PLAN, "demo.workflows.pipeline", "v1")
        client.create_launch_plan(lp_id, launch_plan_pb2.LaunchPlanSpec(workflow_id=wf_id))
        print(
            f"new launch plan state: {launch_plan_pb2.LaunchPlanState.Name(client.get_launch_plan(lp_id).closure.state)}"
        )
        client.update_launch_plan(lp_id, launch_plan_pb2.ACTIVE)
        named = common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN, name=lp_id.name)
        active = client.get_active_launch_plan(named)
        print(
            f"active launch plan: {active.id.name} {active.id.version} ({launch_plan_pb2.LaunchPlanState.Name(active.closure.state)})"
        )

        step("Run a real flytekit workflow on the local Admin (it executes what it is given)")
        ex_id = run_workflow(admin.endpoint)

        step("Page through tasks with a filter, 5 per page")
        ids = common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN)
        token = ""
        page = 0
        while True:
            tasks, token = client.list_task_ids_paginated(PROJECT, DOMAIN, limit=5, token=token)
            page += 1
            print(f"  page {page}: {[t.name.rsplit('.', 1)[-1] for t in tasks]}")
            if not token:
                break
        flt = "contains(name,t0)"
        names = [
            t.id.name.rsplit(".", 1)[-1] for t in client.iter_tasks(ids, filters=flt, page_size=4)
        ]
        print(f"  iter_tasks(filters={flt!r}): {names}")
        executions, _ = client.list_executions_paginated(
            PROJECT, DOMAIN, filters=["eq(phase,SUCCEEDED)"]
        )
        print(f"  succeeded executions: {[e.id.name for e in executions]}")

        step("Upload and download a file through the data proxy")
        payload = b"hello from flyteclient\n" * 100
        md5 = hashlib.md5(payload).digest()
        upload = client.get_upload_signed_url(
            PROJECT, DOMAIN, content_md5=md5, filename="hello.txt", expires_in=timedelta(minutes=5)
        )
        put = urllib.request.Request(
            upload.signed_url, data=payload, method="PUT", headers=dict(upload.headers)
        )
        put.add_header("Content-MD5", base64.b64encode(md5).decode())
        with urllib.request.urlopen(put) as answer:
            print(
                f"  PUT {len(payload)} bytes -> HTTP {answer.status}; stored at {upload.native_url}"
            )
        # flytekit's download call; its RPC is deprecated in flyteidl (the client warns),
        # but nothing replaces it for a native URL yet.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            download = client.get_download_signed_url(
                upload.native_url, expires_in=timedelta(minutes=5)
            )
        with urllib.request.urlopen(download.signed_url) as answer:
            body = answer.read()
        assert body == payload, "downloaded bytes differ from the upload"
        print(f"  GET -> {len(body)} bytes, identical to the upload")

        step(f"The same Admin over HTTP/JSON (its gateway at {admin.http_url}): transport='rest'")
        with SynchronousFlyteClient(admin.http_url, transport="rest") as rest:
            listed = [
                t.id.name.rsplit(".", 1)[-1]
                for t in rest.iter_tasks(ids, filters="contains(name,t0)", page_size=4)
            ]
            print(f"  GET /api/v1/tasks/...: {listed}")
            print(
                f"  GET /api/v1/executions/...: {rest.get_execution(ex_id).closure.phase == core_execution.WorkflowExecution.SUCCEEDED}"
            )

        step("The same Admin from asyncio: AsyncFlyteClient, concurrent calls and an async pager")
        asyncio.run(async_step(admin.endpoint, task_ids[:3]))

    print("\ndemo finished: every step succeeded")
    return 0


def run_workflow(endpoint: str) -> identifier_pb2.WorkflowExecutionIdentifier:
    """Register scripts/demo_workflow.py with FlyteRemote (fast registration: the code is
    uploaded through the data proxy), execute it, wait, and print its outputs and nodes next
    to the same workflow run locally."""
    import uuid

    import demo_workflow
    from flytekit.configuration import Config

    from flyteclient.flytekit import FlyteRemote

    remote = FlyteRemote(
        Config.for_endpoint(endpoint, insecure=True), default_project=PROJECT, default_domain=DOMAIN
    )
    wf = remote.register_script(
        demo_workflow.wordstats,
        version=uuid.uuid4().hex[:10],
        source_path=os.path.dirname(os.path.abspath(__file__)),
        module_name="demo_workflow",
    )
    print(f"registered {wf.id.name} (fast registration)")
    execution = remote.execute(wf, inputs={"text": "flyte runs workflows locally"})
    print(f"execution: {execution.id.name}")
    execution = remote.wait(
        execution, timeout=timedelta(minutes=2), poll_interval=timedelta(seconds=0.2)
    )
    phase = core_execution.WorkflowExecution.Phase.Name(execution.closure.phase)
    print(f"  phase -> {phase}")
    if not execution.is_successful:
        raise SystemExit(f"the workflow failed: {execution.error.message}")
    outputs = execution.outputs["o0"]
    print(f"  outputs: {outputs}")
    local = demo_workflow.wordstats(text="flyte runs workflows locally")
    print(f"  run locally: {local} (equal: {outputs == local})")
    assert outputs == local, "LocalAdmin's outputs differ from the local run"
    for node_id, node in sorted(execution.node_executions.items()):
        node_phase = core_execution.NodeExecution.Phase.Name(node.closure.phase)
        print(f"  node {node_id}: {node_phase}")
    return identifier_pb2.WorkflowExecutionIdentifier(
        project=PROJECT, domain=DOMAIN, name=execution.id.name
    )


async def async_step(endpoint: str, task_ids: list) -> None:
    async with AsyncFlyteClient(endpoint, insecure=True) as client:
        tasks = await asyncio.gather(*(client.get_task(task_id) for task_id in task_ids))
        print(
            f"  {len(tasks)} tasks fetched concurrently: {[t.id.name.rsplit('.', 1)[-1] for t in tasks]}"
        )
        names = [e.id.name async for e in client.iter_executions(PROJECT, DOMAIN, page_size=2)]
        print(f"  async for over executions: {names}")


if __name__ == "__main__":
    sys.exit(main())
