"""Bytecode in the Lambda zip: compiled by the runtime's Python (3.13), hash-based, /var/task paths.

Tests that need a Python 3.13 skip with the reason when none is found (`python3.13` on PATH,
or `MAT_COACH_PYTHON313`); the ones about building without it run everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from skill import cli
from skill.deploy import PackagingError
from skill.deploy import lambda_zip as zip_builder
from testkit import envelopes as env
from testkit.lambda_runtime import MISSING, runtime_python

PYC_TAG = "cpython-" + zip_builder.LAMBDA_PYTHON.replace(".", "")
needs_313 = pytest.mark.skipif(runtime_python() is None, reason=MISSING)
#: What a pyenv shim for an installed but unselected version does when run.
SHIM = "#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n"


@pytest.fixture(scope="module")
def compiled_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    python = runtime_python()
    if python is None:
        pytest.skip(MISSING)
    out = tmp_path_factory.mktemp("bytecode") / "mat-coach-lambda.zip"
    assert cli.main(["lambda-zip", str(out), "--python", python]) == 0
    return out


def _names(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as zf:
        return zf.namelist()


@needs_313
def test_every_module_ships_its_313_bytecode(compiled_zip: Path) -> None:
    names = set(_names(compiled_zip))
    sources = [n for n in names if n.endswith(".py")]
    assert len(sources) > 100
    missing = []
    for source in sources:
        folder, _, filename = source.rpartition("/")
        pyc = f"{folder}/__pycache__/{filename[:-3]}.{PYC_TAG}.pyc".lstrip("/")
        if pyc not in names:
            missing.append(source)
    assert missing == []
    stray = [n for n in names if n.endswith(".pyc") and f".{PYC_TAG}." not in n]
    assert stray == []  # only the runtime's version: other bytecode would be dead weight
    assert compiled_zip.stat().st_size < zip_builder.MAX_ZIP_BYTES


_INSPECT = """
import marshal, sys
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    flags = int.from_bytes(data[4:8], "little")
    print(flags, marshal.loads(data[16:]).co_filename)
"""


@needs_313
def test_bytecode_is_unchecked_hash_with_var_task_paths(compiled_zip: Path,
                                                        tmp_path: Path) -> None:
    with zipfile.ZipFile(compiled_zip) as zf:
        zf.extractall(tmp_path)
    modules = ["skill/lambda_function.py", "skill/settings.py", "ask_sdk_core/skill.py"]
    pycs = [str(tmp_path / Path(m).parent / "__pycache__" / f"{Path(m).stem}.{PYC_TAG}.pyc")
            for m in modules]
    result = subprocess.run([runtime_python(), "-I", "-c", _INSPECT, *pycs],
                            capture_output=True, text=True, timeout=60, check=True)
    lines = [line.split(" ", 1) for line in result.stdout.splitlines()]
    # PEP 552 flags: bit 0 hash-based, bit 1 check_source; 0b01 is unchecked-hash.
    assert [flags for flags, _ in lines] == ["1"] * len(modules)
    assert [name for _, name in lines] == [f"/var/task/{m}" for m in modules]


@needs_313
def test_read_only_zip_imports_from_its_bytecode(compiled_zip: Path, tmp_path: Path) -> None:
    """Run as deployed (read-only, bytecode writing off): the shipped bytecode is what runs.

    A source changed after the build is not read again (unchecked-hash bytecode), so a line
    that would refuse to import proves the module came from its .pyc; and nothing is written.
    """
    task = tmp_path / "task"
    with zipfile.ZipFile(compiled_zip) as zf:
        zf.extractall(task)
    settings_source = task / "skill" / "settings.py"
    settings_source.write_text(settings_source.read_text() + "\nraise ImportError('source')\n")
    before = sorted(task.rglob("*.pyc"))
    for path in [task, *task.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    environ = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(task),
               "PYTHONDONTWRITEBYTECODE": "1", "MAT_COACH_STORE": f"sqlite:///{tmp_path}/x.db",
               "MAT_COACH_SKILL_ID": env.APP_ID}
    try:
        result = subprocess.run(
            [runtime_python(), "-s", "-c",
             "import json, sys; from skill.lambda_function import handler; "
             "print(json.dumps(handler(json.load(sys.stdin), None)))"],
            input=json.dumps(env.launch()), capture_output=True, text=True, timeout=120,
            env=environ, cwd=tmp_path, check=False,
        )
    finally:
        for path in [task, *task.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)
    assert result.returncode == 0, result.stderr
    request_line, answer = result.stdout.strip().splitlines()  # the handler's EMF line first
    assert json.loads(request_line)["outcome"] == "asked"
    assert "response" in json.loads(answer)
    assert sorted(task.rglob("*.pyc")) == before


def test_without_a_runtime_python_the_zip_has_no_bytecode_and_says_what_it_costs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no python3.13 to be found
    out = tmp_path / "plain.zip"
    assert cli.main(["lambda-zip", str(out)]) == 0
    assert not [n for n in _names(out) if n.endswith(".pyc") or "__pycache__" in n]
    err = capsys.readouterr().err
    assert "no Python 3.13 found" in err and "compiles each imported module" in err


def test_a_python_of_another_version_is_refused(tmp_path: Path, capsys) -> None:
    if sys.version_info[:2] == (3, 13):
        pytest.skip("this interpreter is the runtime's version")
    assert cli.main(["lambda-zip", str(tmp_path / "x.zip"), "--python", sys.executable]) == 2
    err = capsys.readouterr().err
    assert f"is Python {sys.version_info[0]}.{sys.version_info[1]}" in err
    assert not (tmp_path / "x.zip").exists()


def test_a_python_that_does_not_run_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "python3.13"
    fake.write_text(SHIM)
    fake.chmod(0o755)
    with pytest.raises(PackagingError, match="does not run"):
        zip_builder.find_runtime_python(str(fake))


def test_a_shim_on_path_that_fails_is_passed_over(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A version manager's shim for a version that is installed but not selected is found on
    PATH and then fails: the build must not take it for a runtime Python."""
    fake = tmp_path / "python3.13"
    fake.write_text(SHIM)
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert zip_builder.interpreter_version(str(fake)) is None
    assert zip_builder.find_runtime_python() is None
