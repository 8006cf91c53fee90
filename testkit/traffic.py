"""Store traffic: a counting store, the design's per-request budgets, and one user's requests.

On DynamoDB every read and write is billed and takes a network round trip, so the design
promises (docs/design.md, "Lazy store") that explain, safety, help and stop never touch the store
and that any other request reads at most once and writes at most once. `CountingStore`
wraps the real store and counts; `tests/test_store_traffic.py` asserts the budgets and
`bench/traffic.py` reports them, both from this one definition, so a handler that starts
reading twice fails the suite, not just the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ask_sdk_core.skill import CustomSkill

from skill.dispatch import handle_envelope
from skill.store import Record, UserStore
from testkit import envelopes, reminder_requests


class CountingStore(UserStore):
    """Delegates to a real store and counts the calls that reach it.

    `update` is inherited from `UserStore`, so its read and conditional write go through
    `load` and `save_if_version` here and are counted like any other.
    """

    def __init__(self, inner: UserStore) -> None:
        self.inner = inner
        self.reads = 0
        self.writes = 0
        self.leases = 0
        #: Leases taken by each kind of request in the last `count_traffic` pass.
        self.leases_by_kind: dict[str, int] = {}

    def reset(self) -> None:
        """Start counting the next request from zero."""
        self.reads = 0
        self.writes = 0
        self.leases = 0

    def load(self, user_id: str) -> Record:
        self.reads += 1
        return self.inner.load(user_id)

    def save_if_version(self, user_id: str, attributes: dict, version: int) -> bool:
        self.writes += 1
        return self.inner.save_if_version(user_id, attributes, version)

    def delete(self, user_id: str) -> None:
        self.writes += 1
        self.inner.delete(user_id)

    def delete_if_version(self, user_id: str, version: int) -> bool:
        self.writes += 1
        return self.inner.delete_if_version(user_id, version)

    def acquire_lease(self, user_id: str, owner: str, until: float, now: float) -> bool:
        self.leases += 1
        return self.inner.acquire_lease(user_id, owner, until, now)

    def release_lease(self, user_id: str, owner: str) -> None:
        self.inner.release_lease(user_id, owner)

    def close(self) -> None:
        self.inner.close()


@dataclass(frozen=True)
class Budget:
    """At most this many reads and writes for one request of a kind."""

    reads: int
    writes: int


#: The promises: answers from the catalogue alone touch nothing; the rest read and write once.
BUDGETS: dict[str, Budget] = {
    "explain": Budget(0, 0),
    "safety": Budget(0, 0),
    "help": Budget(0, 0),
    "stop": Budget(0, 0),
    "launch": Budget(1, 1),
    "start": Budget(1, 1),
    "time left": Budget(1, 1),
    "pause": Budget(1, 1),
    "resume": Budget(1, 1),
    "start while running": Budget(1, 1),
    "yes (restart)": Budget(1, 1),
    "end": Budget(1, 1),
    "goal": Budget(1, 1),
    "progress": Budget(1, 1),
    "reminder set": Budget(1, 1),
    "reminder consent": Budget(1, 1),
    "reminders list": Budget(1, 1),
    "reminders stop": Budget(1, 1),
    "skill disabled": Budget(1, 1),
}


def script(user_id: str, **envelope_kwargs: object) -> list[tuple[str, dict]]:
    """One user's requests, in an order where each does its real work.

    The catalogue-only kinds come first, for a user with no record; then a session is
    started, read, paused, resumed, offered a restart, restarted and ended, a goal is set and
    progress read, a weekly reminder is set, set again on the answer to the permission
    question, listed and stopped, and last the user disables the skill.
    """
    def intent(name: str, slots: dict | None = None, **kwargs: object) -> dict:
        return envelopes.intent(name, slots, user_id=user_id, **envelope_kwargs, **kwargs)

    restart = {"offer": {"action": "restart", "minutes": 15}}  # what "start while running" set
    return [
        ("explain", intent("ExplainMatIntent", {
            "topic": envelopes.slot("topic", "how does it work", resolved_id="HOW_IT_WORKS")})),
        ("safety", intent("CheckSafetyIntent", {
            "condition": envelopes.slot("condition", "pregnant", resolved_id="PREGNANCY")})),
        ("help", intent("AMAZON.HelpIntent")),
        ("stop", intent("AMAZON.StopIntent")),
        ("launch", envelopes.launch(user_id=user_id, **envelope_kwargs)),
        ("start", intent("StartSessionIntent", {"duration": "PT20M"})),
        ("time left", intent("TimeLeftIntent")),
        ("pause", intent("AMAZON.PauseIntent")),
        ("resume", intent("AMAZON.ResumeIntent")),
        ("start while running", intent("StartSessionIntent", {"duration": "PT15M"})),
        ("yes (restart)", intent("AMAZON.YesIntent", session_attributes=restart,
                                 new_session=False)),
        ("end", intent("EndSessionIntent")),
        ("goal", intent("SetGoalIntent", {"count": "4"})),
        ("progress", intent("ProgressIntent")),
        ("reminder set", reminder_requests.set_reminder(
            reminder_requests.days_slot("MONDAY", "THURSDAY"), "19:00", user_id=user_id,
            **envelope_kwargs)),
        ("reminder consent", reminder_requests.reminders_consent(
            "ACCEPTED", "reminders:TU,FR@08:30", user_id=user_id, **envelope_kwargs)),
        ("reminders list", intent("ListRemindersIntent")),
        ("reminders stop", intent("StopRemindersIntent")),
        ("skill disabled", envelopes.skill_event("SkillDisabled", user_id=user_id,
                                                 **envelope_kwargs)),
    ]


Check = Callable[[str, dict], None]


def count_traffic(
    skill: CustomSkill, store: CountingStore, user_id: str, *, check: Check | None = None,
    **envelope_kwargs: object,
) -> dict[str, tuple[int, int]]:
    """(reads, writes) per kind for one pass of `script` through `skill`.

    `check(kind, answer)` may inspect each answer: counts of an error reply prove nothing.
    """
    counts = {}
    for kind, envelope in script(user_id, **envelope_kwargs):
        store.reset()
        answer = handle_envelope(skill, envelope)
        if check is not None:
            check(kind, answer)
        counts[kind] = (store.reads, store.writes)
        store.leases_by_kind[kind] = store.leases
    return counts
