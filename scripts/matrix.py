"""The test matrix: the suite on every supported Python found here, with the newest
dependencies and with the declared floors. Run through ``scripts/test-matrix``.

Cells, per Python (the supported ones come from pyproject's ``requires-python``):

- ``newest``: ``.[dev]`` at the newest releases; the whole gate (``scripts/test``:
  ``codegen --check``, ruff, mypy, pytest).
- ``floor``: every runtime dependency and the ``auth``, ``keyring`` and ``rest`` extras
  pinned to the lowest version pyproject allows on that Python (flyteidl, grpcio,
  protobuf, requests, keyring, httpx); pytest.
- ``floor-flytekit``: the same with the ``flytekit`` extra at its floor (and flyteidl at
  the floor that extra declares). Only where flytekit installs on that Python.

Every pin is the floor pyproject declares, exactly: if a dependency needs more than that
(flytekit asking for a newer flyteidl, say), the install fails and the floor is wrong.

Each cell then installs the wheel (built once per run; a regular install, not editable)
with the cell's versions into a fresh virtualenv and runs ``scripts/smoke.py`` from
outside the checkout: what a user's install does against ``python -m flyteclient.testing``.

In the floor cells the generator's and linters' tests skip (their tools are not part of a
user's install); everything else runs. Each cell has its own virtualenv under
``.matrix/`` (kept between runs, rebuilt when pyproject.toml changes), installed with uv.
Prints a table and exits 1 if any cell failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
CELLS = ("newest", "floor", "floor-flytekit")
FLOOR_EXTRAS = ("auth", "keyring", "rest")
#: Shown in the table: what the floor cells are about.
SHOWN = ("flyteidl", "grpcio", "protobuf", "httpx", "flytekit")


# -- what pyproject declares ------------------------------------------------------------


def project() -> dict:
    with open(PYPROJECT, "rb") as f:
        return tomllib.load(f)["project"]


def supported_pythons() -> List[str]:
    """``3.10``, ``3.11``... from ``requires-python = ">=3.10,<3.14"``."""
    spec = project()["requires-python"]
    low = re.search(r">=\s*3\.(\d+)", spec)
    high = re.search(r"<\s*3\.(\d+)", spec)
    if not (low and high):
        raise SystemExit(f"test-matrix: cannot read a range from requires-python {spec!r}")
    return [f"3.{minor}" for minor in range(int(low.group(1)), int(high.group(1)))]


def _environment(python: str) -> Dict[str, str]:
    return {"python_version": python, "python_full_version": f"{python}.0", "extra": ""}


def floors(python: str, extras: Sequence[str]) -> Dict[str, str]:
    """Distribution -> the lowest version pyproject allows on ``python``, for the runtime
    dependencies and the ``extras`` (requirements whose marker excludes ``python`` are
    left out)."""
    meta = project()
    requirements = list(meta["dependencies"])
    for extra in extras:
        requirements += meta["optional-dependencies"][extra]
    found: Dict[str, str] = {}
    for text in requirements:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate(_environment(python)):
            continue
        lows = [s.version for s in req.specifier if s.operator == ">="]
        if len(lows) != 1:
            raise SystemExit(f"test-matrix: {text!r} has no single '>=' floor")
        # A name required twice (flyteidl: by the runtime and by the flytekit extra) gets
        # the higher floor: what pip allows with both.
        if req.name not in found or Version(lows[0]) > Version(found[req.name]):
            found[req.name] = lows[0]
    return found


def installs_on(python: str, extra: str) -> bool:
    """Whether every requirement of ``extra`` applies on ``python``."""
    return all(
        Requirement(text).marker is None or Requirement(text).marker.evaluate(_environment(python))  # type: ignore[union-attr]
        for text in project()["optional-dependencies"][extra]
    )


# -- interpreters -----------------------------------------------------------------------


def find_python(version: str) -> Optional[str]:
    """An interpreter of ``version``: ``python3.X`` on PATH (if it runs: a pyenv shim of
    a version that is not selected does not), else one under pyenv's versions."""
    candidates = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        for d in sorted(pyenv.glob(f"{version}.*"), reverse=True):
            candidates.append(str(d / "bin" / f"python{version}"))
    for candidate in candidates:
        try:
            out = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return candidate
    return None


# -- one cell ---------------------------------------------------------------------------


@dataclass
class Result:
    python: str
    cell: str
    status: str  # passed / failed / skipped (the cell could not run here)
    note: str = ""
    versions: Dict[str, str] = field(default_factory=dict)
    counts: Dict[str, int] = field(default_factory=dict)
    smoke: str = ""
    seconds: float = 0.0


def _run(cmd: Sequence[str], log: Path, env: Optional[Dict[str, str]] = None) -> int:
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        return subprocess.run(
            list(cmd), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env
        ).returncode


