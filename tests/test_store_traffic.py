"""Store traffic per request kind stays within the design's promise (docs/design.md, "Lazy store").

Explain, safety, help and stop never touch the store; every other kind reads at most once and
writes at most once (reads alone where there is nothing to change). Counted by
`testkit.traffic.CountingStore` around a real SQLite store, with the product's own Alexa API
client talking to the loopback Timers fake, so the timers below are really created, paused,
resumed and deleted.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ask_sdk_core.skill import CustomSkill

from skill.builder import build_skill
from skill.settings import Settings
from skill.store.sqlite import SqliteStore
from testkit.alexa_apis import TimersFake
from testkit.checks import check_response, speech_of
from testkit.traffic import BUDGETS, CountingStore, count_traffic

USER = "amzn1.ask.account.TRAFFIC"


@pytest.fixture
def counted(settings: Settings, tmp_path) -> Iterator[tuple[CustomSkill, CountingStore]]:
    store = CountingStore(SqliteStore(str(tmp_path / "traffic.db")))
    yield build_skill(settings, store=store), store
    store.close()


def _no_apology(kind: str, answer: dict) -> None:
    speech = speech_of(check_response(answer))
    assert "sorry" not in speech.lower(), f"{kind}: {speech}"


def test_every_kind_stays_within_its_store_budget(counted, api_endpoint, timers_fake: TimersFake):
    skill, store = counted
    counts = count_traffic(skill, store, USER, check=_no_apology, api_endpoint=api_endpoint)

    assert set(counts) == set(BUDGETS)
    over = {
        kind: counts[kind] for kind, budget in BUDGETS.items()
        if counts[kind][0] > budget.reads or counts[kind][1] > budget.writes
    }
    assert not over, f"over budget (reads, writes): {over}"
    # Not vacuous: the kinds that must change the record did, once, and the timers came and went.
    for kind in ("start", "pause", "resume", "yes (restart)", "end", "goal", "skill disabled"):
        assert counts[kind] == (1, 1), kind
    for kind in ("launch", "time left", "start while running", "progress"):
        assert counts[kind] == (1, 0), kind  # they read, and have nothing to change
    # A reminder set, replaced after consent and stopped writes once each; a list only reads.
    for kind in ("reminder set", "reminder consent", "reminders stop"):
        assert counts[kind] == (1, 1), kind
    assert counts["reminders list"] == (1, 0)
    # Requests that may act on Alexa's timers or reminders run one at a time per user: each
    # takes the user's lease once; answers from the catalogue, the launch and progress none.
    acting = {"start", "time left", "pause", "resume", "start while running", "yes (restart)",
              "end", "goal", "reminder set", "reminder consent", "reminders list",
              "reminders stop"}
    assert store.leases_by_kind == {kind: int(kind in acting) for kind in BUDGETS}
    reminders = timers_fake.reminders
    assert reminders.paths("POST") == ["/v1/alerts/reminders"] * 2
    assert len(reminders.paths("DELETE")) == 2 and reminders.reminders_of(USER) == []
    # Each session: its end timer and three check-ins, paused, resumed and cancelled together.
    posts = timers_fake.paths("POST")
    assert len(timers_fake.created()) == 2 and len(timers_fake.created(hidden=True)) == 6
    assert posts[0] == posts[-1] == "/v1/alerts/timers" and len(posts) == 16  # + 4 pause, 4 resume
    assert len(timers_fake.paths("DELETE")) == 8  # the restart's old timers, then the end's
    # One list call for each request that acts on timers, never more.
    assert timers_fake.paths("GET").count("/v1/alerts/timers") == 7

