"""Where an execution's data lives: literal files under LocalAdmin's data directory.

Everything is a plain absolute path on this machine, so tasks (flytekit reads and writes
through fsspec's local filesystem), downstream tasks and the user's own FlyteRemote can read
it. Objects uploaded through the data proxy (``s3://<bucket>/...``: fast-registration
archives, files passed as inputs) are copied to ``blobs/`` on first use.

Layout under the data directory::

    metadata/<project>/<domain>/<execution>/inputs.pb, outputs.pb
    metadata/<project>/<domain>/<execution>/<node>/data/inputs.pb
    metadata/<project>/<domain>/<execution>/<node>/data/<attempt>/outputs.pb | error.pb | futures.pb
    raw/<project>/<domain>/<execution>/<node>/<attempt>/   raw outputs (files, directories, frames)
    logs/<project>/<domain>/<execution>/<node>-<attempt>.log
    blobs/<key>                                            uploaded objects
    work/                                                  task working directories
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from typing import Callable, List, Optional, Type, TypeVar

from flyteidl.core import identifier_pb2, literals_pb2
from google.protobuf.message import Message

M = TypeVar("M", bound=Message)

#: (bucket key) -> bytes or None; LocalAdmin's blob store lookup.
BlobReader = Callable[[str], Optional[bytes]]
#: (key prefix) -> the keys of the bucket's objects under it
BlobLister = Callable[[str], List[str]]


class DataStore:
    """Paths and literal files of executions, rooted at ``root``."""

    def __init__(
        self,
        root: str,
        bucket: str,
        read_blob: BlobReader,
        list_blobs: Optional[BlobLister] = None,
    ) -> None:
        self.root = os.path.abspath(root)
        self.bucket = bucket
        self._read_blob = read_blob
        self._list_blobs = list_blobs or (lambda prefix: [])
        self._lock = threading.Lock()
        for sub in ("metadata", "raw", "logs", "blobs", "work"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)

    # -- paths ------------------------------------------------------------------
    def execution_dir(self, eid: identifier_pb2.WorkflowExecutionIdentifier) -> str:
        return os.path.join(self.root, "metadata", eid.project, eid.domain, eid.name)

    def node_data_dir(self, eid: identifier_pb2.WorkflowExecutionIdentifier, node: str) -> str:
        return os.path.join(self.execution_dir(eid), node, "data")

    def raw_dir(
        self, eid: identifier_pb2.WorkflowExecutionIdentifier, node: str, attempt: int
    ) -> str:
        return os.path.join(self.root, "raw", eid.project, eid.domain, eid.name, node, str(attempt))

    def log_path(
        self, eid: identifier_pb2.WorkflowExecutionIdentifier, node: str, attempt: int
    ) -> str:
        d = os.path.join(self.root, "logs", eid.project, eid.domain, eid.name)
        os.makedirs(d, exist_ok=True)
        return os.path.join(d, f"{node}-{attempt}.log")

    def work_dir(self) -> str:
        return tempfile.mkdtemp(prefix="task-", dir=os.path.join(self.root, "work"))

    # -- literal files ------------------------------------------------------------
    @staticmethod
    def write(path: str, message: Message) -> str:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "wb") as f:
            f.write(message.SerializeToString())
        os.replace(tmp, path)
        return path

    @staticmethod
    def read(path: str, cls: Type[M]) -> Optional[M]:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return None
        msg = cls()
        msg.ParseFromString(data)
        return msg

    # -- uploaded objects ---------------------------------------------------------
    def canonical(self, path: str) -> str:
        """The bucket URI of a local copy made by :meth:`localize` (a task sees its code
        archive as one, and what it registers, eager and dynamic tasks, names it so); any
        other string unchanged."""
        blobs = os.path.join(self.root, "blobs") + os.sep
        if not path.startswith(blobs):
            return path
        return f"s3://{self.bucket}/" + "/".join(path[len(blobs) :].split(os.sep))

    def localize(self, uri: str) -> str:
        """A local path for ``uri``: objects of LocalAdmin's bucket (or every object under a
        prefix, for a directory) are copied out of the blob store once; anything else is
        returned unchanged."""
        prefix = f"s3://{self.bucket}/"
        if not uri.startswith(prefix):
            return uri
        key = uri[len(prefix) :].rstrip("/")
        path = os.path.join(self.root, "blobs", *key.split("/"))
        with self._lock:
            if os.path.exists(path):
                return path
            data = self._read_blob(key)
            if data is not None:
                self._write_bytes(path, data)
                return path
            members = self._list_blobs(key + "/")
            if not members:
                return uri  # let the task report the missing object
            for member in members:
                blob = self._read_blob(member)
                if blob is not None:
                    self._write_bytes(os.path.join(self.root, "blobs", *member.split("/")), blob)
        return path

    @staticmethod
    def _write_bytes(path: str, data: bytes) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)

    def localize_literals(self, lm: literals_pb2.LiteralMap) -> literals_pb2.LiteralMap:
        """A copy of ``lm`` whose blob and structured-dataset URIs in the bucket are local."""
        out = literals_pb2.LiteralMap()
        out.CopyFrom(lm)
        for lit in out.literals.values():
            self._localize_literal(lit)
        return out

    def _localize_literal(self, lit: literals_pb2.Literal) -> None:
        kind = lit.WhichOneof("value")
        if kind == "scalar":
            s = lit.scalar
            which = s.WhichOneof("value")
            if which == "blob":
                s.blob.uri = self.localize(s.blob.uri)
            elif which == "structured_dataset":
                s.structured_dataset.uri = self.localize(s.structured_dataset.uri)
            elif which == "schema":
                s.schema.uri = self.localize(s.schema.uri)
            elif which == "union":
                self._localize_literal(s.union.value)
        elif kind == "collection":
            for item in lit.collection.literals:
                self._localize_literal(item)
        elif kind == "map":
            for item in lit.map.literals.values():
                self._localize_literal(item)

    def remove_tree(self, path: str) -> None:
        shutil.rmtree(path, ignore_errors=True)
