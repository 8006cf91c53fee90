"""Deployment artefacts: the ASK CLI project (`ask_project`) and the Lambda zip (`lambda_zip`).

Neither runs on a request's path: the command line imports them when asked to build one,
and the Lambda zip leaves this package out.
"""

from __future__ import annotations

from pathlib import Path

# Where the sources live in a checkout: the repository root is the parent of `skill/`.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = PACKAGE_DIR.parent
# The locales the skill ships: one interaction model each, one publishing entry each.
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN", "de-DE", "es-ES", "es-MX", "es-US",
           "fr-FR", "fr-CA", "it-IT")


def read_json(path: Path) -> dict:
    """A source JSON object, or a PackagingError that says which file and why."""
    import json

    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise PackagingError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise PackagingError(f"{path} must hold a JSON object")
    return data


class PackagingError(Exception):
    """A deployment artefact cannot be built; the message says what to do about it."""
