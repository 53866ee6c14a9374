"""The benchmark driver (issue 8): runs every phase, prints the table, writes the JSON.

    python -m benchmarks.run [--quick] [--out bench-results.json] [--only PHASE ...]

Phases: ``import``, ``startup`` (a whole process importing and constructing a client),
``unary``, ``pagination``, ``async`` (AsyncFlyteClient vs a bare
grpc.aio stub), ``rest`` (the REST transport vs a bare httpx request; REST vs gRPC paging), ``flytekit`` (flyteclient.flytekit vs
flytekit's client), ``regeneration``, ``memory``, ``execute`` (a workflow run by LocalAdmin's
executor vs ``pyflyte run`` locally). Ratios are
against the floor measured in the same run: the flyteidl ``_pb2_grpc`` imports for
import time, the raw grpc stub for unary calls and pagination.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from . import aio, clients, flytekit_compat, measure, rest
from .server import spawn

PHASES = (
    "import",
    "startup",
    "unary",
    "pagination",
    "async",
    "rest",
    "flytekit",
    "regeneration",
    "memory",
    "execute",
)

IMPORTS = {
    "pb2_grpc floor": "import flyteidl.service.admin_pb2_grpc, flyteidl.service.dataproxy_pb2_grpc",
    "flyteclient": "import flyteclient; flyteclient.SynchronousFlyteClient",
    "flytekit": "import flytekit.clients.friendly",
}

NO_PYC = "flyteclient, no .pyc (info)"

TARGET_IMPORT = 1.15
TARGET_UNARY = 1.05
TARGET_PAGES = 1.10
TARGET_PAGINATED = 1.05  # list_*_paginated (flytekit's resource-type fill included)
TARGET_REGEN_S = 3.0
TARGET_MEMORY = 1.05  # peak RSS at 100k entities / at 10k: "flat"
TARGET_REST = 1.10  # REST unary call vs a bare httpx request + protobuf parse
TARGET_REST_PAGES = 1.30  # REST paging (binary bodies, the default) vs gRPC paging, wall
TARGET_STARTUP = 1.10  # import + construct, whole process, vs the bare route
TARGET_COMPAT = 1.05  # flyteclient.flytekit vs flytekit's own client: not slower, within noise
TARGET_EXECUTE = 2.0  # pyflyte run --remote on LocalAdmin vs pyflyte run, 20-node chain


@dataclass(frozen=True)
class Sizes:
    """How much work each phase does."""

    import_runs: int = 15
    unary_calls: int = 100
    unary_rounds: int = 80
    unary_warmup: int = 300
    tasks: int = 10_000
    page_size: int = 100
    page_rounds: int = 25
    page_warmup: int = 1
    regen_runs: int = 3
    memory_small: int = 10_000
    memory_large: int = 100_000
    memory_runs: int = 3
    remote_rounds: int = 7
    execute_rounds: int = 5


QUICK = Sizes(
    import_runs=3,
    unary_calls=50,
    unary_rounds=6,
    unary_warmup=50,
    tasks=1000,
    page_rounds=2,
    regen_runs=1,
    memory_small=2000,
    memory_large=20_000,
    memory_runs=1,
    remote_rounds=1,
    execute_rounds=1,
)


@dataclass
class Row:
    """One line of the table."""

    phase: str
    subject: str
    metric: str
    value: float
    unit: str
    ratio: Optional[float] = None
    target: str = ""
    status: str = ""


def _status(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# -- phases --------------------------------------------------------------------------
def bench_import(sizes: Sizes, with_flytekit: bool, raw: Dict[str, Any]) -> List[Row]:
    """Fresh-interpreter import times, all modules byte-compiled (as installed); plus,
    for information, flyteclient compiled from source (PYTHONDONTWRITEBYTECODE=1)."""
    with tempfile.TemporaryDirectory(prefix="flyteclient-bench-pyc-") as prefix:
        env = measure.bytecode_env(prefix)
        stmts = {
            name: (stmt, env)
            for name, stmt in IMPORTS.items()
            if with_flytekit or name != "flytekit"
        }
        stmts[NO_PYC] = (IMPORTS["flyteclient"], measure.no_bytecode_env())
        times = measure.import_times(stmts, sizes.import_runs)
    raw["import"] = times
    base = times["pb2_grpc floor"]
    rows = [Row("import", "pb2_grpc floor", "median", statistics.median(base) * 1e3, "ms", 1.0)]
    for name in stmts:
        if name == "pb2_grpc floor":
            continue
        value, ratio = statistics.median(times[name]), measure.paired_ratio(times[name], base)
        if name == "flyteclient":
            rows.append(
                Row(
                    "import",
                    name,
                    "median",
                    value * 1e3,
                    "ms",
                    ratio,
                    f"<= {TARGET_IMPORT}x",
                    _status(ratio <= TARGET_IMPORT),
                )
            )
        else:
            rows.append(Row("import", name, "median", value * 1e3, "ms", ratio))
    return rows


# Whole-process start-up: import and construct a client, against the bare route.
STARTUP = {
    "bare route (grpc, admin + dataproxy stubs, channel)": (
        "import grpc, flyteidl.service.admin_pb2_grpc as a, flyteidl.service.dataproxy_pb2_grpc as d; "
        "c = grpc.insecure_channel('127.0.0.1:1'); a.AdminServiceStub(c); d.DataProxyServiceStub(c)"
    ),
    "flyteclient": (
        "from flyteclient import SynchronousFlyteClient; SynchronousFlyteClient('127.0.0.1:1', insecure=True)"
    ),
}


def bench_startup(sizes: Sizes, raw: Dict[str, Any]) -> List[Row]:
    """Wall time of whole processes (interpreter start, imports, a client or a channel and
    stubs), byte-compiled as installed, interleaved over ``import_runs`` runs each."""
    with tempfile.TemporaryDirectory(prefix="flyteclient-bench-pyc-") as prefix:
        env = measure.bytecode_env(prefix)
        times = measure.process_times(
            {name: [sys.executable, "-c", stmt] for name, stmt in STARTUP.items()},
            env,
            sizes.import_runs,
        )
    raw["startup"] = times
    floor_name, ours = list(STARTUP)
    base = times[floor_name]
    ratio = measure.paired_ratio(times[ours], base)
    return [
        Row("startup (process)", floor_name, "median", statistics.median(base) * 1e3, "ms", 1.0),
        Row(
            "startup (process)",
            ours,
            "median",
            statistics.median(times[ours]) * 1e3,
            "ms",
            ratio,
            f"<= {TARGET_STARTUP}x",
            _status(ratio <= TARGET_STARTUP),
        ),
    ]


def _ratio_rows(
    phase: str,
    results: Dict[str, measure.Samples],
    target: Optional[float],
    unit: str,
    scale: float,
    floor_name: str = clients.RAW,
    targeted: str = clients.FLYTECLIENT,
    target_metrics: Sequence[str] = ("wall", "cpu"),
) -> List[Row]:
    """Rows for one in-process phase: medians per unit, ratios to ``floor_name`` paired
    by round; ``targeted``'s ratios (of ``target_metrics``) are checked against ``target``."""
    floor = results[floor_name]
    rows: List[Row] = []
    for metric in ("wall", "cpu"):
        base: List[float] = getattr(floor, metric)
        rows.append(Row(phase, floor_name, metric, statistics.median(base) * scale, unit, 1.0))
        for name, samples in results.items():
            if name == floor_name:
                continue
            values: List[float] = getattr(samples, metric)
            value = statistics.median(values)
            ratio = measure.paired_ratio(values, base)
            if name == targeted and target is not None and metric in target_metrics:
                rows.append(
                    Row(
                        phase,
                        name,
                        metric,
                        value * scale,
                        unit,
                        ratio,
                        f"<= {target}x",
                        _status(ratio <= target),
                    )
                )
            else:
                rows.append(Row(phase, name, metric, value * scale, unit, ratio))
    return rows


