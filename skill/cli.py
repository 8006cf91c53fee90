"""`mat-coach` command line: run the endpoint, and build deployment artefacts."""

from __future__ import annotations

import argparse
import logging
import sys


def _serve(args: argparse.Namespace) -> int:
    from skill.settings import Settings
    from skill.web import create_app

    settings = Settings.from_env(verify_requests=not args.dev)
    app = create_app(settings)
    logging.getLogger(__name__).info(
        "Mat Coach listening on http://%s:%d/ (store: %s)",
        args.host, args.port, settings.resolved_store_url().split("://", 1)[0],
    )
    app.run(host=args.host, port=args.port, threaded=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command tree; subcommands import their modules only when they run."""
    parser = argparse.ArgumentParser(prog="mat-coach", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the Alexa endpoint (Flask)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument(
        "--dev", action="store_true",
        help="turn request verification off, for local testing only",
    )
    serve.set_defaults(run=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `mat-coach` console script."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
