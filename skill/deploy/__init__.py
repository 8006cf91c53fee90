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
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")


class PackagingError(Exception):
    """A deployment artefact cannot be built; the message says what to do about it."""