def bench_unary(endpoint: str, sizes: Sizes, with_flytekit: bool, raw: Dict[str, Any]) -> List[Row]:
    subjects = clients.unary_subjects(endpoint, with_flytekit)
    try:
        results = measure.interleaved(
            subjects, sizes.unary_calls, sizes.unary_rounds, sizes.unary_warmup
        )
    finally:
        for s in subjects:
            s.close()
    raw["unary"] = {name: asdict(samples) for name, samples in results.items()}
    return _ratio_rows("unary GetExecution", results, TARGET_UNARY, "us/call", 1e6)


def bench_pagination(
    endpoint: str, sizes: Sizes, with_flytekit: bool, raw: Dict[str, Any]
) -> List[Row]:
    subjects = clients.page_subjects(endpoint, with_flytekit, sizes.page_size)
    try:
        results = measure.interleaved(
            subjects, 1, sizes.page_rounds, sizes.page_warmup, expect=sizes.tasks
        )
    finally:
        for s in subjects:
            s.close()
    raw["pagination"] = {name: asdict(samples) for name, samples in results.items()}
    rows = _ratio_rows(f"pagination {sizes.tasks} tasks", results, TARGET_PAGES, "ms/pass", 1e3)
    for row in rows:  # list_*_paginated has its own, tighter target
        if row.subject == clients.FLYTECLIENT_PAGINATED and row.ratio is not None:
            row.target, row.status = (
                f"<= {TARGET_PAGINATED}x",
                _status(row.ratio <= TARGET_PAGINATED),
            )
    return rows


