# Sourced by the scripts: create (or reuse) the project's virtualenv and install the
# project with its dev extra. Needs only a Python 3.10-3.13 on PATH (python3, or set
# PYTHON=python3.12). FLYTECLIENT_VENV picks another virtualenv directory;
# FLYTECLIENT_PYTHON=/path/to/python uses that interpreter's environment as it is
# (nothing is created or installed: scripts/test-matrix runs the gate in its cells so).
# Any failed step stops here with the end of its log.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ -n "${FLYTECLIENT_PYTHON:-}" ]; then
  PY="$FLYTECLIENT_PYTHON"
  return 0 2>/dev/null || exit 0
fi
VENV="${FLYTECLIENT_VENV:-$ROOT/.venv}"
PYTHON_BIN="${PYTHON:-python3}"
_env_fail() { # _env_fail MESSAGE [LOG]
  echo "error: $1" >&2
  if [ -n "${2:-}" ]; then
    tail -n 25 "$2" | sed 's/^/  | /' >&2
    echo "  (whole log: $2)" >&2
  fi
  exit 1
}
if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON_BIN" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] < (3, 14))' 2>/dev/null; then
    _env_fail "flyteclient needs Python 3.10-3.13; '$PYTHON_BIN' is $("$PYTHON_BIN" --version 2>&1 || echo 'not found') (set PYTHON=python3.12, say)"
  fi
  "$PYTHON_BIN" -m venv "$VENV" || _env_fail "could not create a virtualenv in $VENV with $PYTHON_BIN"
fi
PY="$VENV/bin/python"
stamp="$VENV/.flyteclient-installed"
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
  log="$VENV/install.log"
  echo "setting up $VENV (pip install -e '.[dev]'; log in $log) ..." >&2
  : >"$log"
  "$PY" -m pip install --upgrade pip >>"$log" 2>&1 || _env_fail "upgrading pip in $VENV failed" "$log"
  "$PY" -m pip install -e "$ROOT[dev]" >>"$log" 2>&1 || _env_fail "installing the project (.[dev]) failed" "$log"
  "$PY" -c "import flyteclient, black, jinja2, pytest" >>"$log" 2>&1 \
    || _env_fail "the installed environment is incomplete" "$log"
  touch "$stamp"
fi
