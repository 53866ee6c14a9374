"""Stage 4: format rendered Python with black (pinned exactly), in-process, the files in
parallel on the machine's cores (black is most of the generator's time)."""

from __future__ import annotations

import os
from typing import Mapping

from .errors import CodegenError

LINE_LENGTH = 100


def format_python(source: str, name: str) -> str:
    """``source`` formatted by black; CodegenError (naming ``name``) when it is not Python."""
    import black

    mode = black.Mode(line_length=LINE_LENGTH, target_versions={black.TargetVersion.PY39})
    try:
        formatted = black.format_str(source, mode=mode)
        # What black accepts but Python rejects (duplicate parameters, say).
        compile(formatted, name, "exec")
    except Exception as exc:  # black and compile raise several types for invalid input
        raise CodegenError(f"rendered {name} is not valid Python: {exc}") from exc
    return formatted


def _format_item(item: tuple[str, str]) -> tuple[str, str]:
    name, source = item
    return name, format_python(source, name)


def format_all(sources: Mapping[str, str]) -> dict[str, str]:
    """Every file of ``sources`` (name -> source) formatted, the same whatever the number
    of processes: forked workers (they share the imported black) when there are cores to
    spare, else in this process."""
    import black  # noqa: F401 - imported before forking, so every worker has it

    workers = min(os.cpu_count() or 1, len(sources))
    if workers < 2 or not hasattr(os, "fork"):
        return dict(map(_format_item, sources.items()))
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Largest first: the long files start at once and the short ones fill in after.
    items = sorted(sources.items(), key=lambda item: -len(item[1]))
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        formatted = dict(pool.map(_format_item, items))
    return {name: formatted[name] for name in sources}
