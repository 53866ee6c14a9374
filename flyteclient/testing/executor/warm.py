"""The server's side of the warm worker (:mod:`.worker`): start attempts by asking it to fork."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from typing import Dict, Optional

from .launch import LaunchSpec, Process

_LOG = logging.getLogger("flyteclient.testing.executor")


class _Attempt:
    def __init__(self) -> None:
        self.pid: Optional[int] = None
        self.code: Optional[int] = None
        self.done = threading.Event()
        self.kill_requested = False
        self.lock = threading.Lock()

    def wait(self, timeout: Optional[float] = None) -> Optional[int]:
        if not self.done.wait(timeout):
            return None
        return self.code

    def kill(self) -> None:
        with self.lock:
            self.kill_requested = True
            pid = self.pid
        if pid is not None and not self.done.is_set():
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def started(self, pid: int) -> None:
        with self.lock:
            self.pid = pid
            kill = self.kill_requested
        if kill:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def finished(self, code: int) -> None:
        self.code = code
        self.done.set()


class WarmLauncher:
    """Task attempts forked from one warm worker process (restarted if it dies)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: Optional["subprocess.Popen[bytes]"] = None
        self._attempts: Dict[int, _Attempt] = {}
        self._next = 0
        self._ready = threading.Event()
        self._closed = False

    def start(self) -> None:
        """Start the worker now (it takes about a second to import flytekit)."""
        with self._lock:
            self._ensure()

    def _ensure(self) -> "subprocess.Popen[bytes]":
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        self._ready = threading.Event()
        self._attempts = {}
        proc = subprocess.Popen(
            [sys.executable, "-m", "flyteclient.testing.executor.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            start_new_session=True,
        )
        self._proc = proc
        threading.Thread(
            target=self._read,
            args=(proc, self._ready, self._attempts),
            name="warm-worker-reader",
            daemon=True,
        ).start()
        return proc

    def _read(
        self,
        proc: "subprocess.Popen[bytes]",
        ready: threading.Event,
        attempts: Dict[int, _Attempt],
    ) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            if "ready" in msg:
                ready.set()
                continue
            with self._lock:
                attempt = attempts.get(msg["id"])
                if "exit" in msg:
                    attempts.pop(msg["id"], None)
            if attempt is None:
                continue
            if "pid" in msg:
                attempt.started(msg["pid"])
            elif "exit" in msg:
                attempt.finished(int(msg["exit"]))
        ready.set()
        # The worker is gone: its attempts cannot report any more.
        with self._lock:
            lost = list(attempts.values())
            attempts.clear()
        for attempt in lost:
            if attempt.pid is not None:
                try:
                    os.killpg(attempt.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            attempt.finished(-9)

    def launch(self, spec: LaunchSpec) -> Process:
        attempt = _Attempt()
        with self._lock:
            if self._closed:
                raise RuntimeError("the warm worker is closed")
            proc = self._ensure()
            self._next += 1
            rid = self._next
            self._attempts[rid] = attempt
            request = {
                "id": rid,
                "argv": spec.argv,
                "env": spec.env,
                "cwd": spec.cwd,
                "log": spec.log_path,
            }
            assert proc.stdin is not None
            try:
                proc.stdin.write((json.dumps(request) + "\n").encode())
                proc.stdin.flush()
            except (BrokenPipeError, OSError):
                self._attempts.pop(rid, None)
                attempt.finished(-9)
        return attempt

    def close(self) -> None:
        with self._lock:
            self._closed = True
            proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()  # the worker kills its children and exits
            proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(5)
