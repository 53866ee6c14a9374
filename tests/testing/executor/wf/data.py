"""Data: files and directories between tasks and to the user, shell tasks, caching."""

import os
import typing

from flytekit import current_context, kwtypes, task, workflow
from flytekit.extras.tasks.shell import OutputLocation, ShellTask
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile


@task
def write_file(text: str) -> FlyteFile:
    path = os.path.join(current_context().working_directory, "greeting.txt")
    with open(path, "w") as f:
        f.write(text)
    return FlyteFile(path)


@task
def read_file(f: FlyteFile) -> str:
    with open(f) as handle:
        return handle.read().upper()


@task
def write_dir(n: int) -> FlyteDirectory:
    d = os.path.join(current_context().working_directory, "parts")
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        with open(os.path.join(d, f"part-{i}.txt"), "w") as f:
            f.write(str(i))
    return FlyteDirectory(d)


@task
def sum_dir(d: FlyteDirectory) -> int:
    local = d.download()
    return sum(int(open(os.path.join(local, name)).read()) for name in sorted(os.listdir(local)))


@workflow
def files(text: str = "hello", n: int = 4) -> typing.Tuple[str, FlyteFile, int, FlyteDirectory]:
    f = write_file(text=text)
    d = write_dir(n=n)
    return read_file(f=f), f, sum_dir(d=d), d


@workflow
def upper(f: FlyteFile) -> str:
    return read_file(f=f)


shout = ShellTask(
    name="tests.executor.shout",
    script="""
    echo "{inputs.word} {inputs.word}!" > {outputs.out}
    """,
    inputs=kwtypes(word=str),
    output_locs=[OutputLocation(var="out", var_type=FlyteFile, location="{inputs.word}.txt")],
)


@workflow
def shell(word: str = "hey") -> str:
    return read_file(f=shout(word=word))


@task(cache=True, cache_version="1")
def cached_square(x: int) -> int:
    counter = os.environ.get("EXECUTOR_TEST_COUNTER")
    if counter:
        with open(counter, "a") as f:
            f.write(f"{x}\n")
    return x * x


@workflow
def cached(x: int = 3) -> int:
    return cached_square(x=x)


@task(enable_deck=True)
def with_deck(x: int) -> int:
    return x + 1


@workflow
def decked(x: int = 1) -> int:
    return with_deck(x=x)
