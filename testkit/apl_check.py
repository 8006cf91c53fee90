"""Amazon's APL validator (the `apl-suggester` npm package), run offline on what the skill sends.

`testkit/apl/` holds the package's pinned install (`package.json`, `package-lock.json`; the
README's test command installs it with `npm ci` where npm is on the machine) and `validate.js`,
which validates documents and data sources and answers with the findings as JSON.
`unavailable()` says why the validator cannot run here: only a machine without node is a reason
to skip; with node, a missing install is a failure that says how to install it (no test
downloads anything).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

APL_DIR = Path(__file__).parent / "apl"
RENDER_DOCUMENT = "Alexa.Presentation.APL.RenderDocument"
#: Alexa's limit on a whole response that carries APL (bytes).
MAX_APL_RESPONSE_BYTES = 120 * 1024


#: How the validator is installed (part of the README's test command, from the repository's root).
INSTALL = "npm ci --prefix testkit/apl --no-audit --no-fund"


def unavailable() -> str | None:
    """Why the validator cannot run on this machine (no node), or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed: the APL validator (apl-suggester) runs on node"
    return None


def validate(entries: list[dict]) -> dict[str, list[dict]]:
    """The validator's findings for each `{"name", "document", "datasources"}`, by name."""
    node = shutil.which("node")
    assert node is not None, unavailable()
    assert (APL_DIR / "node_modules" / "apl-suggester").is_dir(), (
        f"apl-suggester is not installed: run `{INSTALL}` (the README's test command does)")
    done = subprocess.run([node, str(APL_DIR / "validate.js")], input=json.dumps(entries),
                          capture_output=True, text=True, timeout=120, cwd=APL_DIR, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def screens_of(response: dict) -> list[dict]:
    """The RenderDocument directives of a response (none for a voice-only device)."""
    return [d for d in (response.get("response") or {}).get("directives") or []
            if d.get("type") == RENDER_DOCUMENT]


def screen_of(response: dict) -> dict:
    """The one RenderDocument directive a response carries."""
    (directive,) = screens_of(response)
    return directive


def screen_name(response: dict) -> str:
    """Which screen a response shows (its document's token, `mat-coach.<screen>`)."""
    return screen_of(response)["token"].removeprefix("mat-coach.")
