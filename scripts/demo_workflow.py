"""The flytekit workflow ``scripts/demo`` registers on LocalAdmin and runs there (and locally,
to compare): a fan-out, a map task and a join."""

import typing

from flytekit import map_task, task, workflow


@task
def word_lengths(text: str) -> typing.List[int]:
    return [len(word) for word in text.split()]


@task
def square(x: int) -> int:
    return x * x


@task
def summarize(squares: typing.List[int], text: str) -> typing.Dict[str, int]:
    return {"words": len(text.split()), "sum_of_squares": sum(squares)}


@workflow
def wordstats(text: str = "flyte runs workflows locally") -> typing.Dict[str, int]:
    return summarize(squares=map_task(square)(x=word_lengths(text=text)), text=text)
