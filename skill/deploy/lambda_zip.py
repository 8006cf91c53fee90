"""The Lambda deployment zip (`mat-coach lambda-zip`).

The zip holds the `skill` package without its web endpoint and tooling, plus the exact
versions of its runtime dependencies that are installed here, copied from this environment
without any download and without compiled code, so one zip runs on arm64 and x86_64 alike.
boto3 and botocore are left out because the Lambda Python runtime provides them; Flask,
cryptography, waitress and prometheus-client are left out because only the self-hosted endpoint
needs them.

Bytecode: `/var/task` is read-only, so a zip without `.pyc` files makes every cold start
compile every module it imports, every time. When an interpreter of the runtime's version
(`LAMBDA_PYTHON`) is at hand - `--python`, or `python3.13` on PATH, checked by running it -
every module is compiled with it into `__pycache__/*.cpython-313.pyc` (bytecode is specific to
a minor version, so this machine's own interpreter will not do unless it is 3.13). Choices:

* unchecked-hash invalidation (PEP 552): the pyc records a hash of its source and Python
  trusts it without reading the source again. Nothing in `/var/task` can change without a new
  zip, which brings new bytecode, so checking (a read and a hash of every source on every cold
  start) would buy nothing; timestamp pycs would depend on the mtimes the zip restores, and
  would make two builds of the same sources differ;
* `/var/task/...` as the file name recorded in each code object (compileall's `ddir`): the
  bytecode carries no trace of this machine's temporary build folder, so two builds of the
  same sources are byte-identical, and a traceback names the path the code runs from.

Without such an interpreter the zip is built as before, without bytecode, and the command says
what that costs.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from skill.deploy import PACKAGE_DIR, PackagingError

# Must match `Runtime` in template.yaml: dependency markers are evaluated for it in tests.
LAMBDA_PYTHON = "3.13"
# Everything `skill.lambda_function` imports at run time, with their own dependencies
# (ask-sdk-model-runtime is not among them: only the SMAPI models, a test tool, need it).
# tests/test_deploy.py checks that this is exactly the closure under Requires-Dist.
LAMBDA_DISTRIBUTIONS = (
    "ask-sdk-core",
    "ask-sdk-model",
    "ask-sdk-runtime",
    "ask-sdk-dynamodb-persistence-adapter",
    "isodate",
    "tzdata",
    "requests",
    "urllib3",
    "idna",
    "certifi",
    "charset-normalizer",
    "six",
    "python-dateutil",
)
# Present in every Lambda Python runtime; shipping them would only grow the zip.
LAMBDA_PROVIDED = ("boto3", "botocore", "jmespath", "s3transfer")
# Import names that must never reach the zip (the self-hosted endpoint's stack, and boto).
FORBIDDEN_TOP_LEVEL = (
    "flask", "werkzeug", "cryptography", "waitress", "gunicorn", "boto3", "botocore",
    "prometheus_client",
)
# Parts of the `skill` package that only the self-hosted endpoint or the command line use
# (`tryout` is `mat-coach try`, the local device page: never part of a deployment).
SKILL_EXCLUDED = ("web", "cli.py", "deploy", "tryout")
SKILL_SUFFIXES = (".py", ".json", ".typed")
MAX_ZIP_BYTES = 10_000_000  # the project budget, in decimal megabytes
# A fixed timestamp makes two builds of the same sources byte-identical.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: Where Lambda unpacks the zip: the file name tracebacks show for each module.
TASK_ROOT = "/var/task"
#: The interpreter looked for on PATH when `--python` is not given.
RUNTIME_PYTHON_NAME = f"python{LAMBDA_PYTHON}"
#: What a zip without bytecode costs, as measured by `python -m bench` (docs/performance.md).
NO_BYTECODE_COST = (
    "every cold start compiles each imported module again (/var/task is read-only), about "
    "4x the time to the first answer (python -m bench, cold start as deployed)"
)
_VERSION_PROBE = "import sys; print('%d.%d' % sys.version_info[:2])"


@dataclass(frozen=True)
class BuildReport:
    """What `build_lambda_zip` built: the size, and which interpreter compiled it, if any."""

    size: int
    compiled_with: str | None
    pyc_files: int


def interpreter_version(executable: str) -> str | None:
    """`"3.13"` for an interpreter that actually runs, None for one that does not.

    A name on PATH is not proof: a pyenv shim for a version that is not selected is found
    and then fails ("command not found"), so the interpreter is asked directly.
    """
    try:
        result = subprocess.run(
            [executable, "-I", "-c", _VERSION_PROBE], capture_output=True, text=True,
            timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    version = result.stdout.strip()
    return version if result.returncode == 0 and version.count(".") == 1 else None


def find_runtime_python(explicit: str | None = None) -> str | None:
    """The interpreter to compile with: `explicit` (which must be LAMBDA_PYTHON, or this
    fails), else `python3.13` on PATH if it runs and is that version, else None."""
    if explicit:
        version = interpreter_version(explicit)
        if version is None:
            raise PackagingError(f"--python {explicit} does not run")
        if version != LAMBDA_PYTHON:
            raise PackagingError(
                f"--python {explicit} is Python {version}; the function runs Python "
                f"{LAMBDA_PYTHON} (template.yaml), whose bytecode differs"
            )
        return explicit
    found = shutil.which(RUNTIME_PYTHON_NAME)
    if found and interpreter_version(found) == LAMBDA_PYTHON:
        return found
    return None


# Compiles every .py under argv[1] with the names the code will have under argv[2]; runs in
# the runtime's interpreter, isolated (-I), so nothing of this environment leaks in.
_COMPILE = """
import compileall, py_compile, sys
ok = compileall.compile_dir(
    sys.argv[1], ddir=sys.argv[2], quiet=1, workers=0,
    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
)
sys.exit(0 if ok else 1)
"""


def compile_tree(python: str, root: Path) -> int:
    """Write `__pycache__/*.pyc` next to every module under `root`; return how many.

    A module that does not compile under the runtime's version stops the build: it would
    fail on import in the function too.
    """
    result = subprocess.run(
        [python, "-I", "-c", _COMPILE, str(root), TASK_ROOT], capture_output=True, text=True,
        timeout=600, check=False,
    )
    if result.returncode != 0:
        raise PackagingError(
            f"compiling the Lambda code with {python} failed:\n"
            + (result.stdout + result.stderr).strip()[-2000:]
        )
    return sum(1 for _ in root.rglob("*.pyc"))


def _compiled_fallback(path: Path) -> bool:
    """True when a compiled module has a pure-Python twin (`md.cpython-311-…so` and `md.py`).

    Some pure packages (charset-normalizer) ship optional compiled speed-ups built for this
    machine; leaving them out keeps the zip valid on arm64 and x86_64 alike, and the package
    imports its `.py` twin instead.
    """
    stem = path.name.split(".", 1)[0]
    return (path.parent / f"{stem}.py").is_file()


def copy_installed(target: Path, distributions: Iterable[str]) -> list[str]:
    """Copy the installed files of `distributions` into `target`, as `pip --target` lays them.

    The zip is built from what is installed here, offline, at exactly the tested versions.
    Bytecode, console scripts and compiled speed-ups with a pure twin are skipped; a compiled
    module without one stops the build, since it would only run on this machine's platform.
    """
    copied = []
    for name in distributions:
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            raise PackagingError(
                f"{name} is not installed here. Install the project with its DynamoDB extra: "
                "pip install -e '.[dynamodb]'"
            ) from None
        for entry in files:
            relative = Path(str(entry))
            if relative.parts[0] == ".." or "__pycache__" in relative.parts:
                continue  # scripts outside site-packages, and bytecode
            source = Path(str(entry.locate()))
            if relative.suffix in (".pyc", ".pyo") or not source.is_file():
                continue
            if relative.suffix in (".so", ".pyd"):
                if _compiled_fallback(source):
                    continue
                raise PackagingError(f"{name} needs compiled code ({relative.name}); "
                                     "the Lambda zip must stay platform-independent")
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            copied.append(relative.as_posix())
    return copied


def _install_dependencies(target: Path) -> None:
    copy_installed(target, LAMBDA_DISTRIBUTIONS)
    present = {p.name.lower() for p in target.iterdir()}
    leaked = sorted(present.intersection(FORBIDDEN_TOP_LEVEL))
    if leaked:
        raise PackagingError("unwanted packages reached the Lambda build: " + ", ".join(leaked))


def _skill_files() -> Iterator[tuple[Path, str]]:
    """(file, name in the zip) for the parts of `skill` that the Lambda handler imports."""
    for path in sorted(PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(PACKAGE_DIR)
        if relative.parts[0] in SKILL_EXCLUDED or "__pycache__" in relative.parts:
            continue
        if path.is_file() and path.suffix in SKILL_SUFFIXES:
            yield path, "skill/" + relative.as_posix()


def _copy_skill(target: Path) -> None:
    """Lay the shipped parts of `skill` out in `target`, beside the dependencies."""
    for path, name in _skill_files():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)


def _staged_files(target: Path, *, bytecode: bool) -> Iterator[tuple[Path, str]]:
    """Every file laid out in `target`; bytecode only when it was compiled for the runtime
    (copying skipped any that came from this environment, so any found here is ours)."""
    for path in sorted(target.rglob("*")):
        relative = path.relative_to(target)
        if not path.is_file():
            continue
        if ("__pycache__" in relative.parts or path.suffix == ".pyc") and not bytecode:
            continue
        yield path, relative.as_posix()


def _write_zip(out_path: Path, files: Iterable[tuple[Path, str]]) -> None:
    with zipfile.ZipFile(out_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path, name in sorted(files, key=lambda item: item[1]):
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            # Lambda runs code as another user than the uploader: files must be world-readable.
            info.external_attr = 0o100644 << 16
            zf.writestr(info, path.read_bytes())


def build_lambda_zip(out_path: Path, *, python: str | None = None,
                     bytecode: bool = True) -> BuildReport:
    """Build the deployment zip at `out_path`.

    `python` is the interpreter to compile with (found on PATH when None); `bytecode=False`
    builds without bytecode even when one is there (the benchmark's comparison).
    """
    out_path = Path(out_path)
    if out_path.suffix != ".zip":
        raise PackagingError(f"{out_path} should end in .zip")
    compiler = find_runtime_python(python) if bytecode else None
    with tempfile.TemporaryDirectory(prefix="mat-coach-lambda-") as tmp:
        target = Path(tmp) / "package"
        target.mkdir()
        _install_dependencies(target)
        _copy_skill(target)
        pyc_files = compile_tree(compiler, target) if compiler else 0
        out_path.parent.mkdir(parents=True, exist_ok=True)
        partial = out_path.with_name(out_path.name + ".partial")
        _write_zip(partial, _staged_files(target, bytecode=compiler is not None))
    size = partial.stat().st_size
    if size > MAX_ZIP_BYTES:
        partial.unlink()
        raise PackagingError(
            f"the Lambda zip would be {size / 1e6:.1f} MB, over the project's "
            f"{MAX_ZIP_BYTES / 1e6:.0f} MB budget; check LAMBDA_DISTRIBUTIONS for newcomers"
        )
    partial.replace(out_path)
    return BuildReport(size=size, compiled_with=compiler, pyc_files=pyc_files)
