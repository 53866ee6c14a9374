"""``python -m flyteclient.testing --port 8089 [--db state.db] [--auth] [--auto-complete]
[--flyteidl-version 1.12.0] [--no-execute] [--data-dir DIR] [--write-config PATH]``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import Optional, Sequence

import grpc

from .server import DEFAULT_DOMAINS, LocalAdmin


def config_text(endpoint: str) -> str:
    """A flytekit / flytectl config.yaml for a LocalAdmin at ``endpoint`` (host:port)."""
    return (
        "# LocalAdmin (python -m flyteclient.testing)\n"
        "admin:\n"
        f"  endpoint: dns:///{endpoint}\n"
        "  insecure: true\n"
    )


def ensure_project(admin: LocalAdmin, project: str) -> None:
    """Register ``project`` on a started LocalAdmin unless it is already there (in process, so
    it works with ``--auth`` too)."""
    from flyteidl.admin import project_pb2

    from .executor.events import EventRejected, LocalContext

    assert admin.admin_servicer is not None
    try:
        admin.admin_servicer.RegisterProject(
            project_pb2.ProjectRegisterRequest(
                project=project_pb2.Project(id=project, name=project)
            ),
            LocalContext(),  # type: ignore[arg-type]
        )
    except EventRejected as exc:
        if exc.code != grpc.StatusCode.ALREADY_EXISTS:
            raise


def write_config(path: str, endpoint: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(config_text(endpoint))


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m flyteclient.testing", description="Serve a local flyteadmin look-alike."
    )
    ap.add_argument(
        "--port", type=int, default=8089, help="gRPC port on 127.0.0.1 (0 = any free port)"
    )
    ap.add_argument(
        "--http-port",
        type=int,
        default=0,
        help="HTTP port of the HTTP/JSON gateway, blob store and OAuth2 endpoints (0 = any)",
    )
    ap.add_argument("--db", default=None, help="SQLite file to persist state across restarts")
    ap.add_argument("--domains", default=",".join(DEFAULT_DOMAINS), help="comma-separated domains")
    ap.add_argument(
        "--auth", action="store_true", help="require OAuth2 bearer tokens (client flytectl/secret)"
    )
    ap.add_argument(
        "--auto-complete", action="store_true", help="new executions succeed immediately"
    )
    ap.add_argument(
        "--http-authorization-header",
        default=None,
        help="HTTP header the gateway reads credentials from besides Authorization "
        "(flyteadmin's httpAuthorizationHeader; default flyte-authorization)",
    )
    ap.add_argument(
        "--max-message-size-bytes",
        type=int,
        default=None,
        help="gRPC receive limit of the server and of the gateway's internal hop "
        "(flyteadmin's maxMessageSizeBytes; default grpc's 4 MiB)",
    )
    ap.add_argument(
        "--flyteidl-version",
        default=None,
        metavar="VERSION",
        help="serve as flyteadmin of this older release (from 1.10.7): only its RPCs and "
        "routes, request fields it does not know dropped, GetVersion reporting it",
    )
    ap.add_argument(
        "--no-execute",
        action="store_true",
        help="do not run executions (they wait for events, as without a propeller)",
    )
    ap.add_argument(
        "--data-dir",
        default=None,
        help="where executions' data and task logs go (default: DB.data with --db, else a "
        "temporary directory)",
    )
    ap.add_argument(
        "--max-parallel-tasks", type=int, default=None, help="task processes run at once"
    )
    ap.add_argument(
        "--project",
        action="append",
        default=None,
        help="register this project at start unless it exists (repeatable; default when "
        "executing: flytesnacks, as the Flyte sandbox does)",
    )
    ap.add_argument(
        "--write-config",
        metavar="PATH",
        default=None,
        help="write a config.yaml for pyflyte / FlyteRemote / flytectl pointing here",
    )
    args = ap.parse_args(argv)
    if args.max_parallel_tasks is not None and args.max_parallel_tasks < 1:
        ap.error("--max-parallel-tasks must be at least 1")
    if args.flyteidl_version is not None:
        from .release import check_version

        try:
            check_version(args.flyteidl_version, "--flyteidl-version")
        except ValueError as exc:
            ap.error(str(exc))

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    admin = LocalAdmin(
        port=args.port,
        domains=tuple(d for d in args.domains.split(",") if d),
        auth=args.auth or None,
        db_path=args.db,
        auto_complete=args.auto_complete,
        http_port=args.http_port,
        http_authorization_header=args.http_authorization_header,
        max_message_size_bytes=args.max_message_size_bytes,
        flyteidl_version=args.flyteidl_version,
        execute=not args.no_execute,
        data_dir=args.data_dir,
        max_parallel_tasks=args.max_parallel_tasks,
    )
    admin.start()
    release = f" as flyteadmin {admin.flyteidl_version}" if admin.flyteidl_version else ""
    default_projects = [] if args.no_execute else ["flytesnacks"]
    for project in args.project if args.project is not None else default_projects:
        ensure_project(admin, project)
    if args.write_config:
        write_config(args.write_config, admin.endpoint)
        print(f"wrote {args.write_config}", flush=True)
    print(
        f"LocalAdmin serving on {admin.endpoint} (gRPC){release}; HTTP/JSON gateway "
        f"{admin.http_url}/api/v1/ (with blob store and OAuth2 on {admin.http_url})",
        flush=True,
    )
    if admin.executor is not None:
        print(f"executing workflows locally (data in {admin.executor.datastore.root})", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        admin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
