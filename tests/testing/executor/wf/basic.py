"""Flytekit programs the executor tests run on LocalAdmin and locally, comparing results."""

import typing

from flytekit import task, workflow


@task
def add(a: int, b: int) -> int:
    return a + b


@task
def double(x: int) -> int:
    return 2 * x


@task
def greet(name: str, times: int) -> typing.List[str]:
    return [f"hello {name} #{i}" for i in range(times)]


@task
def stats(values: typing.List[float]) -> typing.Tuple[float, float, typing.Dict[str, float]]:
    total = sum(values)
    return total, total / len(values), {"max": max(values), "min": min(values)}


@workflow
def pipeline(a: int = 1, b: int = 2) -> int:
    return double(x=add(a=a, b=b))


@workflow
def mixed(
    name: str = "flyte",
    n: int = 3,
    values: typing.List[float] = [1.5, 2.5, 5.0],  # noqa: B006 - a workflow input default
) -> typing.Tuple[typing.List[str], float, float, typing.Dict[str, float]]:
    total, mean, extremes = stats(values=values)
    return greet(name=name, times=n), total, mean, extremes


@task
def explode(x: int) -> int:
    if x > 3:
        raise ValueError(f"x is too large: {x}")
    return x


@workflow
def failing(x: int = 5) -> int:
    return double(x=explode(x=x))