def _compare(
    subjects: List[clients.Subject], units: int, rounds: int, expect: int = 0
) -> Dict[str, measure.Samples]:
    try:
        return measure.interleaved(subjects, units, rounds, 1, expect=expect)
    finally:
        for s in subjects:
            s.close()


def bench_flytekit(endpoint: str, sizes: Sizes, raw: Dict[str, Any]) -> List[Row]:
    """flyteclient.flytekit vs flytekit's own client under FlyteRemote and for one call
    (target: not slower), and its per-call cost over the main client (information)."""
    listed = _compare(
        flytekit_compat.list_tasks_subjects(endpoint, sizes.tasks),
        1,
        sizes.remote_rounds,
        sizes.tasks,
    )
    recent = _compare(
        flytekit_compat.recent_executions_subjects(endpoint), 1, sizes.remote_rounds * 4, 100
    )
    unary = _compare(
        flytekit_compat.unary_subjects(endpoint), sizes.unary_calls, sizes.unary_rounds // 2
    )
    raw["flytekit"] = {
        name: {k: asdict(v) for k, v in results.items()}
        for name, results in (
            ("list_tasks_by_version", listed),
            ("recent_executions", recent),
            ("unary", unary),
        )
    }
    floor, ours = flytekit_compat.FLYTEKIT_REMOTE, flytekit_compat.COMPAT_REMOTE
    rows = _ratio_rows(
        f"FlyteRemote.list_tasks_by_version {sizes.tasks} tasks",
        listed,
        TARGET_COMPAT,
        "ms/pass",
        1e3,
        floor,
        ours,
    )
    rows += _ratio_rows(
        "FlyteRemote.recent_executions 100", recent, TARGET_COMPAT, "ms/pass", 1e3, floor, ours
    )
    rows += _ratio_rows(
        "unary GetExecution (models)", unary, None, "us/call", 1e6, flytekit_compat.MAIN_CLIENT
    )
    compat, kit = unary[flytekit_compat.COMPAT_CLIENT], unary[flytekit_compat.FLYTEKIT_CLIENT]
    for metric in ("wall", "cpu"):
        ratio = measure.paired_ratio(getattr(compat, metric), getattr(kit, metric))
        rows.append(
            Row(
                "unary GetExecution (models)",
                f"{flytekit_compat.COMPAT_CLIENT} vs flytekit client",
                metric,
                statistics.median(getattr(compat, metric)) * 1e6,
                "us/call",
                ratio,
                f"<= {TARGET_COMPAT}x",
                _status(ratio <= TARGET_COMPAT),
            )
        )
    return rows


def bench_async(endpoint: str, sizes: Sizes, raw: Dict[str, Any]) -> List[Row]:
    """AsyncFlyteClient vs a bare grpc.aio stub: sequential unary calls, 1,000 concurrent
    calls, and the async pager over every task."""
    unary = _compare(aio.unary_subjects(endpoint), 1, sizes.unary_rounds, aio.BATCH)
    concurrent = _compare(
        aio.concurrent_subjects(endpoint), 1, sizes.remote_rounds * 2, aio.CONCURRENT
    )
    pages = _compare(
        aio.page_subjects(endpoint, sizes.page_size), 1, sizes.page_rounds, sizes.tasks
    )
    raw["async"] = {
        name: {k: asdict(v) for k, v in results.items()}
        for name, results in (("unary", unary), ("concurrent", concurrent), ("pagination", pages))
    }
    floor, ours = aio.RAW_AIO, aio.FLYTECLIENT_AIO
    rows = _ratio_rows(
        "async unary GetExecution", unary, TARGET_UNARY, "us/call", 1e6 / aio.BATCH, floor, ours
    )
    rows += _ratio_rows(
        f"async {aio.CONCURRENT} concurrent GetExecution",
        concurrent,
        TARGET_PAGES,
        "ms/batch",
        1e3,
        floor,
        ours,
    )
    rows += _ratio_rows(
        f"async pager {sizes.tasks} tasks", pages, TARGET_PAGES, "ms/pass", 1e3, floor, ours
    )
    return rows


