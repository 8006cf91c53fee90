"""The Lambda deployment zip (`mat-coach lambda-zip`).

The zip holds the `skill` package without its web endpoint and tooling, plus the exact
versions of its runtime dependencies that are installed here, copied from this environment
without any download and without compiled code, so one zip runs on arm64 and x86_64 alike.
boto3 and botocore are left out because the Lambda Python runtime provides them; Flask,
cryptography and gunicorn are left out because only the self-hosted endpoint needs them.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
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
FORBIDDEN_TOP_LEVEL = ("flask", "werkzeug", "cryptography", "gunicorn", "boto3", "botocore")
# Parts of the `skill` package that only the self-hosted endpoint or the command line use
# (`tryout` is `mat-coach try`, the local device page: never part of a deployment).
SKILL_EXCLUDED = ("web", "cli.py", "deploy", "tryout")
SKILL_SUFFIXES = (".py", ".json", ".typed")
MAX_ZIP_BYTES = 10_000_000  # the project budget, in decimal megabytes
# A fixed timestamp makes two builds of the same sources byte-identical.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


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


def _dependency_files(target: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(target.rglob("*")):
        relative = path.relative_to(target)
        if "__pycache__" in relative.parts or path.suffix == ".pyc" or not path.is_file():
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


def build_lambda_zip(out_path: Path) -> int:
    """Build the deployment zip at `out_path` and return its size in bytes."""
    out_path = Path(out_path)
    if out_path.suffix != ".zip":
        raise PackagingError(f"{out_path} should end in .zip")
    with tempfile.TemporaryDirectory(prefix="mat-coach-lambda-") as tmp:
        target = Path(tmp) / "package"
        target.mkdir()
        _install_dependencies(target)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        partial = out_path.with_name(out_path.name + ".partial")
        _write_zip(partial, [*_skill_files(), *_dependency_files(target)])
    size = partial.stat().st_size
    if size > MAX_ZIP_BYTES:
        partial.unlink()
        raise PackagingError(
            f"the Lambda zip would be {size / 1e6:.1f} MB, over the project's "
            f"{MAX_ZIP_BYTES / 1e6:.0f} MB budget; check LAMBDA_DISTRIBUTIONS for newcomers"
        )
    partial.replace(out_path)
    return size
