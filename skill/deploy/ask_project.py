"""An ASK CLI project for the skill's metadata (`mat-coach ask-project`).

The interaction models and the skill manifest are sources of this repository, not of the
installed package: they belong to the skill's configuration in the Alexa developer console,
which the running service never reads. `ask-project` therefore needs a source checkout and
finds it next to the `skill` package; a wheel install gets a clear message instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from skill.deploy import LOCALES, REPO_ROOT, PackagingError, read_json

MODELS_DIR = "interaction_models"
MANIFEST_SOURCE = "skill-package-src/skill.json"
ENDPOINT_PLACEHOLDER = "REPLACE_WITH_LAMBDA_ARN_OR_HTTPS_URL"
SSL_CERTIFICATE_TYPES = ("Trusted", "Wildcard", "SelfSigned")
ASK_STATES_FILE = ".ask/ask-states.json"
ASK_RESOURCES = {
    "askcliResourcesVersion": "2020-03-31",
    "profiles": {"default": {"skillMetadata": {"src": "./skill-package"}}},
}

_LAMBDA_ARN = re.compile(
    r"arn:aws(-[a-z]+)*:lambda:[a-z]{2}(-[a-z]+)+-\d:\d{12}:function:[A-Za-z0-9_-]{1,64}"
    r"(:[A-Za-z0-9_$-]{1,128})?"
)
_HTTPS_URL = re.compile(r"https://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s]*)?")
_SKILL_ID = re.compile(r"amzn1\.ask\.skill\.[0-9a-f-]+")




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


def build_manifest(
    endpoint: str | None, ssl_certificate_type: str = "Trusted", root: Path | None = None
) -> dict:
    """The manifest from the repository, with the skill and event endpoints filled in.

    Without an endpoint the placeholder stays, so the project can be inspected, but Alexa
    would refuse to deploy it; the command line warns about that.
    """
    manifest = read_json(source_root(root) / MANIFEST_SOURCE)
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
        read_json(source)  # a broken model should fail here, not in the developer console
        target = package / "interactionModels" / "custom" / f"{locale}.json"
        written.append(_write_text(target, source.read_text("utf-8")))
    return written


def _record_skill_id(path: Path, skill_id: str) -> Path:
    """Set the default profile's skill ID in the ASK CLI states file, keeping the rest."""
    states: dict = {"askcliStatesVersion": "2020-03-31", "profiles": {}}
    if path.exists():
        states = read_json(path)
    profile = states.setdefault("profiles", {}).setdefault("default", {})
    profile["skillId"] = skill_id
    return _write_text(path, json.dumps(states, indent=2) + "\n")


def _write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
