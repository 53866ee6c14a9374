"""A workflow whose function fails while flytekit compiles it: flytekit still registers it
afterwards, with no nodes and its outputs unbound (flyteadmin's compiler would refuse it)."""

from flytekit import task, workflow


@task
def inc(x: int) -> int:
    return x + 1


@workflow
def unbound(x: int = 1) -> int:
    return inc(x=x) + 1  # a Promise plus an int: a TypeError while compiling
