"""LocalAdmin in a real subprocess, so tests can SIGKILL it and restart it on the same port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Dict, Optional, Sequence

from tests.conftest import ROOT


class AdminProcess:
    """``python -m flyteclient.testing --no-execute`` (the bare Admin: no executor, no default
    project) with a SQLite file; ``endpoint`` stays the same across :meth:`kill` / :meth:`start`."""

    def __init__(
        self, db_path: str, args: Sequence[str] = (), env: Optional[Dict[str, str]] = None
    ) -> None:
        self.db_path = db_path
        self.args = list(args)
        self.env = env or {}
        self.port = 0
        self.banner = ""  # the line it printed when it started serving
        self.proc: Optional[subprocess.Popen] = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, env: Optional[Dict[str, str]] = None, timeout: float = 30.0) -> "AdminProcess":
        """Start (on the previous port when there was one) and wait until it serves."""
        environ = {**os.environ, "PYTHONPATH": str(ROOT), **self.env, **(env or {})}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flyteclient.testing",
                "--port",
                str(self.port),
                "--db",
                self.db_path,
                "--no-execute",
                *self.args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=environ,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = (
            self.proc.stdout.readline()
        )  # "LocalAdmin serving on 127.0.0.1:PORT (gRPC); HTTP/JSON gateway ..."
        if "serving on" not in line or time.monotonic() > deadline:
            self.kill()
            raise RuntimeError(f"LocalAdmin did not start: {line!r}")
        self.port = int(line.split("serving on ")[1].split()[0].rsplit(":", 1)[1])
        self.banner = line
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.wait()

    def wait(self, timeout: float = 30.0) -> Optional[int]:
        """Wait for the process to end; its return code (-9 after SIGKILL)."""
        if self.proc is None:
            return None
        code = self.proc.wait(timeout)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return code

    def __enter__(self) -> "AdminProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()
