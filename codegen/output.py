"""Stage 5: write the generated tree atomically, or compare it with what is on disk.

Writing renders nothing: it gets complete file contents. The new tree is written to a
sibling temporary directory and swapped in with renames, so a failure at any point
leaves the previous tree byte-for-byte as it was.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Mapping

from .errors import CodegenError


def write_tree(target: Path, files: Mapping[str, str]) -> None:
    target = target.resolve()
    parent = target.parent
    if not parent.is_dir():
        raise CodegenError(f"output directory {parent} does not exist")
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=parent))
    except OSError as exc:
        raise CodegenError(f"cannot write to {parent}: {exc.strerror or exc}") from exc
    backup = parent / f".{target.name}.old-{os.getpid()}"
    try:
        for rel, content in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(content)
        os.chmod(staging, 0o755)
        if target.exists():
            os.rename(target, backup)
        try:
            os.rename(staging, target)
        except OSError:
            if backup.exists():
                os.rename(backup, target)
            raise
    except OSError as exc:
        raise CodegenError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(backup, ignore_errors=True)


def read_tree(target: Path) -> dict[str, str]:
    if not target.is_dir():
        return {}
    found = {}
    for path in sorted(target.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            found[path.relative_to(target).as_posix()] = path.read_text(encoding="utf-8")
    return found


def diff_tree(target: Path, files: Mapping[str, str]) -> str:
    """A unified diff from what is on disk to what would be generated ('' when equal)."""
    current = read_tree(target)
    chunks: list[str] = []
    for rel in sorted(set(current) | set(files)):
        old, new = current.get(rel), files.get(rel)
        if old == new:
            continue
        chunks.extend(
            difflib.unified_diff(
                (old or "").splitlines(keepends=True),
                (new or "").splitlines(keepends=True),
                fromfile=f"a/{rel}" if old is not None else "/dev/null",
                tofile=f"b/{rel}" if new is not None else "/dev/null",
            )
        )
    return "".join(chunks)
