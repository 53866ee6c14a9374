"""``python -m flyteclient compatibility``: which of this client's RPCs and request fields
the server's release lacks.

    python -m flyteclient compatibility --endpoint flyte.example.com:443
    python -m flyteclient compatibility --endpoint localhost:8089 --insecure
    python -m flyteclient compatibility --endpoint http://localhost:8088 --transport rest
    python -m flyteclient compatibility                    # endpoint and auth from the config
    python -m flyteclient compatibility --config ~/.flyte/config.yaml --json

Exit status: 0 the server has everything this client sends; 1 it lacks RPCs or request
fields (listed); 2 it could not be told (no reported release, a failed call, bad
arguments; one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Optional, Sequence


def _client(args: argparse.Namespace) -> Any:
    from flyteclient import PlatformConfig, SynchronousFlyteClient

    kwargs: dict = {}
    if args.transport:
        kwargs["transport"] = args.transport
    if args.endpoint and not args.config:
        insecure = True if args.insecure else None
        return SynchronousFlyteClient(args.endpoint, insecure, **kwargs)
    config = PlatformConfig.auto(args.config)
    if args.endpoint:
        config = _with(config, endpoint=args.endpoint)
    if args.insecure:
        config = _with(config, insecure=True)
    return SynchronousFlyteClient(config, **kwargs)


def _with(config: Any, **changes: Any) -> Any:
    import dataclasses

    return dataclasses.replace(config, **changes)


def compatibility(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flyteclient compatibility",
        description="Report which of this client's RPCs and request fields the server's "
        "flyteadmin release lacks (exit 1 if any, 2 if it cannot be told).",
    )
    parser.add_argument("--endpoint", help="host:port (or an http(s):// URL with --transport rest)")
    parser.add_argument("--insecure", action="store_true", help="plain text, no TLS")
    parser.add_argument(
        "--transport", choices=("grpc", "rest"), help="default: the config's, else grpc"
    )
    parser.add_argument(
        "--config", help="config file (default: FLYTECTL_CONFIG, ~/.flyte/config.yaml ...)"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds (default: %(default)s)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(list(argv))
    try:
        client = _client(args)
    except (TypeError, ValueError) as exc:  # ConfigError is a ValueError
        print(f"flyteclient compatibility: error: {exc}", file=sys.stderr)
        return 2
    from flyteclient.exceptions import FlyteException

    try:
        with client:
            report = client.compatibility(timeout=args.timeout)
    except FlyteException as exc:
        print(f"flyteclient compatibility: error: {client.url}: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(report.to_json() if args.json else str(report))
    if not report.known:
        return 2
    return 0 if report.compatible else 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["compatibility"]:
        return compatibility(argv[1:])
    print(__doc__.strip().splitlines()[0].strip(), file=sys.stderr)
    print(
        "usage: python -m flyteclient compatibility [--endpoint HOST:PORT] [options]",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
