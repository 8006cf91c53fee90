"""The Lambda runtime's Python (3.13) on this machine, for the tests and benchmarks that need it.

`mat-coach lambda-zip` looks for `python3.13` on PATH; a test or benchmark also accepts
`MAT_COACH_PYTHON313`, the path of such an interpreter, for machines where it is installed
but not on PATH (a version manager's non-default version, for instance). Either way the
interpreter is run once to check that it works and is that version.
"""

from __future__ import annotations

import functools
import os

from skill.deploy.lambda_zip import (
    LAMBDA_PYTHON,
    RUNTIME_PYTHON_NAME,
    find_runtime_python,
    interpreter_version,
)

RUNTIME_PYTHON_VARIABLE = "MAT_COACH_PYTHON313"
MISSING = (
    f"no working Python {LAMBDA_PYTHON} (the Lambda runtime's): put {RUNTIME_PYTHON_NAME} on "
    f"PATH or set {RUNTIME_PYTHON_VARIABLE} to its path"
)


@functools.cache
def runtime_python() -> str | None:
    """`MAT_COACH_PYTHON313` if it runs as Python 3.13, else `python3.13` on PATH, else None."""
    named = os.environ.get(RUNTIME_PYTHON_VARIABLE, "").strip()
    if named and interpreter_version(named) == LAMBDA_PYTHON:
        return named
    return find_runtime_python()
