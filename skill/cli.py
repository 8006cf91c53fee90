"""`mat-coach` command line: run the endpoint, and build deployment artefacts."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def _serve(args: argparse.Namespace) -> int:
    """Verified mode on waitress (`skill.web.server`); `--dev` on Werkzeug's development server.

    Logs are JSON lines unless `--log-format text`; `--metrics-port` (or
    `MAT_COACH_METRICS_PORT`) also serves Prometheus metrics on that port.
    """
    from skill.settings import Settings, SettingsError

    overrides: dict[str, object] = {"verify_requests": not args.dev}
    if args.metrics_port is not None:
        overrides["metrics_port"] = args.metrics_port
    if args.metrics_host is not None:
        overrides["metrics_host"] = args.metrics_host
    try:
        settings = Settings.from_env(**overrides)
    except SettingsError as exc:
        print(f"mat-coach serve: {exc}", file=sys.stderr)
        return 2
    if settings.metrics_port == args.port:
        print(f"mat-coach serve: the metrics port must differ from the skill's ({args.port})",
              file=sys.stderr)
        return 2
    if args.log_format == "json":
        from skill.web.logs import use_json

        use_json()
    from skill.web import create_app

    logging.getLogger(__name__).info(
        "Mat Coach listening on http://%s:%d/ (store: %s)",
        args.host, args.port, settings.resolved_store_url().split("://", 1)[0],
    )
    if settings.metrics_port is not None:
        from skill.web.metrics import serve_metrics

        serve_metrics(settings.metrics_host, settings.metrics_port)
        logging.getLogger(__name__).info(
            "metrics on http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    if args.dev:
        create_app(settings).run(host=args.host, port=args.port, threaded=True)
        return 0
    from skill.web.server import serve

    serve(lambda: create_app(settings), args.host, args.port, threads=args.threads,
          workers=args.workers)
    return 0


def _ask_project(args: argparse.Namespace) -> int:
    from skill.deploy import PackagingError, ask_project

    try:
        written = ask_project.write_ask_project(
            args.out_dir, endpoint=args.endpoint, ssl_certificate_type=args.ssl_certificate_type,
            skill_id=args.skill_id,
        )
    except PackagingError as exc:
        print(f"mat-coach ask-project: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    if args.endpoint is None:
        print(
            "warning: no --endpoint given, so skill.json still holds the placeholder "
            f"{ask_project.ENDPOINT_PLACEHOLDER}; Alexa will refuse it until you run this again "
            "with --endpoint",
            file=sys.stderr,
        )
    return 0


def _lambda_zip(args: argparse.Namespace) -> int:
    from skill.deploy import PackagingError, lambda_zip

    try:
        report = lambda_zip.build_lambda_zip(args.out, python=args.python)
    except PackagingError as exc:
        print(f"mat-coach lambda-zip: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({report.size} bytes, {report.size / 1e6:.2f} MB)")
    if report.compiled_with:
        print(f"bytecode: {report.pyc_files} modules compiled with {report.compiled_with} "
              f"(Python {lambda_zip.LAMBDA_PYTHON}, unchecked-hash, {lambda_zip.TASK_ROOT} paths)")
    else:
        print(f"warning: no Python {lambda_zip.LAMBDA_PYTHON} found "
              f"({lambda_zip.RUNTIME_PYTHON_NAME} on PATH, or --python), so the zip has no "
              f"bytecode: {lambda_zip.NO_BYTECODE_COST}", file=sys.stderr)
    return 0


def _build_models(args: argparse.Namespace) -> int:
    from skill.deploy import PackagingError, models

    try:
        if args.check:
            stale = models.stale_models()
            for locale in stale:
                print(f"interaction_models/{locale}.json is stale", file=sys.stderr)
            return 1 if stale else 0
        for path in models.write_models():
            print(f"wrote {path.parent.name}/{path.name}")
    except PackagingError as exc:
        print(f"mat-coach build-models: {exc}", file=sys.stderr)
        return 2
    return 0


def _try(args: argparse.Namespace) -> int:
    from skill.tryout.command import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    """The command tree; subcommands import their modules only when they run."""
    parser = argparse.ArgumentParser(prog="mat-coach", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the Alexa endpoint (waitress; --dev: Flask's)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument(
        "--dev", action="store_true",
        help="turn request verification off and use the development server, for local "
             "testing only",
    )
    serve.add_argument("--workers", type=int, default=2,
                       help="processes, one per core is right (verified mode)")
    serve.add_argument("--threads", type=int, default=8,
                       help="threads per process (verified mode; requests are read whole first)")
    serve.add_argument("--metrics-port", type=int, default=None,
                       help="serve Prometheus metrics on this port (default: "
                            "MAT_COACH_METRICS_PORT, else no metrics)")
    serve.add_argument("--metrics-host", default=None,
                       help="where the metrics port listens (default: MAT_COACH_METRICS_HOST, "
                            "else 127.0.0.1)")
    serve.add_argument("--log-format", choices=("json", "text"), default="json",
                       help="one JSON object per log line (default), or plain text")
    serve.set_defaults(run=_serve)

    ask = commands.add_parser(
        "ask-project",
        help="write an ASK CLI project (manifest and interaction models) for ask deploy",
    )
    ask.add_argument("out_dir", metavar="OUT_DIR", type=Path)
    ask.add_argument(
        "--endpoint", metavar="ARN_OR_URL",
        help="Lambda function ARN, or the https:// URL of a self-hosted endpoint",
    )
    ask.add_argument(
        "--ssl-certificate-type", choices=("Trusted", "Wildcard", "SelfSigned"),
        default="Trusted", help="for an https:// endpoint: the kind of certificate it serves",
    )
    ask.add_argument(
        "--skill-id", metavar="SKILL_ID",
        help="an existing skill's ID, so that ask deploy updates it rather than creating one",
    )
    ask.set_defaults(run=_ask_project)

    zip_command = commands.add_parser(
        "lambda-zip", help="build the AWS Lambda deployment zip (needs pip and an index)"
    )
    zip_command.add_argument("out", metavar="OUT.zip", type=Path)
    zip_command.add_argument(
        "--python", metavar="PYTHON3.13",
        help="the function runtime's Python version, to compile the bytecode with "
             "(default: python3.13 on PATH)",
    )
    zip_command.set_defaults(run=_lambda_zip)

    build = commands.add_parser(
        "build-models",
        help="write interaction_models/<locale>.json from interaction_models/source",
    )
    build.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 if a written model is stale")
    build.set_defaults(run=_build_models)

    try_command = commands.add_parser(
        "try", help="try the skill here: a local device page (or --console), offline",
    )
    from skill.tryout.command import add_arguments

    add_arguments(try_command)
    try_command.set_defaults(run=_try)
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
