"""Eager workflows that wait on eager workflows, in parallel (flytekit 1.16 style: tasks are
called plainly, eager workflows awaited)."""

import asyncio
import typing

from flytekit import eager, task


@task
def square(x: int) -> int:
    return x * x


@eager
async def square_eagerly(x: int) -> int:
    return square(x=x)


@eager
async def squares(n: int = 2) -> typing.List[int]:
    return list(await asyncio.gather(*[square_eagerly(x=i + 1) for i in range(n)]))
