"""Size of the Lambda deployment zip, next to the zip a bare hello-world skill would ship.

Upload size bounds how fast a deployment goes and, with it, how much Lambda has to fetch and
unpack on a cold start. Mat Coach's zip is built by `skill.packaging` (`mat-coach lambda-zip`);
the anchor's is built here the same way - the same pure-Python wheels through the same pip
options, deflated at the same level - from ask-sdk-core's own dependency closure plus
`bench/anchor.py`. Both need pip and the package index, so `--quick` skips this row, and a
checkout without `skill.packaging` prints "n/a" instead of failing.
"""

from __future__ import annotations

import importlib
import subprocess
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from bench.common import ROOT, Row, ratio

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
    """`skill.packaging` if this checkout has it (it arrived separately from the bench)."""
    try:
        module = importlib.import_module("skill.packaging")
    except ImportError:
        return None
    return module if hasattr(module, "build_lambda_zip") else None


def _anchor_zip(packaging: object, out: Path, work: Path) -> int:
    """ask-sdk-core's closure plus the anchor module, zipped like Mat Coach's."""
    pins = [f"{name}=={metadata.version(name)}" for name in ANCHOR_DISTRIBUTIONS]
    target = work / "anchor-package"
    target.mkdir()
    result = subprocess.run(packaging.pip_command(target, pins), capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError("pip could not fetch the anchor's wheels:\n" + result.stderr[-2000:])
    files = sorted(
        p for p in target.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        and p.relative_to(target).parts[0] != "bin"
    )
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
        return [Row(ROW_NAME, "skipped (--quick: needs pip and the index)", target)], []
    with tempfile.TemporaryDirectory(prefix="mat-coach-bench-") as tmp:
        work = Path(tmp)
        try:
            size = packaging.build_lambda_zip(work / "mat-coach.zip")
        except Exception as exc:  # no index reachable, pip refused: report, do not crash
            return [Row(ROW_NAME, f"n/a ({type(exc).__name__}: {str(exc)[:80]})", target)], []
        try:
            anchor_size = _anchor_zip(packaging, work / "anchor.zip", work)
        except Exception as exc:
            return [Row(ROW_NAME, _mb(size), target, f"n/a ({type(exc).__name__})", "-",
                        size <= budget)], []
    notes = [
        "zip: the anchor's zip is ask-sdk-core's run-time closure plus bench/anchor.py, "
        "built with skill.packaging's pip options",
    ]
    return [Row(ROW_NAME, _mb(size), target, _mb(anchor_size), ratio(size, anchor_size),
                size <= budget)], notes
