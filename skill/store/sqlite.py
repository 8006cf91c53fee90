"""The embedded store: one SQLite file, so a laptop needs nothing else running.

WAL mode lets readers carry on while one request writes; each write is a single conditional
statement, so a user's read-modify-write is atomic without holding a lock across the Timers
API call that sits between the read and the write.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable

from skill.store.base import Record, StoreError, UserStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    attributes TEXT NOT NULL
)
"""
# Leases live apart from the records: taking one never changes a record's version, and a
# database written before leases existed gains the table on its first connection.
_LEASES = """
CREATE TABLE IF NOT EXISTS leases (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until REAL NOT NULL
)
"""
#: A lease left behind by a holder that died is dropped this long after it ran out.
_STALE_LEASE_SECONDS = 60.0


class SqliteStore(UserStore):
    """Per-thread connections to one database file (sqlite3 connections are not shareable)."""

    def __init__(self, path: str, *, busy_timeout_ms: int = 2000) -> None:
        self.path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._schema_ready = False

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            directory = os.path.dirname(self.path)
            if directory:
                os.makedirs(directory, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=self._busy_timeout_ms / 1000, isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            with self._lock:
                if not self._schema_ready:
                    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                        conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute(_SCHEMA)
                    conn.execute(_LEASES)
                    self._schema_ready = True
                self._connections.append(conn)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"sqlite open failed: {type(exc).__name__}") from exc
        self._local.conn = conn
        return conn

    def load(self, user_id: str) -> Record:
        try:
            row = self._connection().execute(
                "SELECT version, attributes FROM users WHERE id = ?", (user_id,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite read failed: {type(exc).__name__}") from exc
        if row is None:
            return Record({}, 0)
        try:
            attributes = json.loads(row[1])
        except ValueError:
            attributes = {}
        return Record(attributes if isinstance(attributes, dict) else {}, int(row[0]))

    def save_if_version(self, user_id: str, attributes: dict, version: int) -> bool:
        payload = json.dumps(attributes, separators=(",", ":"))
        try:
            conn = self._connection()
            if version == 0:
                cursor = conn.execute(
                    "INSERT INTO users (id, version, attributes) VALUES (?, 1, ?) "
                    "ON CONFLICT(id) DO NOTHING",
                    (user_id, payload),
                )
            else:
                cursor = conn.execute(
                    "UPDATE users SET version = version + 1, attributes = ? "
                    "WHERE id = ? AND version = ?",
                    (payload, user_id, version),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite write failed: {type(exc).__name__}") from exc
        return cursor.rowcount == 1

    def update_contended(self, user_id: str, change: Callable[[dict], dict]) -> Record:
        """After a lost race, read and write under SQLite's write lock: it cannot lose twice."""
        try:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                record = self.load(user_id)
                attributes = change(record.attributes)
                if not self.save_if_version(user_id, attributes, record.version):
                    raise StoreError("sqlite record changed under the write lock")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite write failed: {type(exc).__name__}") from exc
        return Record(attributes, record.version + 1)

    def delete(self, user_id: str) -> None:
        try:
            conn = self._connection()
            conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
            conn.execute("DELETE FROM leases WHERE id = ?", (user_id,))
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite delete failed: {type(exc).__name__}") from exc

    def delete_if_version(self, user_id: str, version: int) -> bool:
        try:
            cursor = self._connection().execute(
                "DELETE FROM users WHERE id = ? AND version = ?", (user_id, version)
            )
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite delete failed: {type(exc).__name__}") from exc
        return cursor.rowcount == 1

    def acquire_lease(self, user_id: str, owner: str, until: float, now: float) -> bool:
        """One statement: insert the lease, or take it over only where its time ran out."""
        try:
            conn = self._connection()
            cursor = conn.execute(
                "INSERT INTO leases (id, owner, until) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, until = excluded.until "
                "WHERE leases.until <= ?",
                (user_id, owner, until, now),
            )
            taken = cursor.rowcount == 1
            if taken:  # rows of holders that died: they name a user, so they do not linger
                conn.execute("DELETE FROM leases WHERE until < ?", (now - _STALE_LEASE_SECONDS,))
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite lease failed: {type(exc).__name__}") from exc
        return taken

    def release_lease(self, user_id: str, owner: str) -> None:
        try:
            self._connection().execute(
                "DELETE FROM leases WHERE id = ? AND owner = ?", (user_id, owner))
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite lease release failed: {type(exc).__name__}") from exc

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
