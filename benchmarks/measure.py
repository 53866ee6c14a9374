"""Timing helpers: interleaved in-process rounds, and fresh-subprocess timings."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from .clients import Subject

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Samples:
    """Per-unit timings of one subject: wall (perf_counter) and this process's CPU time."""

    wall: List[float] = field(default_factory=list)
    cpu: List[float] = field(default_factory=list)

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def paired_ratio(values: Sequence[float], floor: Sequence[float]) -> float:
    """Median over rounds of ``values[i] / floor[i]``: both were measured in the same
    round, so slow phases of the machine cancel out (steadier than a ratio of medians)."""
    return statistics.median(v / f for v, f in zip(values, floor, strict=True))


def interleaved(
    subjects: Sequence[Subject], units: int, rounds: int, warmup: int, expect: int = 0
) -> Dict[str, Samples]:
    """Time ``units`` calls of each subject's ``run`` per round, for ``rounds`` rounds.

    Subjects take turns within a round, in a rotated order each round, so drift (CPU
    frequency, the server's state) is shared rather than charged to one of them; short
    rounds and many of them make :func:`paired_ratio` steady. Each
    subject first runs ``warmup`` unmeasured units. With ``expect``, every ``run()`` must
    return that count. Returns per-unit times (round total / units) per subject.
    """
    for subject in subjects:
        for _ in range(warmup):
            subject.run()
    results = {s.name: Samples() for s in subjects}
    for r in range(rounds):
        shift = r % len(subjects)
        for subject in list(subjects[shift:]) + list(subjects[:shift]):
            run = subject.run
            c0, w0 = time.process_time(), time.perf_counter()
            for _ in range(units):
                got = run()
            w1, c1 = time.perf_counter(), time.process_time()
            if expect and got != expect:
                raise AssertionError(f"{subject.name}: run() returned {got}, expected {expect}")
            results[subject.name].wall.append((w1 - w0) / units)
            results[subject.name].cpu.append((c1 - c0) / units)
    return results


def python_env() -> Dict[str, str]:
    """The environment for child interpreters: the repo root importable (for benchmarks)."""
    path = os.environ.get("PYTHONPATH")
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), path])))


IMPORT_SNIPPET = (
    "import time\n"
    "t0 = time.perf_counter()\n"
    "{stmt}\n"
    "t1 = time.perf_counter()\n"
    "print(repr(t1 - t0))\n"
)


def bytecode_env(pycache_prefix: str) -> Dict[str, str]:
    """Child environment in which every module is byte-compiled once, into
    ``pycache_prefix``, and loaded from there afterwards: what an installed package
    sees. (This sandbox sets PYTHONDONTWRITEBYTECODE=1, which leaves the repo's own
    modules, flyteclient included, to be compiled from source on every import.)"""
    env = python_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache_prefix
    return env


def no_bytecode_env() -> Dict[str, str]:
    """Child environment with PYTHONDONTWRITEBYTECODE=1 and no cache prefix: installed
    packages load their .pyc files, a source checkout is compiled on every import."""
    env = python_env()
    env.pop("PYTHONPYCACHEPREFIX", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def import_once(stmt: str, env: Dict[str, str], python: str = sys.executable) -> float:
    """Seconds ``stmt`` takes in a fresh interpreter, timed inside it."""
    out = subprocess.run(
        [python, "-c", IMPORT_SNIPPET.format(stmt=stmt)],
        cwd=str(ROOT),
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(out.stdout.strip().splitlines()[-1])


def import_times(
    stmts: Dict[str, Tuple[str, Dict[str, str]]], runs: int, python: str = sys.executable
) -> Dict[str, List[float]]:
    """``runs`` fresh-interpreter timings of each ``(statement, environment)``,
    interleaved, after one unrecorded run each (which writes the bytecode cache, if the
    environment allows it, and warms the OS file cache)."""
    for stmt, env in stmts.values():
        import_once(stmt, env, python)
    times: Dict[str, List[float]] = {name: [] for name in stmts}
    for _ in range(runs):
        for name, (stmt, env) in stmts.items():
            times[name].append(import_once(stmt, env, python))
    return times


def command_times(argv: Sequence[str], runs: int) -> List[float]:
    """Wall seconds of ``runs`` runs of a command (cwd: the repo root); it must succeed."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            list(argv),
            cwd=str(ROOT),
            env=python_env(),
            capture_output=True,
            check=True,
            timeout=300,
        )
        times.append(time.perf_counter() - t0)
    return times


def process_times(
    commands: Dict[str, List[str]], env: Dict[str, str], runs: int
) -> Dict[str, List[float]]:
    """Wall seconds of whole processes: ``runs`` runs of each command, interleaved, after
    one unrecorded run each (bytecode cache, OS file cache)."""

    def once(argv: List[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run(argv, cwd=str(ROOT), env=env, capture_output=True, check=True, timeout=120)
        return time.perf_counter() - t0

    for argv in commands.values():
        once(argv)
    times: Dict[str, List[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            times[name].append(once(argv))
    return times
