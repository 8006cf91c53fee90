"""Persistence behind ask-sdk's adapter interface, chosen by `MAT_COACH_STORE`.

`sqlite:///path/to.db` is the embedded default; `dynamodb://Table` uses DynamoDB. The
DynamoDB module (and boto3) is only imported when that store is asked for, which keeps the
Lambda cold start free of it until the first request that needs it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from skill.store.base import ConflictError, Record, StoreError, ThrottledError, UserStore

__all__ = [
    "ConflictError", "Record", "StoreError", "ThrottledError", "UserStore", "open_store",
]


def open_store(url: str) -> UserStore:
    """Build the store a URL names; a URL we cannot use is a configuration error at start."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///abs/path.db names an absolute path, sqlite://rel/path.db a relative one.
        path = url[len("sqlite://"):]
        if not path.strip("/"):
            raise ValueError("sqlite store needs a path, e.g. sqlite:///data/mat-coach.db")
        from skill.store.sqlite import SqliteStore

        return SqliteStore(path)
    if parts.scheme == "dynamodb":
        table = (parts.netloc + parts.path).strip("/")
        if not table:
            raise ValueError("dynamodb store needs a table, e.g. dynamodb://MatCoachUsers")
        from skill.store.dynamodb import DynamoStore

        return DynamoStore(table)
    raise ValueError(f"unknown store URL scheme: {parts.scheme or '(none)'}")