def _uv() -> str:
    uv = str(Path(sys.executable).with_name("uv"))  # the dev extra's
    if not Path(uv).exists():
        raise SystemExit("test-matrix: uv is not installed (the dev extra provides it)")
    return uv


def _install(python: str, interpreter: str, cell: str, venv: Path, log: Path) -> Optional[str]:
    """Create and fill the cell's virtualenv; an error text, or None."""
    stamp = venv / ".matrix-installed"
    if stamp.exists() and stamp.stat().st_mtime >= PYPROJECT.stat().st_mtime:
        return None
    shutil.rmtree(venv, ignore_errors=True)
    uv = _uv()
    py = str(venv / "bin" / "python")
    if _run([uv, "venv", "--quiet", "--python", interpreter, str(venv)], log):
        return "creating the virtualenv failed"
    install = [uv, "pip", "install", "--quiet", "--python", py]
    if cell == "newest":
        if _run([*install, "--upgrade", "-e", f"{ROOT}[dev]"], log):
            return "installing .[dev] failed"
    else:
        extras = cell_extras(cell)
        pins = floors(python, extras)
        constraints = venv.parent / f"{venv.name}.constraints.txt"
        constraints.write_text("".join(f"{name}=={v}\n" for name, v in sorted(pins.items())))
        runtime = [*install, "-c", str(constraints)]
        if _run([*runtime, "-e", f"{ROOT}[{','.join(extras)}]"], log):
            return "installing the floors failed"
        frozen = _freeze(venv)
        # The test tools at their newest, without moving what the floors installed.
        if _run([*install, "-c", str(frozen), "-e", f"{ROOT}[test]"], log):
            return "installing the test tools failed"
    _freeze(venv)
    stamp.touch()
    return None


def _freeze(venv: Path) -> Path:
    """The cell's installed versions (without the project) as a constraints file."""
    frozen = venv.parent / f"{venv.name}.frozen.txt"
    freeze = subprocess.run(
        [_uv(), "pip", "freeze", "--python", str(venv / "bin" / "python"), "--exclude-editable"],
        capture_output=True,
        text=True,
    )
    frozen.write_text(freeze.stdout)
    return frozen


def cell_extras(cell: str) -> List[str]:
    """The user-facing extras a cell installs."""
    return [*FLOOR_EXTRAS, *(["flytekit"] if cell in ("newest", "floor-flytekit") else [])]


def smoke(python: str, interpreter: str, cell: str, venv: Path, wheel: Path, log: Path) -> str:
    """Install the wheel (not editable) with the cell's versions into a fresh virtualenv
    and run scripts/smoke.py in it, outside the checkout: "ok" or what failed."""
    uv = _uv()
    target = venv.parent / f"{venv.name}-wheel"
    shutil.rmtree(target, ignore_errors=True)
    if _run([uv, "venv", "--quiet", "--python", interpreter, str(target)], log):
        return "FAIL (venv)"
    py = str(target / "bin" / "python")
    frozen = venv.parent / f"{venv.name}.frozen.txt"
    extras = ",".join(e for e in cell_extras(cell) if e != "flytekit" or installs_on(python, e))
    if _run(
        [uv, "pip", "install", "--quiet", "--python", py, "-c", str(frozen), f"{wheel}[{extras}]"],
        log,
    ):
        return "FAIL (install)"
    with tempfile.TemporaryDirectory() as elsewhere, open(log, "a") as out:
        out.write(f"\n$ (in {elsewhere}) {py} scripts/smoke.py\n")
        out.flush()
        code = subprocess.run(
            [py, str(ROOT / "scripts" / "smoke.py")],
            cwd=elsewhere,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=600,
        ).returncode
    return "ok" if code == 0 else "FAIL"


def _versions(venv: Path) -> Dict[str, str]:
    code = (
        "import json\nfrom importlib import metadata\nout = {}\n"
        f"for name in {list(SHOWN)!r}:\n"
        "    try:\n        out[name] = metadata.version(name)\n"
        "    except metadata.PackageNotFoundError:\n        pass\n"
        "print(json.dumps(out))"
    )
    out = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {}


def _counts(junit: Path) -> Dict[str, int]:
    try:
        suite = ET.parse(junit).getroot()
    except (OSError, ET.ParseError):
        return {}
    if suite.tag == "testsuites":
        suite = suite[0]
    total, failed = int(suite.get("tests", 0)), int(suite.get("failures", 0))
    errors, skipped = int(suite.get("errors", 0)), int(suite.get("skipped", 0))
    return {
        "passed": total - failed - errors - skipped,
        "failed": failed + errors,
        "skipped": skipped,
    }


