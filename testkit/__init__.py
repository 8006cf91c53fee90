"""Mat Coach's test kit: what the tests and the benchmarks both need, in one place.

Alexa's side of a conversation (request envelopes, request signing, the Timers and settings
APIs), Amazon's side of a self-hosted endpoint (the signing-chain download), DynamoDB on
loopback, the response checker and the store-traffic counter. `tests/` and `bench/` both import
from here and never from each other, so a benchmark cannot break because a test file moved and
the suite never depends on a benchmark's internals (`tests/test_testkit_layout.py` holds that).

It is not shipped: pyproject installs `skill` only, and nothing in `skill/` may import this.
Like `bench`, it imports nothing at import time, so importing a submodule costs only that module.
"""
