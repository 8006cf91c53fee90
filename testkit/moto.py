"""DynamoDB on loopback: moto's server over real HTTP, and tables shaped as deployed."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from testkit.loopback import free_port, wait_until_up

REGION = "us-east-1"


@contextmanager
def moto_server() -> Iterator[str]:
    """Start moto's server, wait until it answers, yield its URL, and stop it (by its pid)."""
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


def boto3_environ(url: str) -> dict[str, str]:
    """The environment that points boto3 (and so the product's DynamoDB store) at `url`.

    The product has no endpoint setting: on AWS boto3 finds DynamoDB by itself, so a test
    reaches moto the same way, through the variables boto3 reads.
    """
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }


def dynamodb_resource(url: str) -> Any:
    """A boto3 DynamoDB resource talking to `url`, for seeding and reading tables directly."""
    import boto3  # only the DynamoDB tests need boto3

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
