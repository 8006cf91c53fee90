"""Store traffic: how many reads and writes each kind of request costs.

The counting store, the budgets and the requests come from `testkit.traffic`, the same ones
`tests/test_store_traffic.py` asserts; this module turns the counts into report rows.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ask_sdk_model.services import ApiClient

from bench.common import Row, bench_skill
from skill.store.sqlite import SqliteStore
from testkit.traffic import BUDGETS, CountingStore, count_traffic

SILENT = ("skill disabled",)  # skill events carry no speech


def _speech_check(kind: str, answer: dict) -> None:
    speech = answer.get("response", {}).get("outputSpeech", {}).get("ssml", "")
    if (not speech and kind not in SILENT) or "sorry" in speech.lower():
        raise RuntimeError(f"{kind}: unexpected answer {speech!r}")


def measure(api: ApiClient | None = None) -> tuple[list[Row], list[str]]:
    """One row per kind: reads/writes against its budget (the anchor has no store)."""
    with tempfile.TemporaryDirectory(prefix="mat-coach-bench-") as tmp:
        path = Path(tmp) / "traffic.db"
        store = CountingStore(SqliteStore(str(path)))
        skill = bench_skill(path, store=store, api=api)
        counts = count_traffic(skill, store, "amzn1.ask.account.BENCH-TRAFFIC",
                               check=_speech_check)
        store.close()
    rows = []
    for kind, (reads, writes) in counts.items():
        budget = BUDGETS[kind]
        target = f"{budget.reads}/{budget.writes}" if not budget.reads else (
            f"<={budget.reads}/<={budget.writes}")
        rows.append(Row(
            f"store reads/writes, {kind}", f"{reads}/{writes}", target,
            met=reads <= budget.reads and writes <= budget.writes,
        ))
    return rows, []
