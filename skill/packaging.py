"""Deployment artefacts: an ASK CLI project for the skill's metadata, and the Lambda zip.

The interaction models and the skill manifest are sources of this repository, not of the
installed package: they belong to the skill's configuration in the Alexa developer console,
which the running service never reads. `ask-project` therefore needs a source checkout and
finds it next to the `skill` package; a wheel install gets a clear message instead.

The Lambda zip holds the `skill` package without its web endpoint and tooling, plus the exact
versions of its runtime dependencies that are installed here, copied from this environment
without any download and without compiled code, so one zip runs on arm64 and x86_64 alike.
boto3 and botocore are left out because the Lambda Python runtime provides them; Flask,
cryptography and gunicorn are left out because only the self-hosted endpoint needs them.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path

# Where the sources live in a checkout: the repository root is the parent of `skill/`.
PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
MODELS_DIR = "interaction_models"
MANIFEST_SOURCE = "skill-package-src/skill.json"
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
ENDPOINT_PLACEHOLDER = "REPLACE_WITH_LAMBDA_ARN_OR_HTTPS_URL"
SSL_CERTIFICATE_TYPES = ("Trusted", "Wildcard", "SelfSigned")
ASK_STATES_FILE = ".ask/ask-states.json"
ASK_RESOURCES = {
    "askcliResourcesVersion": "2020-03-31",
    "profiles": {"default": {"skillMetadata": {"src": "./skill-package"}}},
}

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
# Parts of the `skill` package that only the self-hosted endpoint or the command line use.
SKILL_EXCLUDED = ("web", "cli.py", "packaging.py")
SKILL_SUFFIXES = (".py", ".json", ".typed")
MAX_ZIP_BYTES = 10_000_000  # the project budget, in decimal megabytes
# A fixed timestamp makes two builds of the same sources byte-identical.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

_LAMBDA_ARN = re.compile(
    r"arn:aws(-[a-z]+)*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}"
    r"(:[A-Za-z0-9_$-]{1,128})?"
)
_HTTPS_URL = re.compile(r"https://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s]*)?")
_SKILL_ID = re.compile(r"amzn1\.ask\.skill\.[0-9a-f-]+")


class PackagingError(Exception):
    """A deployment artefact cannot be built; the message says what to do about it."""


# ---------------------------------------------------------------------------------------------
# ASK CLI project


def source_root(root: Path | None = None) -> Path:
    """The checkout that holds the models and the manifest, or a PackagingError saying so."""
    root = Path(root) if root is not None else REPO_ROOT
    missing = [
        str(root / part)
        for part in (MANIFEST_SOURCE, *(f"{MODELS_DIR}/{loc}.json" for loc in LOCALES))
        if not (root / part).is_file()
    ]
    if missing:
        raise PackagingError(
            "the skill manifest and interaction models are read from a source checkout of "
            "Mat Coach, and these files are missing: " + ", ".join(missing)
            + ". Run this command from a git clone installed with `pip install -e .`."
        )
    return root


def endpoint_object(endpoint: str, ssl_certificate_type: str = "Trusted") -> dict:
    """The manifest's endpoint for a Lambda ARN or an HTTPS URL (which needs a cert type)."""
    endpoint = endpoint.strip()
    if _LAMBDA_ARN.fullmatch(endpoint):
        return {"uri": endpoint}
    if _HTTPS_URL.fullmatch(endpoint):
        if ssl_certificate_type not in SSL_CERTIFICATE_TYPES:
            raise PackagingError(
                f"ssl certificate type must be one of {', '.join(SSL_CERTIFICATE_TYPES)}"
            )
        return {"uri": endpoint, "sslCertificateType": ssl_certificate_type}
    raise PackagingError(
        f"endpoint {endpoint!r} is neither a Lambda function ARN "
        "(arn:aws:lambda:REGION:ACCOUNT:function:NAME) nor an https:// URL"
    )


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise PackagingError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise PackagingError(f"{path} must hold a JSON object")
    return data


def build_manifest(
    endpoint: str | None, ssl_certificate_type: str = "Trusted", root: Path | None = None
) -> dict:
    """The manifest from the repository, with the skill and event endpoints filled in.

    Without an endpoint the placeholder stays, so the project can be inspected, but Alexa
    would refuse to deploy it; the command line warns about that.
    """
    manifest = _read_json(source_root(root) / MANIFEST_SOURCE)
    body = manifest.get("manifest")
    if not isinstance(body, dict):
        raise PackagingError(f"{MANIFEST_SOURCE} has no top-level `manifest` object")
    if endpoint is None:
        return manifest
    target = endpoint_object(endpoint, ssl_certificate_type)
    body.setdefault("apis", {}).setdefault("custom", {})["endpoint"] = dict(target)
    # SkillDisabled events go to the same code as the requests, so it can delete the record.
    if "events" in body:
        body["events"]["endpoint"] = dict(target)
    return manifest


def write_ask_project(
    out_dir: Path,
    endpoint: str | None = None,
    ssl_certificate_type: str = "Trusted",
    root: Path | None = None,
    skill_id: str | None = None,
) -> list[Path]:
    """Write an ASK CLI v2 project for `ask deploy --target skill-metadata`; return its files.

    Our files are overwritten on every run; anything else in `out_dir` is left alone, in
    particular `.ask/ask-states.json`, where the ASK CLI remembers the skill ID after the
    first deployment. An existing `ask-resources.json` is kept, since people extend it.

    `skill_id` records an existing skill (created in the developer console) in that states
    file, so `ask deploy` updates it instead of creating a second skill.
    """
    root = source_root(root)
    out_dir = Path(out_dir)
    if skill_id is not None and not _SKILL_ID.fullmatch(skill_id):
        raise PackagingError(f"{skill_id!r} is not an Alexa skill ID (amzn1.ask.skill.…)")
    manifest = build_manifest(endpoint, ssl_certificate_type, root)
    written: list[Path] = []
    if skill_id is not None:
        written.append(_record_skill_id(out_dir / ASK_STATES_FILE, skill_id))

    resources_file = out_dir / "ask-resources.json"
    if not resources_file.exists():
        written.append(_write_text(resources_file, json.dumps(ASK_RESOURCES, indent=2) + "\n"))

    package = out_dir / "skill-package"
    written.append(
        _write_text(package / "skill.json", json.dumps(manifest, indent=2, ensure_ascii=False)
                    + "\n")
    )
    for locale in LOCALES:
        source = root / MODELS_DIR / f"{locale}.json"
        _read_json(source)  # a broken model should fail here, not in the developer console
        target = package / "interactionModels" / "custom" / f"{locale}.json"
        written.append(_write_text(target, source.read_text("utf-8")))
    return written


def _record_skill_id(path: Path, skill_id: str) -> Path:
    """Set the default profile's skill ID in the ASK CLI states file, keeping the rest."""
    states: dict = {"askcliStatesVersion": "2020-03-31", "profiles": {}}
    if path.exists():
        states = _read_json(path)
    profile = states.setdefault("profiles", {}).setdefault("default", {})
    profile["skillId"] = skill_id
    return _write_text(path, json.dumps(states, indent=2) + "\n")


def _write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Lambda zip


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
