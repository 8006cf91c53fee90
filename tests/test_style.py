"""The code base stays ruff-clean, and the Lambda path stays free of web and crypto imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_lambda_path_imports_no_flask_crypto_or_boto3():
    code = (
        "import json, sys\n"
        "import skill.lambda_function\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'werkzeug', 'cryptography', 'boto3', 'botocore', 'skill'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    modules = json.loads(result.stdout)
    assert "skill.lambda_function" in modules
    assert not [m for m in modules if m.split(".")[0] in
                ("flask", "werkzeug", "cryptography", "boto3", "botocore")]
    assert "skill.web" not in modules and "skill.store.dynamodb" not in modules
