"""The executor benchmark's workflow: 20 trivial tasks, each waiting for the one before."""

from flytekit import task, workflow


@task
def step(x: int) -> int:
    return x + 1


@workflow
def chain(x: int = 0) -> int:
    for _ in range(20):
        x = step(x=x)
    return x
