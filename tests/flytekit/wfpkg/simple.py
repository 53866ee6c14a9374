"""A small flytekit project the FlyteRemote tests register and run (never executed here)."""

from flytekit import LaunchPlan, task, workflow


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def double(x: int) -> int:
    return 2 * x


@workflow
def pipeline(a: int = 1, b: int = 2) -> int:
    return double(x=add(a=a, b=b))


pipeline_lp = LaunchPlan.get_or_create(
    pipeline, name="wfpkg.simple.pipeline_lp", default_inputs={"a": 10}
)
