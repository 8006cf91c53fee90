"""The cloud store: a DynamoDB table shaped the way ask-sdk's DynamoDB adapter expects.

It builds on `ask_sdk_dynamodb`'s `DynamoDbAdapter` (same table layout: hash key `id`,
attributes under `attributes`) and adds a version number with conditional writes, so two
overlapping requests for one user never lose an update. DynamoDB hands numbers back as
`Decimal`; they are turned into ints, since everything we store is whole.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal

from skill.store.base import Record, StoreError, ThrottledError, UserStore

VERSION = "version"
ATTRIBUTES = "attributes"
#: A lease is an item of its own beside the record (`lease:<userId>`), so taking one never
#: rewrites the record; `expires` is the table's time-to-live attribute, which removes the
#: item of a holder that died (template.yaml turns TTL on for it).
LEASE_PREFIX = "lease:"
LEASE_OWNER = "owner"
LEASE_UNTIL_MS = "until_ms"
LEASE_EXPIRES = "expires"
#: Error codes that mean DynamoDB refused for capacity (after botocore's own retry).
THROTTLE_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
})


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class DynamoStore(UserStore):
    """Versioned records in one DynamoDB table (boto3 is imported only when this is built)."""

    def __init__(self, table_name: str, *, resource: object | None = None) -> None:
        os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))
        import boto3
        from ask_sdk_dynamodb.adapter import DynamoDbAdapter
        from botocore.config import Config

        if resource is None:
            # Standard retry mode, two attempts in all: one retry after at most 1 s of jittered
            # back-off. Legacy mode's "max_attempts": 2 meant three attempts with up to 3 s of
            # back-off, so a throttled table could keep the user waiting past 3 seconds.
            resource = boto3.resource(
                "dynamodb",
                # Two attempts of at most a second each: a table that hangs still leaves time
                # within Alexa's deadline to speak an apology.
                config=Config(connect_timeout=1, read_timeout=1,
                              retries={"mode": "standard", "total_max_attempts": 2}),
            )
        # The adapter owns table naming and the key generator; we reuse its table handle.
        self._adapter = DynamoDbAdapter(
            table_name=table_name,
            partition_key_name="id",
            attribute_name=ATTRIBUTES,
            create_table=False,
            dynamodb_resource=resource,
        )
        self._table = resource.Table(table_name)  # type: ignore[attr-defined]
        from botocore.exceptions import BotoCoreError, ClientError

        self._errors = (BotoCoreError, ClientError)
        self._client_error = ClientError

    def _failure(self, what: str, exc: Exception) -> StoreError:
        """The store error for a failed call: `ThrottledError` when DynamoDB refused for
        capacity, so the skill can count throttles apart from outages."""
        response = getattr(exc, "response", None)
        code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
        kind = ThrottledError if code in THROTTLE_CODES else StoreError
        return kind(f"dynamodb {what} failed: {type(exc).__name__}")

    def load(self, user_id: str) -> Record:
        try:
            item = self._table.get_item(Key={"id": user_id}, ConsistentRead=True).get("Item")
        except self._errors as exc:
            raise self._failure("read", exc) from exc
        if not item:
            return Record({}, 0)
        attributes = _plain(item.get(ATTRIBUTES) or {})
        return Record(attributes if isinstance(attributes, dict) else {},
                      int(item.get(VERSION, 1)))

    def _conditional(self, what: str, call: Callable[..., object], **kwargs: object) -> bool:
        """Run a conditional write; False when its condition no longer holds."""
        try:
            call(**kwargs)
        except self._client_error as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise self._failure(what, exc) from exc
        except self._errors as exc:
            raise self._failure(what, exc) from exc
        return True

    def save_if_version(self, user_id: str, attributes: dict, version: int) -> bool:
        item = {"id": user_id, VERSION: version + 1, ATTRIBUTES: attributes}
        if version == 0:
            return self._conditional("write", self._table.put_item, Item=item,
                                     ConditionExpression="attribute_not_exists(id)")
        return self._conditional("write", self._table.put_item, Item=item,
                                 **self._at_version(version))

    def delete(self, user_id: str) -> None:
        try:
            self._table.delete_item(Key={"id": user_id})
        except self._errors as exc:
            raise self._failure("delete", exc) from exc

    def delete_if_version(self, user_id: str, version: int) -> bool:
        return self._conditional("delete", self._table.delete_item, Key={"id": user_id},
                                 **self._at_version(version))

    def acquire_lease(self, user_id: str, owner: str, until: float, now: float) -> bool:
        """A conditional put: the lease is free, or its holder's time ran out (whole
        milliseconds: DynamoDB refuses Python floats)."""
        item = {"id": LEASE_PREFIX + user_id, LEASE_OWNER: owner,
                LEASE_UNTIL_MS: int(until * 1000), LEASE_EXPIRES: int(until) + 60}
        return self._conditional(
            "lease", self._table.put_item, Item=item,
            ConditionExpression="attribute_not_exists(id) OR #u <= :now",
            ExpressionAttributeNames={"#u": LEASE_UNTIL_MS},
            ExpressionAttributeValues={":now": int(now * 1000)},
        )

    def release_lease(self, user_id: str, owner: str) -> None:
        self._conditional(
            "lease release", self._table.delete_item, Key={"id": LEASE_PREFIX + user_id},
            ConditionExpression="#o = :o", ExpressionAttributeNames={"#o": LEASE_OWNER},
            ExpressionAttributeValues={":o": owner},
        )

    @staticmethod
    def _at_version(version: int) -> dict:
        return {
            "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": VERSION},
            "ExpressionAttributeValues": {":v": version},
        }

    def get_attributes(self, request_envelope) -> dict:  # type: ignore[override]
        """Keyed like ask-sdk's adapter (its key generator), so records stay compatible."""
        return self.load(self._adapter.partition_keygen(request_envelope)).attributes
