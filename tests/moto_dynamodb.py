"""DynamoDB for tests: `moto_server` over real HTTP on a free loopback port."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.local_servers import free_port, wait_until_up

__all__ = ["create_table", "dynamodb_resource", "free_port", "moto_server"]

REGION = "us-east-1"


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto's server, wait until it answers, yield its URL, and stop it."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/moto-api/", process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def dynamodb_resource(url: str):
    import boto3

    return boto3.resource(
        "dynamodb", endpoint_url=url, region_name=REGION,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )


def create_table(url: str, name: str | None = None) -> str:
    """A table shaped as template.yaml declares it: hash key `id` (S), on demand."""
    name = name or f"mat-coach-{uuid.uuid4().hex[:8]}"
    dynamodb_resource(url).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name
