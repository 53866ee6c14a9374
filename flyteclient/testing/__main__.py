"""``python -m flyteclient.testing --port 8089 [--db state.db] [--auth] [--auto-complete]
[--flyteidl-version 1.12.0]``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Optional, Sequence

from .server import DEFAULT_DOMAINS, LocalAdmin


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
    args = ap.parse_args(argv)
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
    )
    admin.start()
    release = f" as flyteadmin {admin.flyteidl_version}" if admin.flyteidl_version else ""
    print(
        f"LocalAdmin serving on {admin.endpoint} (gRPC){release}; HTTP/JSON gateway "
        f"{admin.http_url}/api/v1/ (with blob store and OAuth2 on {admin.http_url})",
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        admin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
