"""The warm worker: a process with flytekit already imported that forks once per task attempt.

``python -m flyteclient.testing.executor.worker`` reads one JSON request per line on stdin
(``{"id", "argv", "env", "cwd", "log"}``), forks, and answers ``{"id", "pid"}`` at once and
``{"id", "exit"}`` when the attempt ends. It is started as a fresh interpreter (never forked from
the server), so it holds no gRPC channel, server or thread of LocalAdmin's; it runs no threads
of its own, so forking is safe.

The child runs flytekit's own entrypoint commands (``pyflyte-execute``, ``pyflyte-map-execute``,
``pyflyte-fast-execute``) in process. ``pyflyte-fast-execute`` downloads the code archive and then
starts ``pyflyte-execute`` as a new interpreter so that the fresh code is imported; a fresh fork
of a worker that never imported user code gives the same guarantee, so that one step runs in
the child too (the command line and environment are flytekit's).
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
from typing import Any, Dict, List

#: imported before forking so that each attempt starts with them loaded
PRELOAD = (
    "flytekit",
    "flytekit.bin.entrypoint",
    "flytekit.core.python_auto_container",
    "flytekit.core.array_node_map_task",
    "flytekit.core.dynamic_workflow_task",
    "flytekit.tools.fast_registration",
    "flytekit.types.file",
    "flytekit.types.directory",
    "flytekit.extras.tasks.shell",
)


def _preload() -> None:
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - optional speed-up only
            pass


class _Subprocess:
    """``subprocess`` for flytekit's ``download_distribution`` in a task: its
    ``tar -xvf ARCHIVE -C DEST`` is done with :mod:`tarfile` (a ``tar`` process costs more than
    the rest of a small task); any other command goes to the real module."""

    def __getattr__(self, name: str) -> Any:
        import subprocess

        return getattr(subprocess, name)

    def run(self, args: Any, *a: Any, **kw: Any) -> Any:
        import subprocess

        if (
            isinstance(args, list)
            and len(args) == 5
            and args[:2] == ["tar", "-xvf"]
            and args[3] == "-C"
        ):
            import tarfile

            with tarfile.open(args[2]) as archive:
                names = archive.getnames()
                if hasattr(tarfile, "tar_filter"):
                    archive.extractall(args[4], filter="tar")
                else:  # Python before the extraction filters (3.10.11 and older)
                    archive.extractall(args[4])
            return subprocess.CompletedProcess(args, 0, "\n".join(names).encode(), None)
        return subprocess.run(args, *a, **kw)


def _run_entrypoint(argv: List[str]) -> int:
    """Run one of flytekit's entrypoint commands in this process; its exit status."""
    from flytekit.bin import entrypoint

    def run_in_process(cmd: List[str], env: Any = None) -> int:
        # pyflyte-fast-execute's "start pyflyte-execute with the downloaded code on PYTHONPATH"
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        for path in reversed(os.environ.get("PYTHONPATH", "").split(os.pathsep)):
            if path and path not in sys.path:
                sys.path.insert(0, path)
        return _run_entrypoint(cmd)

    entrypoint._run_subprocess = run_in_process
    from flytekit.tools import fast_registration

    fast_registration.subprocess = _Subprocess()
    command = os.path.basename(argv[0])
    try:
        entrypoint._pass_through.main(
            args=[command, *argv[1:]], prog_name=command, standalone_mode=True
        )
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else 1
    return 0


def _child(req: Dict[str, Any]) -> None:
    """In the forked child: become the task (own session, cwd, env, log) and exit."""
    code = 1
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        log = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        import tempfile

        tempfile.tempdir = None  # read TMPDIR again
        sys.argv = list(req["argv"])
        code = _run_entrypoint(list(req["argv"]))
    except BaseException:  # noqa: BLE001 - the child must always exit here
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def main() -> int:
    _preload()
    import gc

    gc.collect()
    gc.freeze()  # children share the preloaded objects' pages instead of copying them on GC
    out = sys.stdout
    rfd, wfd = os.pipe()
    os.set_blocking(wfd, False)
    signal.set_wakeup_fd(wfd)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: Dict[int, Any] = {}
    stdin = sys.stdin.buffer
    buf = b""
    out.write(json.dumps({"ready": os.getpid()}) + "\n")
    out.flush()
    eof = False
    while not eof or children:
        try:
            readable, _, _ = select.select([rfd] if eof else [stdin, rfd], [], [], 1.0)
        except InterruptedError:
            readable = []
        if rfd in readable:
            os.read(rfd, 4096)
        while True:  # reap every finished child
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            rid = children.pop(pid, None)
            if rid is not None:
                out.write(json.dumps({"id": rid, "exit": os.waitstatus_to_exitcode(status)}) + "\n")
                out.flush()
        if stdin in readable:
            chunk = os.read(stdin.fileno(), 65536)
            if not chunk:
                eof = True
                for pid in list(children):  # the server went away: stop its tasks
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except OSError:
                        pass
                continue
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if not line.strip():
                    continue
                req = json.loads(line)
                out.flush()
                pid = os.fork()
                if pid == 0:
                    _child(req)
                children[pid] = req["id"]
                out.write(json.dumps({"id": req["id"], "pid": pid}) + "\n")
                out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
