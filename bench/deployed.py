"""Cold start as deployed: the Lambda zip unpacked read-only, a fresh Python 3.13 process.

`bench.coldstart` measures the checkout's sources with bytecode cached; this measures what
Lambda actually runs. Three packages, each unpacked into its own folder made read-only
(`chmod -w`, as `/var/task` is), each run by a fresh process of the runtime's interpreter
(Python 3.13, found as `testkit.lambda_runtime` finds it: `MAT_COACH_PYTHON313` or `python3.13`
on PATH) with `PYTHONDONTWRITEBYTECODE=1` and the folder on `PYTHONPATH`:

* Mat Coach's zip as `mat-coach lambda-zip` builds it, with 3.13 bytecode, answering one
  ExplainMatIntent;
* the same zip without bytecode (what the command builds when no 3.13 is found, and what
  `sam build` ships): every imported module is compiled on every cold start;
* the anchor (`bench/anchor.py` as `lambda_function.py`) beside ask-sdk-core installed by
  `python3.13 -m pip install --target`, which compiles what it installs, answering its
  HelloWorldIntent with the same slot - a typical pip-packaged skill. This needs the
  package index;
* a context row: Mat Coach's zip again, with AWS Lambda Powertools for Python installed beside
  it the same way and its `Logger` and `Metrics` imported before the handler - what the
  ecosystem's logging and metrics library would add to every cold start. Mat Coach writes its
  request line and EMF metrics itself (`skill.telemetry.emf`) because of this figure.

Runs are interleaved (one of each in turn) after one discarded run of each; the figure is the
child's own clock, from its first statement to the first answer (`bench.coldstart._CHILD`),
medians over the runs. The store is an SQLite file in a writable temp folder, as /tmp is.
"""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from bench.coldstart import run_once
from bench.common import ROOT, Row, median, ms, ratio
from testkit import envelopes
from testkit.lambda_runtime import MISSING, runtime_python

#: With bytecode, Mat Coach may take at most this multiple of the anchor's cold start.
TARGET_RATIO = 1.1
#: Without bytecode the same zip must be at least this many times slower (what it saves).
BYTECODE_GAIN = 2.0
WITH = "cold start as deployed, Mat Coach zip with 3.13 bytecode"
WITHOUT = "cold start as deployed, same zip without bytecode"
POWERTOOLS = "cold start as deployed, the zip importing Powertools Logger and Metrics"
#: The Powertools release the context row measures.
POWERTOOLS_VERSION = "3.37.0"
POWERTOOLS_IMPORT = "from aws_lambda_powertools import Logger, Metrics"


