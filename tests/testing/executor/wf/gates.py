"""Gate nodes: wait_for_input, approve and sleep."""

from datetime import timedelta

from flytekit import approve, sleep, task, wait_for_input, workflow


@task
def double(x: int) -> int:
    return 2 * x


@task
def label(value: int, title: str) -> str:
    return f"{title}: {value}"


@workflow
def gated(x: int = 3) -> str:
    title = wait_for_input("title", timeout=timedelta(minutes=5), expected_type=str)
    y = double(x=x)
    approved = approve(y, "review", timeout=timedelta(minutes=5))
    pause = sleep(timedelta(seconds=0.5))
    z = label(value=approved, title=title)
    pause >> z
    return z


@workflow
def impatient(x: int = 3) -> int:
    n = wait_for_input("count", timeout=timedelta(seconds=1), expected_type=int)
    return double(x=n)
