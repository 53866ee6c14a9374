"""Flytesnacks' recursive merge sort: a workflow whose branch runs a dynamic task that calls
the same workflow again (its first compilation happens inside the dynamic task, so the
futures carry it with node IDs ``dn0``...)."""

import typing

from flytekit import conditional, dynamic, task, workflow


@task
def split(
    numbers: typing.List[int],
) -> typing.Tuple[typing.List[int], typing.List[int], int, int]:
    half = len(numbers) // 2
    return numbers[:half], numbers[half:], half, len(numbers) - half


@task
def merge(a: typing.List[int], b: typing.List[int]) -> typing.List[int]:
    return sorted(a + b)


@task
def sort_locally(numbers: typing.List[int]) -> typing.List[int]:
    return sorted(numbers)


@dynamic
def merge_sort_remotely(numbers: typing.List[int], run_local_at_count: int) -> typing.List[int]:
    left, right, n_left, n_right = split(numbers=numbers)
    a = merge_sort(numbers=left, numbers_count=n_left, run_local_at_count=run_local_at_count)
    b = merge_sort(numbers=right, numbers_count=n_right, run_local_at_count=run_local_at_count)
    return merge(a=a, b=b)


@workflow
def merge_sort(
    numbers: typing.List[int], numbers_count: int, run_local_at_count: int = 3
) -> typing.List[int]:
    return (
        conditional("terminal_case")
        .if_(numbers_count <= run_local_at_count)
        .then(sort_locally(numbers=numbers))
        .else_()
        .then(merge_sort_remotely(numbers=numbers, run_local_at_count=run_local_at_count))
    )


@workflow
def sort_numbers(numbers: typing.List[int] = [9, 3, 7, 1, 8, 2, 0]) -> typing.List[int]:  # noqa: B006
    return merge_sort(numbers=numbers, numbers_count=7, run_local_at_count=3)
