"""More shapes: single tasks, failure nodes, partial map tasks, arrays of launch plans,
dataclass attribute access."""

import functools
import os
import typing
from dataclasses import dataclass

from flytekit import LaunchPlan, map_task, task, workflow
from flytekit.types.error import FlyteError


@task
def scale(x: int, factor: int = 3) -> int:
    return x * factor


@task
def explode(x: int) -> int:
    if x > 0:
        raise RuntimeError(f"exploded on {x}")
    return x


@task
def cleanup(x: int, err: typing.Optional[FlyteError] = None) -> None:
    marker = os.environ.get("EXECUTOR_TEST_CLEANUP_FILE")
    if marker:
        with open(marker, "w") as f:
            f.write(f"{x}: {err.message if err else 'no error'}")


@workflow(on_failure=cleanup)
def with_failure_node(x: int = 1) -> int:
    return explode(x=x)


@workflow
def partial_map(xs: typing.List[int] = [1, 2, 3]) -> typing.List[int]:  # noqa: B006
    return map_task(functools.partial(scale, factor=10))(x=xs)


@workflow
def scaled(x: int) -> int:
    return scale(x=x, factor=2)


scaled_lp = LaunchPlan.get_or_create(scaled, name="tests.executor.scaled_lp")


@workflow
def map_launch_plans(xs: typing.List[int] = [4, 5]) -> typing.List[int]:  # noqa: B006
    return map_task(scaled_lp)(x=xs)


@dataclass
class Point:
    x: int
    y: int


@task
def make_point(x: int) -> Point:
    return Point(x=x, y=x + 1)


@workflow
def attribute_access(x: int = 5) -> int:
    p = make_point(x=x)
    return scale(x=p.y, factor=p.x)
