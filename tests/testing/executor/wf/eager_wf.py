"""An eager workflow: plain Python control flow, each task call an execution of its own."""

from flytekit import eager, task


@task
def add_one(x: int) -> int:
    return x + 1


@task
def double(x: int) -> int:
    return x * 2


@eager
async def eager_chain(x: int = 1) -> int:
    y = add_one(x=x)
    if y > 1:
        y = double(x=y)
    return y
