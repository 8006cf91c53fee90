"""The benchmarks keep running, and the cold-start wins they found stay won.

`python -m bench --quick` is run as a user would run it, so a refactoring that breaks a
benchmark (a renamed seam, a moved helper) fails here instead of on the day someone needs
the numbers. It builds no zip (the deploy tests do), so it stays within seconds.

The import check pins down what `bench/coldstart.py` measured: answering a new user's
LaunchRequest on Lambda must not import modules only other paths use. Each of these once
was imported there and together they made the cold start twice the bare SDK's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from testkit import envelopes
from testkit.latency import KINDS as LATENCY_KINDS
from testkit.traffic import BUDGETS

ROOT = Path(__file__).resolve().parent.parent

EXPECTED_ROWS = (
    "cold start, parent: spawn to exit",
    "cold start, child: imports + first answer",
    "cold start, child: imports only",
    "cold start, child, bare interpreter",
    "cold start, child, no .pyc",
    "cold start as deployed",  # skipped in a quick run (it builds zips), but listed
    *(f"warm {kind}, {stat}" for kind in ("launch", "explain", "safety", "help", "start")
      for stat in ("p50", "p99")),
    "endpoint req/s, verification off",
    "endpoint req/s, verification on",
    "verification, added cost per request",
    *(f"store reads/writes, {kind}" for kind in BUDGETS),
    "Lambda zip size",
)

#: Imported only by the paths that use them: API calls, time zones, spoken durations, logs.
NOT_ON_THE_LAUNCH_PATH = (
    "requests", "urllib3", "http.client", "xml.sax", "importlib.resources", "zoneinfo",
    "isodate", "hashlib", "ask_sdk_model.interfaces.connections", "flask", "cryptography",
    "boto3", "skill.web", "skill.store.dynamodb", "skill.domain.schedule", "skill.reminders",
    "concurrent.futures", "skill.fanout",  # calls made together: only requests that call
    "skill.handlers.flows.starting", "skill.handlers.flows.reminders",  # steps load when used
)


def test_quick_bench_runs_and_prints_every_row():
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"], capture_output=True, text=True, cwd=ROOT,
        timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table_rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    names = [line.split("|")[1].strip() for line in table_rows[2:]]
    missing = [row for row in EXPECTED_ROWS if not any(n.startswith(row) for n in names)]
    assert not missing, result.stdout
    assert len(names) == len(EXPECTED_ROWS), result.stdout
    assert "targets met:" in result.stdout


def test_quick_latency_bench_runs_and_prints_every_kind():
    result = subprocess.run(
        [sys.executable, "-m", "bench.latency", "--quick"], capture_output=True, text=True,
        cwd=ROOT, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split("|")[1].strip() for line in result.stdout.splitlines()
            if line.startswith("| ")]
    for kind in LATENCY_KINDS:
        assert rows.count(kind) == 2, (kind, result.stdout)  # zone known, and not yet
    assert "targets" in result.stdout


def test_new_user_launch_on_lambda_imports_nothing_it_does_not_use(tmp_path):
    code = (
        "import json, sys\n"
        "from skill.lambda_function import handler\n"
        "answer = handler(json.loads(sys.stdin.read()), None)\n"
        "assert answer['response']['outputSpeech']['ssml']\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    env_vars = {"MAT_COACH_STORE": f"sqlite://{tmp_path / 'launch.db'}",
                "MAT_COACH_SKILL_ID": envelopes.APP_ID}
    result = subprocess.run(
        [sys.executable, "-c", code], input=json.dumps(envelopes.launch()),
        capture_output=True, text=True, cwd=ROOT, check=False,
        env={**_clean_env(), **env_vars},
    )
    assert result.returncode == 0, result.stderr
    # The handler's own line (its EMF document) comes first; the module list last.
    request_line, modules_line = result.stdout.strip().splitlines()
    assert json.loads(request_line)["type"] == "LaunchRequest"
    modules = json.loads(modules_line)
    loaded = [name for name in NOT_ON_THE_LAUNCH_PATH
              if any(m == name or m.startswith(name + ".") for m in modules)]
    assert not loaded, f"imported on the cold-start path without being used: {loaded}"


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MAT_COACH_")}
