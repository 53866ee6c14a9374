"""The server's state: insertion-ordered tables of protobuf messages.

Every table ("kind") maps a tuple key to a protobuf message (or raw ``bytes``
for blobs).  The in-memory dicts are the working set; when a SQLite path is
given every write is also persisted as serialized bytes and everything is
loaded back at start, so state survives a restart.  One re-entrant lock
(:attr:`Store.lock`) serialises all access.

Writes made inside :meth:`Store.transaction` (every RPC runs in one) are atomic:
they are committed to SQLite together when the block ends, and undone in SQLite and in
memory when it raises. A crash in the middle leaves none of them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import threading
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, Type, Union

from google.protobuf.message import Message

Key = Tuple[Union[str, int], ...]
Value = Union[Message, bytes]

#: Test hook: SIGKILL the process right after a row of this kind is written.
CRASH_AFTER_WRITE_ENV = "FLYTECLIENT_TESTING_CRASH_AFTER_WRITE"

_MISSING = object()


class Store:
    """Tables of protobuf messages with optional SQLite persistence.

    :param db_path: SQLite file to persist to (created if missing); ``None``
        keeps state in memory only.
    :param kinds: maps each table name to its message class (``None`` for raw
        bytes); needed to decode persisted rows.
    """

    def __init__(
        self, kinds: Mapping[str, Optional[Type[Message]]], db_path: Optional[str] = None
    ) -> None:
        self.lock = threading.RLock()
        self._kinds = dict(kinds)
        self._tables: Dict[str, Dict[Key, Value]] = {k: {} for k in kinds}
        self._db: Optional[sqlite3.Connection] = None
        self._depth = 0  # nesting of transaction() blocks (under the lock)
        self._undo: List[Tuple[str, Key, Any]] = []
        self._begun = False  # an SQLite transaction is open (begun at the first write)
        self._after_commit: List[Any] = []
        self._crash_after = os.environ.get(CRASH_AFTER_WRITE_ENV) or None
        if db_path:
            self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS entities ("
                " seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT NOT NULL,"
                " value BLOB NOT NULL, UNIQUE(kind, key))"
            )
            self._load()

    def _load(self) -> None:
        assert self._db is not None
        for kind, key, value in self._db.execute(
            "SELECT kind, key, value FROM entities ORDER BY seq"
        ):
            if kind not in self._kinds:
                continue
            cls = self._kinds[kind]
            if cls is None:
                obj: Value = bytes(value)
            else:
                obj = cls()
                obj.ParseFromString(value)
            self._tables[kind][tuple(json.loads(key))] = obj

    def close(self) -> None:
        with self.lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # -- transactions ---------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and make the block's writes atomic (nested blocks join the outer one)."""
        callbacks: List[Any] = []
        with self.lock:
            outer = self._depth == 0
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._after_commit.clear()
                    self._rollback()
                raise
            self._depth -= 1
            if outer:
                if self._begun:
                    self._begun = False
                    assert self._db is not None
                    self._db.execute("COMMIT")
                self._undo.clear()
                callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Any) -> None:
        """Call ``callback()`` once the current transaction has committed (after the lock is
        released); dropped if it rolls back. Outside a transaction it is called at once."""
        with self.lock:
            if self._depth:
                self._after_commit.append(callback)
                return
        callback()

    def _rollback(self) -> None:
        if self._begun:
            self._begun = False
            assert self._db is not None
            self._db.execute("ROLLBACK")
        for kind, key, previous in reversed(self._undo):
            if previous is _MISSING:
                self._tables[kind].pop(key, None)
            else:
                self._tables[kind][key] = previous
        self._undo.clear()

    def _remember(self, kind: str, key: Key) -> None:
        """Before a write inside a transaction: keep the old value, open the SQLite transaction."""
        if self._depth:
            self._undo.append((kind, key, self._tables[kind].get(key, _MISSING)))
            if self._db is not None and not self._begun:
                self._db.execute("BEGIN IMMEDIATE")
                self._begun = True

    # -- access -------------------------------------------------------------
    def get(self, kind: str, key: Key) -> Any:
        """Return a copy of the stored value (a message of the table's class, or bytes), or ``None``."""
        with self.lock:
            v = self._tables[kind].get(tuple(key))
            return _copy(v)

    def has(self, kind: str, key: Key) -> bool:
        with self.lock:
            return tuple(key) in self._tables[kind]

    def put(self, kind: str, key: Key, value: Value) -> None:
        """Insert or overwrite (an overwrite keeps the row's original position)."""
        with self.lock:
            key = tuple(key)
            self._remember(kind, key)
            self._tables[kind][key] = _copy(value)
            if self._db is not None:
                data = (
                    value
                    if isinstance(value, bytes)
                    else value.SerializeToString(deterministic=True)
                )
                self._db.execute(
                    "INSERT INTO entities(kind, key, value) VALUES (?, ?, ?)"
                    " ON CONFLICT(kind, key) DO UPDATE SET value = excluded.value",
                    (kind, json.dumps(list(key)), sqlite3.Binary(data)),
                )
                if kind == self._crash_after:
                    os.kill(os.getpid(), signal.SIGKILL)

    def delete(self, kind: str, key: Key) -> bool:
        with self.lock:
            key = tuple(key)
            if key not in self._tables[kind]:
                return False
            self._remember(kind, key)
            del self._tables[kind][key]
            if self._db is not None:
                self._db.execute(
                    "DELETE FROM entities WHERE kind = ? AND key = ?", (kind, json.dumps(list(key)))
                )
            return True

    def keys(self, kind: str) -> List[Key]:
        with self.lock:
            return list(self._tables[kind])

    def items(self, kind: str) -> List[Tuple[Key, Any]]:
        """Snapshot of (key, copy of value) in insertion order."""
        with self.lock:
            return [(k, _copy(v)) for k, v in self._tables[kind].items()]

    def values(self, kind: str) -> List[Any]:
        with self.lock:
            return [_copy(v) for v in self._tables[kind].values()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)


def _copy(v: Any) -> Any:
    if v is None or isinstance(v, bytes):
        return v
    c = type(v)()
    c.CopyFrom(v)
    return c
