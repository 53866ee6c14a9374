"""Tasks whose process ends without flytekit's error document: an exit code, a signal."""

import os
import sys

from flytekit import task, workflow


@task
def leave(code: int) -> int:
    print(f"leaving with {code}", file=sys.stderr)
    if code < 0:
        os.kill(os.getpid(), -code)
    os._exit(code)
    return 0


@workflow
def exits(code: int = 3) -> int:
    return leave(code=code)
