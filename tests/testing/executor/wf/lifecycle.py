"""Lifecycle: a long task to terminate, a two-step workflow to recover."""

import os
import time

from flytekit import task, workflow


@task
def linger(seconds: float) -> int:
    marker = os.environ.get("EXECUTOR_TEST_PID_FILE")
    if marker:
        with open(marker, "w") as f:
            f.write(str(os.getpid()))
    time.sleep(seconds)
    return 0


@workflow
def long_running(seconds: float = 120.0) -> int:
    return linger(seconds=seconds)


@task
def first(x: int) -> int:
    counter = os.environ.get("EXECUTOR_TEST_COUNTER")
    if counter:
        with open(counter, "a") as f:
            f.write("first\n")
    return x + 1


@task
def second(x: int) -> int:
    gate = os.environ.get("EXECUTOR_TEST_GATE_FILE", "")
    if gate and not os.path.exists(gate):
        raise ValueError("the gate file is missing")
    return x * 10


@workflow
def two_steps(x: int = 1) -> int:
    return second(x=first(x=x))