def _read_only(folder: Path) -> None:
    """`chmod -R a-w`: Python cannot write a .pyc there even if it tried."""
    for path in [*folder.rglob("*"), folder]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _writable(folder: Path) -> None:
    """Undo `_read_only`, so the temp directory can be removed."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() or path.is_file():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _unpack(zip_path: Path, folder: Path) -> Path:
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(folder)
    return folder


def _anchor_package(python: str, folder: Path) -> Path:
    """ask-sdk-core at the installed version, by `pip install --target` (compiles), plus
    the anchor skill as `lambda_function.py`."""
    version = metadata.version("ask-sdk-core")
    result = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-warn-script-location", "--target", str(folder), f"ask-sdk-core=={version}"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pip install --target failed: {result.stderr.strip()[-300:]}")
    (folder / "lambda_function.py").write_bytes((ROOT / "bench" / "anchor.py").read_bytes())
    return folder


def _powertools_package(python: str, folder: Path) -> Path:
    """aws-lambda-powertools by `pip install --target` (compiles), as a layer would hold it."""
    result = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-warn-script-location", "--target", str(folder),
         f"aws-lambda-powertools=={POWERTOOLS_VERSION}"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pip install --target failed: {result.stderr.strip()[-300:]}")
    return folder


def _env(folder: Path, store_url: str, *also: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "MAT_COACH_", "VIRTUAL_ENV"))}
    env.update({
        # as Lambda puts /var/task on the path (and a layer's /opt/python after it)
        "PYTHONPATH": os.pathsep.join(str(p) for p in (folder, *also)),
        "PYTHONDONTWRITEBYTECODE": "1",
        "MAT_COACH_STORE": store_url,
        "MAT_COACH_SKILL_ID": envelopes.APP_ID,
    })
    return env


def measure(runs: int, *, build: bool) -> tuple[list[Row], list[str]]:
    """Rows for the zip with and without bytecode; the anchor's figure is on the first."""
    if not build:
        return [Row(WITH, "skipped (--quick or --no-zip)", f"<= {TARGET_RATIO}x anchor")], []
    python = runtime_python()
    if python is None:
        return [Row(WITH, f"n/a ({MISSING})", f"<= {TARGET_RATIO}x anchor")], []
    from skill.deploy.lambda_zip import build_lambda_zip

    topic = {"topic": envelopes.slot("topic", "how often", resolved_id="FREQUENCY")}
    explain = envelopes.intent("ExplainMatIntent", topic)
    # The same request shape (a slot with its entity resolution) costs both skills the same
    # deserialisation; the anchor's handler ignores the slot.
    hello = envelopes.intent("HelloWorldIntent", topic)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mat-coach-deployed-") as tmp:
        work = Path(tmp)
        folders: dict[str, Path] = {}
        try:
            for name, bytecode in (("with", True), ("without", False)):
                zip_path = work / f"{name}.zip"
                build_lambda_zip(zip_path, python=python, bytecode=bytecode)
                folders[name] = _unpack(zip_path, work / name)
            try:
                folders["anchor"] = _anchor_package(python, work / "anchor")
            except (RuntimeError, subprocess.SubprocessError) as exc:
                notes.append(f"cold start as deployed: no anchor ({exc})")
            try:
                folders["powertools"] = _powertools_package(python, work / "powertools")
            except (RuntimeError, subprocess.SubprocessError) as exc:
                notes.append(f"cold start as deployed: no Powertools row ({exc})")
            for folder in folders.values():
                _read_only(folder)
            store = f"sqlite://{work / 'store' / 'deployed.db'}"
            (work / "store").mkdir()
            plan = [
                (name, "skill.lambda_function" if name != "anchor" else "lambda_function",
                 explain if name != "anchor" else hello,
                 _env(folders["with"], store, folder) if name == "powertools"
                 else _env(folder, store),
                 POWERTOOLS_IMPORT if name == "powertools" else "")
                for name, folder in folders.items()
            ]
            times: dict[str, list[float]] = {name: [] for name in folders}
            for n in range(runs + 1):
                for name, module, event, env, extra in plan:
                    run = run_once(module, event, env, python=python, cwd=work / "store",
                                   extra=extra)
                    if n:  # the first of each warms the OS file cache and is not counted
                        times[name].append(run.total)
        finally:
            for folder in folders.values():
                _writable(folder)
    with_bytecode, without = median(times["with"]), median(times["without"])
    anchor = median(times["anchor"]) if times.get("anchor") else None
    rows = [
        Row(f"{WITH} (median of {runs})", ms(with_bytecode), f"<= {TARGET_RATIO}x anchor",
            ms(anchor) if anchor else "n/a", ratio(with_bytecode, anchor) if anchor else "-",
            with_bytecode <= TARGET_RATIO * anchor if anchor else None),
        Row(f"{WITHOUT} (median of {runs})", ms(without),
            f">= {BYTECODE_GAIN}x with bytecode", ms(with_bytecode),
            ratio(without, with_bytecode), without >= BYTECODE_GAIN * with_bytecode),
    ]
    if times.get("powertools"):
        powertools = median(times["powertools"])
        rows.append(Row(f"{POWERTOOLS} (median of {runs})", ms(powertools),
                        anchor=ms(anchor) if anchor else "n/a",
                        ratio=ratio(powertools, anchor) if anchor else "-"))
    notes.append("cold start as deployed: read-only unpacked zips, a fresh Python 3.13 with "
                 "PYTHONDONTWRITEBYTECODE=1; the anchor is ask-sdk-core by pip install --target")
    if times.get("powertools"):
        notes.append(f"cold start as deployed: aws-lambda-powertools {POWERTOOLS_VERSION} by pip "
                     "install --target beside the zip, `" + POWERTOOLS_IMPORT + "` before the "
                     "handler (context: Mat Coach writes its own EMF)")
    return rows, notes
