"""The app gunicorn serves in the load run: the real `create_app` with verification ON.

`gunicorn 'bench.load_app:create()'` calls `create` once per worker. Everything comes from the
environment the harness (`bench.load`) sets, so nothing machine-specific is written down:

* `MAT_COACH_STORE`, `MAT_COACH_SKILL_ID`, `MAT_COACH_CA_BUNDLE` as in production
  (the bundle is the run's throwaway CA, trusted for the Timers API's loopback TLS);
* `MAT_COACH_BENCH_CHAIN_ORIGIN`: the loopback HTTPS server standing in for
  `https://s3.amazonaws.com`, so the signing chain is downloaded for real, over TLS that
  trusts only the bundle, and checked against the bundle's root.

The only thing that differs from production is where the chain is fetched from.
"""

from __future__ import annotations

import os

from flask import Flask

from skill.settings import Settings
from skill.web import create_app
from skill.web.verifier import RequestVerifier
from testkit.loopback import loopback_fetch

CHAIN_ORIGIN_ENV = "MAT_COACH_BENCH_CHAIN_ORIGIN"


def create() -> Flask:
    """Build the verified app for one gunicorn worker."""
    settings = Settings.from_env(verify_requests=True)
    if not settings.ca_bundle:
        raise RuntimeError("the load app needs MAT_COACH_CA_BUNDLE (the run's test CA)")
    verifier = RequestVerifier(
        skill_id=settings.skill_id,
        ca_bundle=settings.ca_bundle,
        fetch=loopback_fetch(
            os.environ[CHAIN_ORIGIN_ENV], ca_bundle=settings.ca_bundle,
            timeout=settings.cert_timeout,
        ),
        timeout=settings.cert_timeout,
    )
    return create_app(settings, verifier=verifier)