def run_cell(
    python: str, cell: str, pytest_args: Sequence[str], logs: Path, wheel: Optional[Path]
) -> Result:
    started = time.monotonic()
    result = Result(python, cell, "failed")
    interpreter = find_python(python)
    if interpreter is None:
        result.status, result.note = "skipped", f"no Python {python} on this machine"
        return result
    if cell == "floor-flytekit" and not installs_on(python, "flytekit"):
        result.status, result.note = "skipped", f"flytekit has no release for Python {python}"
        return result
    venv = ROOT / ".matrix" / f"py{python}-{cell}"
    venv.parent.mkdir(exist_ok=True)
    log = logs / f"py{python}-{cell}.log"
    log.write_text("")
    error = _install(python, interpreter, cell, venv, log)
    result.versions = _versions(venv)
    if error:
        result.note = f"{error} (see {log.relative_to(ROOT)})"
        result.seconds = time.monotonic() - started
        return result
    junit = logs / f"py{python}-{cell}.xml"
    env = dict(os.environ, FLYTECLIENT_PYTHON=str(venv / "bin" / "python"))
    env.pop("VIRTUAL_ENV", None)
    args = ["-p", "no:cacheprovider", f"--junitxml={junit}", *pytest_args]
    if cell == "newest":
        cmd = ["bash", str(ROOT / "scripts" / "test"), *args]
    else:
        env["FLYTECLIENT_TEST_EXTRAS"] = ",".join(
            [*FLOOR_EXTRAS, "test", *(["flytekit"] if cell == "floor-flytekit" else [])]
        )
        cmd = [str(venv / "bin" / "python"), "-m", "pytest", *args]
    code = _run(cmd, log, env)
    result.counts = _counts(junit)
    if wheel is not None:
        result.smoke = smoke(python, interpreter, cell, venv, wheel, log)
    result.status = "passed" if code == 0 and result.smoke in ("", "ok") else "failed"
    where = f"see {log.relative_to(ROOT)}"
    if code and not result.counts:
        result.note = f"the gate failed before pytest ({where})"
    elif code and not result.counts.get("failed"):
        crash = " (a crash: SIGSEGV)" if code in (139, -11) else ""
        result.note = f"pytest exited with {code} after its tests passed{crash} ({where})"
    elif code or result.smoke not in ("", "ok"):
        result.note = where
    result.seconds = time.monotonic() - started
    return result


def build_wheel(log: Path) -> Path:
    """The project's wheel, built once per run into .matrix/dist."""
    dist = ROOT / ".matrix" / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    log.write_text("")
    if _run([_uv(), "build", "--quiet", "--wheel", "--out-dir", str(dist), str(ROOT)], log):
        raise SystemExit(f"test-matrix: building the wheel failed (see {log})")
    (wheel,) = dist.glob("flyteclient-*.whl")
    return wheel


# -- the table --------------------------------------------------------------------------


def table(results: Sequence[Result]) -> str:
    header = (
        "python",
        "cell",
        "result",
        "passed",
        "failed",
        "skipped",
        "wheel smoke",
        "time",
        "versions",
        "note",
    )
    rows: List[Tuple[str, ...]] = [header]
    for r in results:
        rows.append(
            (
                r.python,
                r.cell,
                r.status.upper(),
                str(r.counts.get("passed", "")),
                str(r.counts.get("failed", "")),
                str(r.counts.get("skipped", "")),
                r.smoke,
                f"{r.seconds:.0f}s" if r.seconds else "",
                " ".join(f"{k} {v}" for k, v in r.versions.items()),
                r.note,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/test-matrix", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--python", action="append", help="only this Python (repeatable; default: all supported)"
    )
    parser.add_argument(
        "--cell", action="append", choices=CELLS, help="only this cell (repeatable; default: all)"
    )
    parser.add_argument("-j", "--jobs", type=int, default=1, help="cells run at once (default 1)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--no-smoke", action="store_true", help="skip the smoke test of the installed wheel"
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: arguments for pytest")
    args = parser.parse_args(argv)
    supported = supported_pythons()
    for version in args.python or ():
        if version not in supported:
            parser.error(f"--python {version}: pyproject supports {', '.join(supported)}")
    pythons = args.python or supported
    cells = args.cell or list(CELLS)
    logs = ROOT / ".matrix" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    plan = [(p, c) for p in pythons for c in cells]
    print(f"test-matrix: {len(plan)} cells ({', '.join(pythons)} x {', '.join(cells)})", flush=True)

    wheel = None if args.no_smoke else build_wheel(logs / "wheel.log")

    def one(item: Tuple[str, str]) -> Result:
        result = run_cell(*item, args.pytest_args, logs, wheel)
        print(
            f"  {result.python} {result.cell}: {result.status} {result.note}".rstrip(), flush=True
        )
        return result

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(one, plan))
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    return 1 if any(r.status == "failed" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