def bench_rest(endpoint: str, sizes: Sizes, raw: Dict[str, Any]) -> List[Row]:
    """The REST transport: a unary call vs a bare httpx request (and protobuf parse) to
    the same route, and paging through every task vs the gRPC transport (binary bodies:
    targeted, wall; JSON bodies: information)."""
    with spawn(sizes.tasks, module="benchmarks.http_server") as http_endpoint:
        url = f"http://{http_endpoint}"
        unary = _compare(rest.unary_subjects(url), sizes.unary_calls, sizes.unary_rounds // 2)
        pages = _compare(
            rest.page_subjects(url, endpoint, sizes.page_size), 1, sizes.page_rounds, sizes.tasks
        )
        json_pages = _compare(
            rest.page_subjects(url, endpoint, sizes.page_size, "json"),
            1,
            sizes.remote_rounds,
            sizes.tasks,
        )
    raw["rest"] = {
        name: {k: asdict(v) for k, v in r.items()}
        for name, r in (("unary", unary), ("pagination", pages), ("json pagination", json_pages))
    }
    rows = _ratio_rows(
        "REST unary GetExecution",
        unary,
        TARGET_REST,
        "us/call",
        1e6,
        rest.RAW_HTTPX,
        rest.FLYTECLIENT_REST,
    )
    rows += _ratio_rows(
        f"REST vs gRPC paging {sizes.tasks} tasks",
        pages,
        TARGET_REST_PAGES,
        "ms/pass",
        1e3,
        rest.FLYTECLIENT_GRPC,
        rest.FLYTECLIENT_REST,
        ("wall",),
    )
    rows += _ratio_rows(
        f"REST (JSON) vs gRPC paging {sizes.tasks} tasks",
        json_pages,
        None,
        "ms/pass",
        1e3,
        rest.FLYTECLIENT_GRPC,
    )
    return rows


def bench_regeneration(sizes: Sizes, raw: Dict[str, Any]) -> List[Row]:
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="flyteclient-bench-") as tmp:
        out = str(Path(tmp) / "generated")
        generate = measure.command_times([py, "-m", "codegen", "--out", out], sizes.regen_runs)
    check = measure.command_times([py, "-m", "codegen", "--check"], sizes.regen_runs)
    raw["regeneration"] = {"generate": generate, "check": check}
    rows = []
    for name, times in (("codegen --out <tmp>", generate), ("codegen --check", check)):
        value = statistics.median(times)
        rows.append(
            Row(
                "regeneration",
                name,
                "wall",
                value,
                "s",
                None,
                f"< {TARGET_REGEN_S} s",
                _status(value < TARGET_REGEN_S),
            )
        )
    return rows


