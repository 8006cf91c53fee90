"""Size of the Lambda deployment zip, next to the zip a bare hello-world skill would ship.

Upload size bounds how fast a deployment goes and, with it, how much Lambda has to fetch and
unpack on a cold start. Mat Coach's zip is built by `skill.deploy.lambda_zip`
(`mat-coach lambda-zip`);
the anchor's is built here the same way - the same installed files copied by
`skill.deploy.lambda_zip.copy_installed`, deflated at the same level - from ask-sdk-core's own
dependency closure plus `bench/anchor.py`. `--quick` skips this row to stay within seconds, and
a checkout without `skill.deploy.lambda_zip` prints "n/a" instead of failing.
"""

from __future__ import annotations

import importlib
import tempfile
import zipfile
from pathlib import Path

from bench.common import ROOT, Row, ratio
from testkit.lambda_runtime import runtime_python

#: ask-sdk-core and everything it requires at run time: what any ASK Python skill ships.
ANCHOR_DISTRIBUTIONS = (
    "ask-sdk-core", "ask-sdk-model", "ask-sdk-runtime", "python-dateutil", "six", "requests",
    "urllib3", "idna", "certifi", "charset-normalizer",
)
DEFAULT_BUDGET_BYTES = 10_000_000
ROW_NAME = "Lambda zip size"


def _mb(size: int) -> str:
    return f"{size / 1e6:.2f} MB"


def _packaging() -> object | None:
    """`skill.deploy.lambda_zip` if this checkout has it (it arrived separately from the bench)."""
    try:
        module = importlib.import_module("skill.deploy.lambda_zip")
    except ImportError:
        return None
    return module if hasattr(module, "build_lambda_zip") else None


def _anchor_zip(packaging: object, out: Path, work: Path) -> int:
    """ask-sdk-core's closure plus the anchor module, zipped like Mat Coach's."""
    target = work / "anchor-package"
    target.mkdir()
    packaging.copy_installed(target, ANCHOR_DISTRIBUTIONS)
    files = sorted(p for p in target.rglob("*") if p.is_file())
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.write(ROOT / "bench" / "anchor.py", "lambda_function.py")
        for path in files:
            zf.write(path, path.relative_to(target).as_posix())
    return out.stat().st_size


def measure(*, build: bool) -> tuple[list[Row], list[str]]:
    """One row: Mat Coach's zip size against the budget and against the anchor's zip."""
    packaging = _packaging()
    if packaging is None:
        return [Row(ROW_NAME, "n/a (lambda-zip not available)")], []
    budget = getattr(packaging, "MAX_ZIP_BYTES", DEFAULT_BUDGET_BYTES)
    target = f"<= {_mb(budget)}"
    if not build:
        return [Row(ROW_NAME, "skipped (--quick or --no-zip)", target)], []
    with tempfile.TemporaryDirectory(prefix="mat-coach-bench-") as tmp:
        work = Path(tmp)
        try:
            built = packaging.build_lambda_zip(work / "mat-coach.zip", python=runtime_python())
            size = getattr(built, "size", built)
        except Exception as exc:  # a dependency missing or compiled: report, do not crash
            return [Row(ROW_NAME, f"n/a ({type(exc).__name__}: {str(exc)[:80]})", target)], []
        try:
            anchor_size = _anchor_zip(packaging, work / "anchor.zip", work)
        except Exception as exc:
            return [Row(ROW_NAME, _mb(size), target, f"n/a ({type(exc).__name__})", "-",
                        size <= budget)], []
    notes = [
        "zip: the anchor's zip is ask-sdk-core's run-time closure plus bench/anchor.py, "
        "copied from the installed environment like Mat Coach's",
    ]
    return [Row(ROW_NAME, _mb(size), target, _mb(anchor_size), ratio(size, anchor_size),
                size <= budget)], notes
