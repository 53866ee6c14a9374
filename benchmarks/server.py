"""A minimal AdminService for the benchmarks, meant to run in its own process.

It answers only GetExecution (one fixed Execution), ListExecutions (one page of copies of
it) and ListTasks (``--tasks`` tasks, token = offset, next token set while the page is
full and items remain). Responses are
pre-encoded bytes, so the server's cost per call is small and the same for every client.
Tasks beyond the first 10,000 repeat the pool of 10,000 distinct ones (same bytes), which
keeps start-up short for the 100,000-entity memory run.

    python -m benchmarks.server --tasks 10000 [--port 0]

prints ``PORT <n>`` on stdout once it is serving, and serves until terminated.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import subprocess
import sys
from concurrent import futures
from pathlib import Path
from typing import Any, Iterator, List

import grpc
from flyteidl.admin import common_pb2, execution_pb2, task_pb2

from . import fixtures

SERVICE = "flyteidl.service.AdminService"
POOL = 10_000


class Answers:
    """Pre-encoded responses: the Execution and one TaskList chunk per task."""

    def __init__(self, total_tasks: int) -> None:
        self.total = total_tasks
        self.execution_message = fixtures.execution()
        self.execution = self.execution_message.SerializeToString()
        # A TaskList with one task serializes to exactly that task's repeated-field
        # entry; concatenated entries (plus a token entry) are a valid TaskList.
        self.chunks: List[bytes] = [
            task_pb2.TaskList(tasks=[t]).SerializeToString()
            for t in fixtures.tasks(min(POOL, total_tasks))
        ]

    def get_execution(
        self, request: execution_pb2.WorkflowExecutionGetRequest, context: Any
    ) -> bytes:
        return self.execution

    def list_executions(self, request: common_pb2.ResourceListRequest, context: Any) -> bytes:
        """One page of ``limit`` copies of the execution (no next token): what
        ``FlyteRemote.recent_executions`` reads."""
        return execution_pb2.ExecutionList(
            executions=[self.execution_message] * (request.limit or 100)
        ).SerializeToString()

    def list_tasks(self, request: common_pb2.ResourceListRequest, context: Any) -> bytes:
        try:
            offset = int(request.token) if request.token else 0
        except ValueError:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"bad token {request.token!r}")
        limit = request.limit or 100
        end = min(offset + limit, self.total)
        pool = len(self.chunks)
        body = b"".join(self.chunks[i % pool] for i in range(offset, end))
        if end - offset == limit and end < self.total:
            body += task_pb2.TaskList(token=str(end)).SerializeToString()
        return body


def build_server(total_tasks: int, port: int = 0, workers: int = 4) -> "tuple[grpc.Server, int]":
    """An unstarted server with the answers for ``total_tasks`` tasks, and its port on 127.0.0.1."""
    answers = Answers(total_tasks)
    handlers = {
        "GetExecution": grpc.unary_unary_rpc_method_handler(
            answers.get_execution,
            request_deserializer=execution_pb2.WorkflowExecutionGetRequest.FromString,
        ),
        "ListTasks": grpc.unary_unary_rpc_method_handler(
            answers.list_tasks,
            request_deserializer=common_pb2.ResourceListRequest.FromString,
        ),
        "ListExecutions": grpc.unary_unary_rpc_method_handler(
            answers.list_executions,
            request_deserializer=common_pb2.ResourceListRequest.FromString,
        ),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    return server, bound


@contextlib.contextmanager
def spawn(
    total_tasks: int,
    python: str = sys.executable,
    timeout: float = 60.0,
    module: str = "benchmarks.server",
) -> Iterator[str]:
    """Run the server (``module``: this gRPC server, or ``benchmarks.http_server``) in a
    separate process for the duration of the block; yields its ``127.0.0.1:port``
    endpoint. The process is terminated (then killed) on exit."""
    root = Path(__file__).resolve().parent.parent
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    )
    proc = subprocess.Popen(
        [python, "-m", module, "--tasks", str(total_tasks)],
        stdout=subprocess.PIPE,
        cwd=str(root),
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        line = proc.stdout.readline() if ready else ""
        if not line.startswith("PORT "):
            raise RuntimeError(
                f"benchmark server did not start (exit code {proc.poll()}, said {line!r})"
            )
        endpoint = f"127.0.0.1:{int(line.split()[1])}"
        if module == "benchmarks.server":
            _wait_connectable(endpoint, timeout)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _wait_connectable(endpoint: str, timeout: float) -> None:
    channel = grpc.insecure_channel(endpoint)
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
    finally:
        channel.close()


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.server", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--tasks", type=int, default=10_000, help="tasks ListTasks serves (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)"
    )
    args = parser.parse_args(argv)
    server, port = build_server(args.tasks, args.port)
    server.start()
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