def _memory_once(endpoint: str, count: int, page_size: int, keep: bool = False) -> Dict[str, int]:
    argv = [
        sys.executable,
        "-m",
        "benchmarks.memory",
        "--endpoint",
        endpoint,
        "--count",
        str(count),
        "--page-size",
        str(page_size),
    ]
    out = subprocess.run(
        argv + (["--keep"] if keep else []),
        cwd=str(measure.ROOT),
        env=measure.python_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["count"] != count:
        raise AssertionError(f"memory run iterated {result['count']} tasks, expected {count}")
    return result


def bench_memory(sizes: Sizes, raw: Dict[str, Any]) -> List[Row]:
    runs: Dict[int, List[Dict[str, int]]] = {sizes.memory_small: [], sizes.memory_large: []}
    with spawn(sizes.memory_large) as endpoint:
        for _ in range(sizes.memory_runs):
            for count in runs:
                runs[count].append(_memory_once(endpoint, count, sizes.page_size))
        # Reference: the same iteration holding every task, to show the measure sees growth.
        kept = _memory_once(endpoint, sizes.memory_small, sizes.page_size, keep=True)
    raw["memory"] = {str(k): v for k, v in runs.items()}
    raw["memory"]["reference_keep_all"] = kept
    peak = {k: statistics.median(r["rss_peak_kb"] for r in v) for k, v in runs.items()}
    growth = {
        k: statistics.median(r["rss_now_after_kb"] - r["rss_now_before_kb"] for r in v)
        for k, v in runs.items()
    }
    small, large = sizes.memory_small, sizes.memory_large
    ratio = peak[large] / peak[small]
    return [
        Row("memory (pager)", f"{small} tasks", "peak RSS", peak[small] / 1024, "MiB", 1.0),
        Row(
            "memory (pager)",
            f"{large} tasks",
            "peak RSS",
            peak[large] / 1024,
            "MiB",
            ratio,
            f"<= {TARGET_MEMORY}x",
            _status(ratio <= TARGET_MEMORY),
        ),
        Row("memory (pager)", f"{small} tasks", "RSS growth in loop", growth[small] / 1024, "MiB"),
        Row("memory (pager)", f"{large} tasks", "RSS growth in loop", growth[large] / 1024, "MiB"),
        Row(
            "memory (pager)",
            f"{small} tasks kept in a list (reference)",
            "RSS growth in loop",
            (kept["rss_now_after_kb"] - kept["rss_now_before_kb"]) / 1024,
            "MiB",
        ),
    ]


# -- output --------------------------------------------------------------------------
def bench_execute(sizes: Sizes, raw: Dict[str, Any]) -> List[Row]:
    """A workflow executed by LocalAdmin vs the same workflow run by ``pyflyte run`` locally."""
    from . import executor

    samples = executor.measure(sizes.execute_rounds)
    raw["execute"] = samples
    local = samples["local_s"]
    ratio = measure.paired_ratio(samples["execution_s"], local)
    command_ratio = measure.paired_ratio(samples["pyflyte_remote_s"], local)
    phase = f"execute ({executor.NODES}-node chain)"
    return [
        Row(phase, "pyflyte run (local)", "median", statistics.median(local), "s", 1.0),
        Row(
            phase,
            "LocalAdmin: FlyteRemote.execute + wait",
            "median",
            statistics.median(samples["execution_s"]),
            "s",
            ratio,
            f"<= {TARGET_EXECUTE}x",
            _status(ratio <= TARGET_EXECUTE),
        ),
        Row(
            phase,
            "pyflyte run --remote --wait (info)",
            "median",
            statistics.median(samples["pyflyte_remote_s"]),
            "s",
            command_ratio,
        ),
        Row(
            phase,
            "LocalAdmin: per task, on the server (info)",
            "median",
            samples["per_task_ms"],
            "ms",
        ),
    ]


def format_table(rows: Sequence[Row]) -> str:
    header = ("phase", "subject", "metric", "median", "unit", "ratio", "target", "result")
    lines = [
        (
            r.phase,
            r.subject,
            r.metric,
            f"{r.value:.4g}" if r.value < 1000 else f"{r.value:.0f}",
            r.unit,
            "" if r.ratio is None else f"{r.ratio:.3f}x",
            r.target,
            r.status,
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]
    fmt = "  ".join(f"{{:{'>' if i in (3, 5) else '<'}{w}}}" for i, w in enumerate(widths))
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*line).rstrip() for line in lines]
    return "\n".join(out)


def _versions() -> Dict[str, str]:
    from importlib import metadata

    found = {}
    for dist in ("flyteclient", "flyteidl", "grpcio", "protobuf", "flytekit"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    return found


def run(phases: Sequence[str], sizes: Sizes, quick: bool) -> Dict[str, Any]:
    """Run ``phases`` and return the results document (rows, raw samples, machine)."""
    with_flytekit = clients.flytekit_available()
    raw: Dict[str, Any] = {}
    rows: List[Row] = []
    started = time.perf_counter()
    if "import" in phases:
        rows += bench_import(sizes, with_flytekit, raw)
    if "startup" in phases:
        rows += bench_startup(sizes, raw)
    if {"unary", "pagination", "async", "rest", "flytekit"} & set(phases):
        with spawn(sizes.tasks) as endpoint:
            if "unary" in phases:
                rows += bench_unary(endpoint, sizes, with_flytekit, raw)
            if "pagination" in phases:
                rows += bench_pagination(endpoint, sizes, with_flytekit, raw)
            if "async" in phases:
                rows += bench_async(endpoint, sizes, raw)
            if "rest" in phases:
                rows += bench_rest(endpoint, sizes, raw)
            if "flytekit" in phases and with_flytekit:
                rows += bench_flytekit(endpoint, sizes, raw)
    if "regeneration" in phases:
        rows += bench_regeneration(sizes, raw)
    if "memory" in phases:
        rows += bench_memory(sizes, raw)
    if "execute" in phases and with_flytekit:
        rows += bench_execute(sizes, raw)
    return {
        "quick": quick,
        "sizes": asdict(sizes),
        "elapsed_s": round(time.perf_counter() - started, 2),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "versions": _versions(),
        },
        "rows": [asdict(r) for r in rows],
        "all_pass": all(r.status != "MISS" for r in rows),
        "samples": raw,
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: a fast smoke run, figures not meaningful"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=measure.ROOT / "bench-results.json",
        help="JSON results (default: %(default)s)",
    )
    parser.add_argument(
        "--only", action="append", choices=PHASES, help="run only this phase (repeatable)"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    doc = run(args.only or PHASES, sizes, args.quick)
    rows = [Row(**r) for r in doc["rows"]]
    print(format_table(rows))
    print(
        f"\n{'quick run; ' if args.quick else ''}{doc['elapsed_s']} s; results written to {args.out}"
    )
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
