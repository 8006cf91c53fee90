"""Cold start: a fresh Python process answers one LaunchRequest through the Lambda handler.

This is what a user waits for when Lambda starts a new container (plus the platform's own
start-up, which neither skill can change). Two clocks, both medians over interleaved runs:

* parent: from spawning `python -c ...` to its exit - interpreter start-up included;
* child: inside the process, from its first statement to the first answer - imports, skill
  construction, the store opening (LaunchRequest reads the user's record) and dispatch.

The anchor's fresh process does the same with `bench.anchor.handler`. Anchor and Mat Coach
runs alternate, so a burst of load on the machine hits both alike. One run of each is
discarded first: it creates the SQLite file and warms the OS file cache.

Bytecode is controlled, not inherited: with `PYTHONDONTWRITEBYTECODE` set (as in many dev
shells and CI images) the repository's own modules would be compiled on every run while the
installed SDK's came precompiled, which charges Mat Coach for the compiler. The children get
their own `PYTHONPYCACHEPREFIX` in a temp directory:

* "bytecode cached" (the target rows): the discarded first run writes every .pyc there, so
  both skills import from bytecode, as from any installed package or container image;
* "no bytecode" (context rows): an empty prefix and no writing, so every module is compiled
  on every start - both skills' - which is what a Lambda zip without .pyc files costs.

The Lambda runtime is modelled too: AWS's bootstrap (awslambdaric/bootstrap.py) has already
imported json, logging and traceback when it imports the handler module, so the target rows
start both children the same way. A context row shows the bare interpreter without them,
where Mat Coach alone is charged for `logging`, which the anchor never imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, Row, median, ms, ratio
from testkit import envelopes

TARGET_RATIO = 1.25

# The child's clock starts before its first import; it prints one JSON line and nothing else.
_CHILD = """\
import time
_t0 = time.perf_counter()
{preamble}
import json, sys
event = json.loads(sys.stdin.read())
from {module} import handler
_t1 = time.perf_counter()
answer = handler(event, None)
_t2 = time.perf_counter()
speech = answer["response"]["outputSpeech"]["ssml"]
print(json.dumps({{"import": _t1 - _t0, "total": _t2 - _t0, "speech": speech,
                  "modules": sorted(sys.modules)}}))
"""

#: What the AWS Lambda Python runtime has imported before it imports the handler's module.
LAMBDA_RUNTIME_PREAMBLE = "import json, logging, traceback"

SKILL_MODULE = "skill.lambda_function"
ANCHOR_MODULE = "bench.anchor"


@dataclass(frozen=True)
class Run:
    """One fresh process: wall time seen by the parent, import and total time inside."""

    wall: float
    imports: float
    total: float
    modules: frozenset[str]


def _child_env(store_url: str, pycache: Path, *, write_bytecode: bool) -> dict[str, str]:
    env = dict(os.environ)
    env["MAT_COACH_STORE"] = store_url
    env["MAT_COACH_SKILL_ID"] = envelopes.APP_ID  # required, and the envelope's applicationId
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    if write_bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_once(module: str, event: dict, env: dict[str, str], *, runtime: bool = True,
             python: str = sys.executable, cwd: Path = ROOT, extra: str = "") -> Run:
    """Spawn one process of `python` (in `cwd`) that answers `event` through `module.handler`;
    `extra` is code the child runs before importing it (on the child's clock)."""
    preamble = LAMBDA_RUNTIME_PREAMBLE if runtime else ""
    code = _CHILD.format(module=module, preamble="\n".join(filter(None, (preamble, extra))))
    start = time.perf_counter()
    result = subprocess.run(
        [python, "-c", code], input=json.dumps(event), capture_output=True,
        text=True, cwd=cwd, env=env, check=False,
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"cold start of {module} failed:\n{result.stderr[-2000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    if not data["speech"]:
        raise RuntimeError(f"{module} answered without speech")
    return Run(wall, data["import"], data["total"], frozenset(data["modules"]))


def _series(
    event: dict, env: dict[str, str], runs: int, *, runtime: bool = True
) -> tuple[list[Run], list[Run]]:
    """Interleaved runs after one discarded run of each."""
    run_once(SKILL_MODULE, event, env, runtime=runtime)
    run_once(ANCHOR_MODULE, event, env, runtime=runtime)
    skill_runs: list[Run] = []
    anchor_runs: list[Run] = []
    for _ in range(runs):
        skill_runs.append(run_once(SKILL_MODULE, event, env, runtime=runtime))
        anchor_runs.append(run_once(ANCHOR_MODULE, event, env, runtime=runtime))
    return skill_runs, anchor_runs


def _medians(skill_runs: list[Run], anchor_runs: list[Run], attr: str) -> tuple[float, float]:
    return (median([getattr(r, attr) for r in skill_runs]),
            median([getattr(r, attr) for r in anchor_runs]))


def measure(runs: int, context_runs: int) -> tuple[list[Row], list[str]]:
    """Rows for parent and child medians, plus notes on what Mat Coach imports beyond the SDK.

    `context_runs` sizes the two context series (bare interpreter, no bytecode).
    """
    # A new user (no record): launch reads the store but calls no Alexa API, so the closed
    # loopback port in the envelope's apiEndpoint is never dialled.
    event = envelopes.launch(user_id="amzn1.ask.account.COLDSTART")
    with tempfile.TemporaryDirectory(prefix="mat-coach-bench-") as tmp:
        store_url = f"sqlite://{Path(tmp) / 'coldstart.db'}"
        cached = _child_env(store_url, Path(tmp) / "pycache", write_bytecode=True)
        skill_runs, anchor_runs = _series(event, cached, runs)
        plain_skill, plain_anchor = _series(event, cached, context_runs, runtime=False)
        bare = _child_env(store_url, Path(tmp) / "no-pycache", write_bytecode=False)
        bare_skill, bare_anchor = _series(event, bare, context_runs)

    rows = []
    for label, attr in (("parent: spawn to exit", "wall"),
                        ("child: imports + first answer", "total")):
        ours, theirs = _medians(skill_runs, anchor_runs, attr)
        rows.append(Row(
            f"cold start, {label} (median of {runs})", ms(ours), f"<= {TARGET_RATIO}x anchor",
            ms(theirs), ratio(ours, theirs), ours <= TARGET_RATIO * theirs,
        ))
    ours, theirs = _medians(skill_runs, anchor_runs, "imports")
    rows.append(Row("cold start, child: imports only", ms(ours), anchor=ms(theirs),
                    ratio=ratio(ours, theirs)))
    for label, series in (
        ("cold start, child, bare interpreter (no runtime imports)", (plain_skill, plain_anchor)),
        ("cold start, child, no .pyc (every module compiled)", (bare_skill, bare_anchor)),
    ):
        ours, theirs = _medians(*series, "total")
        rows.append(Row(f"{label} (median of {context_runs})", ms(ours), anchor=ms(theirs),
                        ratio=ratio(ours, theirs)))

    extra = skill_runs[0].modules - anchor_runs[0].modules
    top = sorted({name.split(".")[0] for name in extra})
    forbidden = sorted(
        name for name in extra if name.split(".")[0] in ("flask", "werkzeug", "cryptography",
                                                          "boto3", "botocore")
    )
    notes = [
        f"cold start: Mat Coach loads {len(extra)} modules the anchor does not; "
        f"top-level packages: {', '.join(top)}",
        "cold start: flask/werkzeug/cryptography/boto3 on the Lambda path: "
        + (", ".join(forbidden) if forbidden else "none"),
    ]
    return rows, notes
