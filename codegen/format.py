"""Stage 4: format rendered Python with black, in-process (black is pinned exactly)."""

from __future__ import annotations

from .errors import CodegenError

LINE_LENGTH = 100


def format_python(source: str, name: str) -> str:
    import black

    mode = black.Mode(line_length=LINE_LENGTH, target_versions={black.TargetVersion.PY39})
    try:
        formatted = black.format_str(source, mode=mode)
        compile(
            formatted, name, "exec"
        )  # what black accepts but Python rejects (duplicate parameters)
    except Exception as exc:  # black and compile raise several types for invalid input
        raise CodegenError(f"rendered {name} is not valid Python: {exc}") from exc
    return formatted
