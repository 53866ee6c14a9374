# Sourced by the scripts: create (or reuse) the project's virtualenv and install the
# project with the extras they need. Needs only a Python >= 3.9 on PATH.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${FLYTECLIENT_VENV:-$ROOT/.venv}"
PYTHON_BIN="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON_BIN" -m venv "$VENV"
fi
PY="$VENV/bin/python"
stamp="$VENV/.flyteclient-installed"
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
  "$PY" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  "$PY" -m pip install --quiet -e "$ROOT[dev]" 2>&1 | grep -v "^WARNING: Location" || true
  "$PY" -c "import flyteclient, black, jinja2, pytest, flytekit" && touch "$stamp"
fi
cd "$ROOT"
