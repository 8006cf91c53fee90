"""Optional SnapStart: a restored copy shares nothing live with its siblings.

The template's side (a parameter, off by default; the trigger on a published alias) is
checked with the other template tests in tests/test_deploy.py. Here: the after-restore hook,
in process with a stand-in for the Lambda runtime's `snapshot_restore_py`, and the snapshot
init in a fresh process.
"""

from __future__ import annotations

import inspect
import random
import subprocess
import sys
import types
from pathlib import Path

import pytest

from skill import device_zone, lambda_function, snapstart
from skill.settings import Settings
from testkit import envelopes as env

ROOT = Path(__file__).resolve().parent.parent


class FakeRuntime:
    """`snapshot_restore_py` as the Lambda runtime provides it: hooks kept to be run later."""

    def __init__(self) -> None:
        self.after_restore: list = []
        self.module = types.ModuleType("snapshot_restore_py")
        self.module.register_after_restore = self.after_restore.append  # type: ignore[attr-defined]
        self.module.register_before_snapshot = lambda hook: None  # type: ignore[attr-defined]


def test_snapshot_init_is_read_from_lambda_s_variable() -> None:
    assert snapstart.snapshot_init({"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"})
    assert not snapstart.snapshot_init({"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"})
    assert not snapstart.snapshot_init({})


def test_without_the_runtime_module_nothing_is_registered(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails
    assert snapstart.register_after_restore(lambda: None) is False


def test_after_restore_reseeds_and_drops_connections_and_caches(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, api_endpoint: str
) -> None:
    runtime = FakeRuntime()
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime.module)
    handler = lambda_function.create_handler(settings, eager=True)
    assert len(runtime.after_restore) == 1  # registered while the snapshot is being taken
    assert "response" in handler(env.launch(api_endpoint=api_endpoint), None)

    skill = lambda_function_skill(handler)
    services = skill.services
    store_before = services.store
    skill.api_client._local.session = object()  # a pooled session made before the snapshot
    device_zone._cache["amzn1.ask.device.X"] = (float("inf"), None)  # an answer from before
    random.seed(1234)
    state_before = random.getstate()

    (hook,) = runtime.after_restore
    hook()

    assert random.getstate() != state_before
    assert getattr(skill.api_client._local, "session", None) is None
    assert not device_zone._cache
    assert services.store is not store_before  # opened again, on first use
    assert "response" in handler(env.launch(api_endpoint=api_endpoint), None)


def lambda_function_skill(handler) -> object:
    """The skill a handler built (held in its closure)."""
    (cell,) = [c for c in handler.__closure__ if isinstance(c.cell_contents, list)]
    return cell.cell_contents[0]


_SNAPSHOT_CHILD = """
import sys, types
hooks = []
sys.modules["snapshot_restore_py"] = types.SimpleNamespace(register_after_restore=hooks.append)
import skill.lambda_function as lf
built = [c.cell_contents for c in lf.handler.__closure__ if isinstance(c.cell_contents, list)]
print(len(hooks), built[0][0] is not None)
"""


@pytest.mark.parametrize(("init_type", "expected"), [("snap-start", "1 True"),
                                                     ("on-demand", "0 False")])
def test_the_snapshot_init_builds_the_skill_at_import(tmp_path: Path, init_type: str,
                                                      expected: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _SNAPSHOT_CHILD], capture_output=True, text=True, cwd=ROOT,
        timeout=60, check=False,
        env={"PATH": "", "AWS_LAMBDA_INITIALIZATION_TYPE": init_type,
             "MAT_COACH_STORE": f"sqlite://{tmp_path / 's.db'}",
             "MAT_COACH_SKILL_ID": env.APP_ID},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
    # The module reads the variable without importing skill.snapstart: same value.
    assert f'== "{snapstart.SNAPSHOT_INIT}"' in inspect.getsource(lambda_function)
