"""The messages the benchmark server answers with: one Execution and N small Tasks.

They are realistic in shape (ids, closures, a container task template, a typed interface)
and complete enough that flytekit's model conversion (``from_flyte_idl``) accepts them.
"""

from __future__ import annotations

from typing import List

from flyteidl.admin import common_pb2, execution_pb2, task_pb2
from flyteidl.core import compiler_pb2, identifier_pb2, tasks_pb2, types_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2

PROJECT = "flytesnacks"
DOMAIN = "development"
EXECUTION_NAME = "f8a2c1d0e3b4"


def execution_id() -> identifier_pb2.WorkflowExecutionIdentifier:
    """The id every GetExecution call asks for."""
    return identifier_pb2.WorkflowExecutionIdentifier(
        project=PROJECT, domain=DOMAIN, name=EXECUTION_NAME
    )


def named_entity() -> common_pb2.NamedEntityIdentifier:
    """The identifier every ListTasks call lists."""
    return common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN)


def execution() -> execution_pb2.Execution:
    """A finished workflow execution, as GetExecution returns it."""
    ex = execution_pb2.Execution(id=execution_id())
    lp = identifier_pb2.Identifier(
        resource_type=identifier_pb2.LAUNCH_PLAN,
        project=PROJECT,
        domain=DOMAIN,
        name="workflows.example.wf",
        version="v1",
    )
    ex.spec.launch_plan.CopyFrom(lp)
    ex.spec.metadata.mode = execution_pb2.ExecutionMetadata.MANUAL
    ex.spec.metadata.principal = "bench@example.com"
    ex.spec.metadata.system_metadata.execution_cluster = "default"
    ex.spec.inputs.literals["n"].scalar.primitive.integer = 42
    ex.spec.labels.values["team"] = "ml"
    ex.closure.phase = core_execution_pb2.WorkflowExecution.SUCCEEDED
    ex.closure.started_at.seconds = 1_700_000_000
    ex.closure.duration.seconds = 93
    ex.closure.created_at.seconds = 1_699_999_990
    ex.closure.updated_at.seconds = 1_700_000_093
    ex.closure.workflow_id.CopyFrom(lp)
    ex.closure.workflow_id.resource_type = identifier_pb2.WORKFLOW
    ex.closure.outputs.uri = "s3://bucket/metadata/propeller/flytesnacks-development-f8a2c1d0e3b4/end-node/data/0/outputs.pb"
    ex.closure.computed_inputs.literals["n"].scalar.primitive.integer = 42
    return ex


def task(index: int) -> task_pb2.Task:
    """Task number ``index``: a python container task with one int input and output."""
    tid = identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK,
        project=PROJECT,
        domain=DOMAIN,
        name=f"workflows.module_{index // 50}.task_{index}",
        version=f"v{index % 7}",
    )
    tmpl = tasks_pb2.TaskTemplate(id=tid, type="python-task")
    tmpl.metadata.runtime.type = tasks_pb2.RuntimeMetadata.FLYTE_SDK
    tmpl.metadata.runtime.version = "1.16.0"
    tmpl.metadata.runtime.flavor = "python"
    tmpl.metadata.retries.retries = 2
    tmpl.metadata.timeout.seconds = 600
    int_type = types_pb2.LiteralType(simple=types_pb2.INTEGER)
    tmpl.interface.inputs.variables["n"].type.CopyFrom(int_type)
    tmpl.interface.inputs.variables["n"].description = "n"
    tmpl.interface.outputs.variables["o0"].type.CopyFrom(int_type)
    tmpl.interface.outputs.variables["o0"].description = "o0"
    tmpl.container.image = "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.0"
    tmpl.container.args.extend(
        [
            "pyflyte-execute",
            "--inputs",
            "{{.input}}",
            "--output-prefix",
            "{{.outputPrefix}}",
            "--resolver",
            "flytekit.core.python_auto_container.default_task_resolver",
            "--",
            "task-module",
            f"workflows.module_{index // 50}",
            "task-name",
            f"task_{index}",
        ]
    )
    tmpl.container.resources.requests.add(name=tasks_pb2.Resources.CPU, value="500m")
    tmpl.container.resources.requests.add(name=tasks_pb2.Resources.MEMORY, value="1Gi")
    closure = task_pb2.TaskClosure(compiled_task=compiler_pb2.CompiledTask(template=tmpl))
    closure.created_at.seconds = 1_700_000_000 + index
    return task_pb2.Task(id=tid, closure=closure, short_description=f"task {index}")


def tasks(count: int) -> List[task_pb2.Task]:
    """``count`` distinct tasks."""
    return [task(i) for i in range(count)]
