"""Node kinds: parallel nodes, subworkflows, launch plans, branches, dynamic workflows and
map tasks."""

import time
import typing

from flytekit import LaunchPlan, conditional, dynamic, map_task, task, workflow
from flytekit.core.task import Echo


@task
def slow_square(x: int, seconds: float) -> int:
    time.sleep(seconds)
    return x * x


@task
def total(values: typing.List[int]) -> int:
    return sum(values)


@workflow
def fan_out(seconds: float = 1.0) -> int:
    a = slow_square(x=2, seconds=seconds)
    b = slow_square(x=3, seconds=seconds)
    c = slow_square(x=4, seconds=seconds)
    return total(values=[a, b, c])


@task
def inc(x: int) -> int:
    return x + 1


@task
def mul(x: int, y: int) -> int:
    return x * y


@workflow
def inner(x: int) -> typing.Tuple[int, int]:
    y = inc(x=x)
    return y, mul(x=x, y=y)


@workflow
def outer(x: int = 4) -> int:
    a, b = inner(x=x)
    c, d = inner(x=b)
    return total(values=[a, b, c, d])


inner_lp = LaunchPlan.get_or_create(inner, name="tests.executor.inner_lp")


@workflow
def with_launch_plan(x: int = 2) -> int:
    a, b = inner_lp(x=x)
    return mul(x=a, y=b)


@task
def classify(n: int) -> str:
    return "even" if n % 2 == 0 else "odd"


@task
def halve(n: int) -> int:
    return n // 2


@task
def triple_plus_one(n: int) -> int:
    return 3 * n + 1


@workflow
def collatz_step(n: int = 6) -> int:
    return (
        conditional("parity")
        .if_(n == 1)
        .then(inc(x=0))
        .elif_(n < 0)
        .then(inc(x=-1))
        .else_()
        .then(_collatz_inner(n=n))
    )


@workflow
def _collatz_inner(n: int) -> int:
    kind = classify(n=n)
    return (
        conditional("even").if_(kind == "even").then(halve(n=n)).else_().then(triple_plus_one(n=n))
    )


@task
def parity_flag(n: int) -> bool:
    return n % 2 == 0


@workflow
def branch_on_output(n: int = 7) -> int:
    even = parity_flag(n=n)
    return (
        conditional("on_flag")
        .if_(even.is_true())
        .then(halve(n=n))
        .else_()
        .then(triple_plus_one(n=n))
    )


@workflow
def branch_fails(n: int = 5) -> int:
    return conditional("guard").if_(n < 3).then(inc(x=n)).else_().fail("n must be smaller than 3")


@dynamic
def squares_up_to(n: int) -> typing.List[int]:
    out = []
    for i in range(n):
        out.append(slow_square(x=i, seconds=0.0))
    return out


@workflow
def dynamic_wf(n: int = 4) -> int:
    return total(values=squares_up_to(n=n))


@dynamic
def nested_dynamic(n: int) -> int:
    a, b = inner(x=n)
    return mul(x=a, y=b)


@workflow
def dynamic_with_subworkflow(n: int = 3) -> int:
    return nested_dynamic(n=n)


@task
def maybe_fail(x: int) -> int:
    if x % 3 == 0:
        raise ValueError(f"{x} is a multiple of 3")
    return x * 10


@workflow
def mapped(xs: typing.List[int] = [1, 2, 3, 4]) -> typing.List[int]:  # noqa: B006
    return map_task(inc, concurrency=2)(x=xs)


@workflow
def mapped_tolerant(xs: typing.List[int] = [1, 2, 3, 4, 5]) -> typing.List[typing.Optional[int]]:  # noqa: B006
    return map_task(maybe_fail, concurrency=2, min_success_ratio=0.6)(x=xs)


@workflow
def mapped_strict(xs: typing.List[int] = [1, 3, 4]) -> typing.List[int]:  # noqa: B006
    return map_task(maybe_fail)(x=xs)


echo = Echo(name="tests.executor.echo", inputs={"n": int})


@workflow
def echo_in_a_branch(n: int = 3) -> int:
    return conditional("echo").if_(n > 5).then(inc(x=n)).else_().then(echo(n=n))
