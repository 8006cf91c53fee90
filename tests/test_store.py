"""One store contract, run against SQLite and against DynamoDB served by moto over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC

import pytest

from skill.domain.routine import (
    Routine,
    SessionEntry,
    end_session,
    record_session,
    start_session,
)
from skill.store import ConflictError, Record, UserStore, open_store
from skill.store.base import BusyError
from skill.store.sqlite import SqliteStore
from testkit.moto import create_table, dynamodb_resource


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request, tmp_path) -> Iterator[UserStore]:
    if request.param == "sqlite":
        built: UserStore = open_store(f"sqlite://{tmp_path / 'store.db'}")
    else:
        from skill.store.dynamodb import DynamoStore

        url = request.getfixturevalue("moto_url")
        built = DynamoStore(create_table(url), resource=dynamodb_resource(url))
    yield built
    built.close()


def test_missing_user_is_empty_at_version_zero(store):
    assert store.load("nobody") == Record({}, 0)


def test_write_read_roundtrip_keeps_integers(store):
    routine = start_session(Routine(), "timer-0", 20, now=1_700_000_000)
    routine = end_session(routine, 1_700_000_000 + 600, UTC)[0]  # ten minutes, into history
    routine = start_session(routine, "timer-1", 20, now=1_700_003_600)
    saved = store.update("u1", lambda _old: routine.to_attributes())
    loaded = store.load("u1")
    assert loaded.attributes == routine.to_attributes() == saved.attributes
    assert isinstance(loaded.attributes["history"][0]["m"], int)
    assert loaded.version == saved.version == 1
    assert Routine.from_attributes(loaded.attributes) == routine


def test_stale_version_is_refused(store):
    store.update("u1", lambda _old: {"goal": 3})
    assert store.save_if_version("u1", {"goal": 4}, version=0) is False
    assert store.save_if_version("u1", {"goal": 5}, version=7) is False
    assert store.save_if_version("u1", {"goal": 6}, version=1) is True
    assert store.load("u1") == Record({"goal": 6}, 2)


def test_update_reapplies_change_after_a_lost_race(store):
    first = store.load("u1")
    store.update("u1", lambda old: {**old, "a": 1})  # another request wins
    result = store.update("u1", lambda old: {**old, "b": 2}, first=first)
    assert result.attributes == {"a": 1, "b": 2}
    assert store.load("u1").attributes == {"a": 1, "b": 2}


def test_delete_forgets_the_user_only(store):
    store.update("u1", lambda _old: {"goal": 3})
    store.update("u2", lambda _old: {"goal": 4})
    store.delete("u1")
    assert store.load("u1") == Record({}, 0)
    assert store.load("u2").attributes == {"goal": 4}


def test_delete_if_version_only_deletes_what_was_read(store):
    store.update("u1", lambda _old: {"goal": 3})
    read = store.load("u1")
    store.update("u1", lambda _old: {"goal": 4})  # written after the read
    assert store.delete_if_version("u1", read.version) is False
    assert store.load("u1").attributes == {"goal": 4}
    assert store.delete_if_version("u1", read.version + 1) is True
    assert store.load("u1") == Record({}, 0)
    assert store.delete_if_version("u1", 1) is False  # nothing left to delete


def test_ask_sdk_adapter_interface(store):
    import json

    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    from skill.dispatch import handle_envelope  # noqa: F401 - proves import order is safe
    from testkit.envelopes import USER_ID, launch

    envelope = DefaultSerializer().deserialize(json.dumps(launch()), RequestEnvelope)
    store.save_attributes(envelope, {"goal": 5})
    assert store.get_attributes(envelope) == {"goal": 5}
    assert store.load(USER_ID).attributes == {"goal": 5}
    store.delete_attributes(envelope)
    assert store.get_attributes(envelope) == {}


def test_a_lease_is_held_by_one_owner_until_released_or_run_out(store):
    assert store.acquire_lease("u", "first", until=100.0, now=10.0)
    assert not store.acquire_lease("u", "second", until=100.0, now=50.0)  # held
    assert store.acquire_lease("v", "second", until=100.0, now=50.0)  # another user's is free
    store.release_lease("u", "second")  # not the holder's: nothing happens
    assert not store.acquire_lease("u", "second", until=200.0, now=60.0)
    store.release_lease("u", "first")
    assert store.acquire_lease("u", "second", until=200.0, now=60.0)
    # A holder that died: its lease runs out, and the next request takes it over.
    assert store.acquire_lease("u", "third", until=300.0, now=200.0)
    assert store.load("u") == Record({}, 0)  # leases never touch the record or its version


def test_a_lease_held_too_long_is_a_busy_store(store):
    with store.lease("u"), pytest.raises(BusyError), store.lease("u", wait=0.05):
        pass
    with store.lease("u", wait=0.05):  # released on the way out
        pass


def test_leases_serialise_threads_of_one_user(tmp_path):
    """Forty read-modify-write cycles that do not use compare-and-set, each under the lease:
    none is lost, because no two of them ever overlap."""
    store = SqliteStore(str(tmp_path / "lease.db"))
    inside: list[int] = []
    overlaps: list[int] = []

    def work() -> None:
        for _ in range(5):
            with store.lease("u"):
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(len(inside))
                record = store.load("u")
                count = record.attributes.get("n", 0)
                store.save_if_version("u", {"n": count + 1}, record.version)
                inside.pop()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not overlaps
    assert store.load("u").attributes == {"n": 40}
    store.close()


def test_twenty_threads_recording_sessions_lose_none(tmp_path):
    store = SqliteStore(str(tmp_path / "race.db"))
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def record(n: int) -> None:
        try:
            first = store.load("same-user")
            barrier.wait()
            store.update(
                "same-user",
                lambda attrs: record_session(
                    Routine.from_attributes(attrs), SessionEntry(1_700_000_000 + n, 20),
                    1_700_000_000 + n, UTC,
                ).to_attributes(),
                first=first,
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    routine = Routine.from_attributes(store.load("same-user").attributes)
    assert len(routine.history) == 20
    assert sorted(e.started for e in routine.history) == [1_700_000_000 + n for n in range(20)]
    assert store.load("same-user").version == 20


def test_conflict_error_when_the_race_never_ends(tmp_path, monkeypatch):
    from skill.store import base

    monkeypatch.setattr(base, "MAX_UPDATE_ATTEMPTS", 3)
    store = SqliteStore(str(tmp_path / "busy.db"))
    # The generic retry (what DynamoDB uses); SQLite's locked path cannot lose a race.
    monkeypatch.setattr(SqliteStore, "update_contended", UserStore.update_contended)

    def change(attrs: dict) -> dict:
        # Every attempt, another writer gets in first.
        current = store.load("u")
        store.save_if_version("u", {"n": current.attributes.get("n", 0) + 1}, current.version)
        return {"mine": True}

    with pytest.raises(ConflictError):
        store.update("u", change)


def test_store_urls():
    assert isinstance(open_store("sqlite:///tmp/x-mat-coach-test.db"), SqliteStore)
    for bad in ("sqlite://", "dynamodb://", "redis://x", "nonsense"):
        with pytest.raises(ValueError):
            open_store(bad)


def test_lambda_handler_runs_on_dynamodb_store(moto_url, monkeypatch, dynamodb_env, api_endpoint,
                                               timers_fake, ca_bundle):
    """The deployed shape: Lambda handler, `dynamodb://Table`, boto3 finding its endpoint.

    Its point is the environment AWS gives the function, so it is read from there.
    """
    from skill import lambda_function
    from testkit import envelopes as env

    table = create_table(moto_url)
    monkeypatch.setenv("MAT_COACH_STORE", f"dynamodb://{table}")
    monkeypatch.setenv("MAT_COACH_CA_BUNDLE", ca_bundle)
    monkeypatch.setenv("MAT_COACH_SKILL_ID", env.APP_ID)  # template.yaml always sets it
    dynamodb_env(moto_url)
    handler = lambda_function.create_handler()  # from the environment, as on AWS
    answer = handler(env.intent(
        "StartSessionIntent", {"duration": "PT20M"}, api_endpoint=api_endpoint), None)
    assert answer["response"]["shouldEndSession"] is True
    item = dynamodb_resource(moto_url).Table(table).get_item(Key={"id": env.USER_ID})["Item"]
    assert int(item["attributes"]["active"]["m"]) == 20
    assert int(item["version"]) == 1
    handler(env.skill_event("SkillDisabled"), None)
    assert "Item" not in dynamodb_resource(moto_url).Table(table).get_item(
        Key={"id": env.USER_ID})
