"""The app the load and slow-client runs serve: the real `create_app` with verification ON.

`python -m testkit.served_app --port N` serves it on `skill.web.server.serve`, the same waitress
set-up as `mat-coach serve`; for comparisons `gunicorn 'testkit.served_app:create()'` (one app per
worker) and Werkzeug's server (`--werkzeug`, what `mat-coach serve --dev` runs) serve it too.
Everything comes from the environment the harness (`testkit.servers`) sets, so nothing
machine-specific is written down:

* `MAT_COACH_STORE`, `MAT_COACH_SKILL_ID`, `MAT_COACH_CA_BUNDLE` as in production
  (the bundle is the run's throwaway CA, trusted for the Timers API's loopback TLS);
* `MAT_COACH_BENCH_CHAIN_ORIGIN`: the loopback HTTPS server standing in for
  `https://s3.amazonaws.com`, so the signing chain is downloaded for real, over TLS that
  trusts only the bundle, and checked against the bundle's root.

The only thing that differs from production is where the chain is fetched from.
"""

from __future__ import annotations

import argparse
import logging
import os

from flask import Flask

from skill.settings import Settings
from skill.web import create_app
from skill.web.verifier import RequestVerifier
from testkit.loopback import loopback_fetch

CHAIN_ORIGIN_ENV = "MAT_COACH_BENCH_CHAIN_ORIGIN"


def create() -> Flask:
    """Build the verified app (once per server process, or per gunicorn worker)."""
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


def main(argv: list[str] | None = None) -> None:
    """Serve `create()` on loopback as `mat-coach serve` does (or on Werkzeug's server)."""
    parser = argparse.ArgumentParser(prog="python -m testkit.served_app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--werkzeug", action="store_true",
                        help="Werkzeug's threaded development server instead of waitress")
    args = parser.parse_args(argv)
    # The server's own warnings (connection limit reached, worker replaced) reach the log.
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.werkzeug:
        create().run(host="127.0.0.1", port=args.port, threaded=True)
        return
    from skill.web.server import serve

    serve(create, "127.0.0.1", args.port, threads=args.threads, workers=args.workers)


if __name__ == "__main__":
    main()
