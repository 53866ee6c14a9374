"""The benchmark server's HTTP/JSON twin: GetExecution and ListTasks as flyteadmin's
gateway answers them (JSON with proto field names and unpopulated fields, as flyteadmin's
marshaler writes; binary protobuf for ``Accept: application/octet-stream``), pre-encoded so the server's cost per call is small and the same for
every client. Runs in its own process.

    python -m benchmarks.http_server --tasks 10000

prints ``PORT <n>`` once it is serving.
"""

from __future__ import annotations

import argparse
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Tuple

from flyteidl.admin import task_pb2

from flyteclient.runtime.rest import FLYTEADMIN_JSON, PROTO_CONTENT_TYPE

from . import fixtures
from .server import POOL

EXECUTION_PATH = (
    f"/api/v1/executions/{fixtures.PROJECT}/{fixtures.DOMAIN}/{fixtures.EXECUTION_NAME}"
)
TASKS_PATH = f"/api/v1/tasks/{fixtures.PROJECT}/{fixtures.DOMAIN}"


class Answers:
    """Pre-encoded bodies: the execution, and each (offset, limit) page on first request."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.execution = FLYTEADMIN_JSON.encode(fixtures.execution())
        self.execution_proto = fixtures.execution().SerializeToString()
        self.tasks = fixtures.tasks(min(POOL, total))
        self._pages: Dict[Tuple[int, int, bool], bytes] = {}
        self._lock = threading.Lock()

    def page(self, offset: int, limit: int, binary: bool = False) -> bytes:
        with self._lock:
            body = self._pages.get((offset, limit, binary))
            if body is None:
                end = min(offset + limit, self.total)
                page = task_pb2.TaskList(
                    tasks=[self.tasks[i % len(self.tasks)] for i in range(offset, end)]
                )
                if end - offset == limit and end < self.total:
                    page.token = str(end)
                body = page.SerializeToString() if binary else FLYTEADMIN_JSON.encode(page)
                self._pages[(offset, limit, binary)] = body
            return body


def handler(answers: Answers) -> Any:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else ~40 ms per call (Nagle vs delayed ACK)

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            binary = self.headers.get("Accept") == PROTO_CONTENT_TYPE
            if url.path == EXECUTION_PATH:
                body = answers.execution_proto if binary else answers.execution
            elif url.path == TASKS_PATH:
                body = answers.page(
                    int(query.get("token") or 0), int(query.get("limit") or 100), binary
                )
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", PROTO_CONTENT_TYPE if binary else "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.http_server", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--tasks", type=int, default=10_000)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(Answers(args.tasks)))
    server.daemon_threads = True
    sys.stdout.write(f"PORT {server.server_address[1]}\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
