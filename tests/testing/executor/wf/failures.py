"""Failures: policies, user and system retries, timeouts, checkpoints, unsupported tasks."""

import os
import time
import typing
from datetime import timedelta

from flytekit import ContainerTask, WorkflowFailurePolicy, current_context, kwtypes, task, workflow
from flytekit.exceptions.user import FlyteRecoverableException
from flytekit.types.file import FlyteFile


@task
def boom(x: int) -> int:
    if x > 0:
        raise ValueError(f"boom {x}")
    return x


@task
def slow(seconds: float) -> int:
    time.sleep(seconds)
    return 1


@task
def add(a: int, b: int) -> int:
    return a + b


@workflow
def fail_fast(seconds: float = 30.0) -> int:
    return add(a=boom(x=1), b=slow(seconds=seconds))


@workflow(failure_policy=WorkflowFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE)
def keep_going(seconds: float = 1.0) -> int:
    return add(a=boom(x=2), b=slow(seconds=seconds))


@task(retries=2)
def flaky() -> int:
    attempt = int(os.environ["FLYTE_ATTEMPT_NUMBER"])
    if attempt < 2:
        raise FlyteRecoverableException(f"attempt {attempt} failed")
    return attempt


@workflow
def retried() -> int:
    return flaky()


@task(retries=1)
def always_flaky() -> int:
    if os.environ.get("FLYTE_ATTEMPT_NUMBER"):
        raise FlyteRecoverableException("still flaky")
    return 0


@workflow
def retries_exhausted() -> int:
    return always_flaky()


@task(retries=3)
def broken() -> int:
    if os.environ.get("FLYTE_ATTEMPT_NUMBER"):
        raise ValueError("not worth retrying")
    return 0


@workflow
def not_retried() -> int:
    return broken()


@task
def lost_output() -> FlyteFile:
    path = os.path.join(current_context().working_directory, "out.txt")
    with open(path, "w") as f:
        f.write("data")
    # An upload that cannot succeed: flytekit reports a (recoverable) system error.
    return FlyteFile(path, remote_path="/proc/flyteclient-executor-test/out.txt")


@workflow
def system_error() -> FlyteFile:
    return lost_output()


@task(timeout=timedelta(seconds=1))
def sleepy() -> int:
    time.sleep(60)
    return 0


@workflow
def timed_out() -> int:
    return sleepy()


@task(retries=1)
def checkpointed(n: int) -> int:
    checkpoint = current_context().checkpoint
    previous = checkpoint.read()
    if previous is None:
        checkpoint.write(b"41")
        raise FlyteRecoverableException("stopped after writing a checkpoint")
    return int(previous.decode()) + n


@workflow
def resumes(n: int = 1) -> int:
    return checkpointed(n=n)


raw = ContainerTask(
    name="tests.executor.raw_container",
    image="alpine:3",
    command=["echo", "hello"],
    inputs=kwtypes(),
    outputs=kwtypes(out=typing.Optional[str]),
)


@workflow
def unsupported() -> typing.Optional[str]:
    return raw()
