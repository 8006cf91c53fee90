"""Who may import whom: `tests/` and `bench/` share `testkit/` and never import each other.

A benchmark that imports a test module breaks when the test file moves; a test that imports a
benchmark's internals makes the suite depend on how a report is computed. Both once happened
here, so the rule is read from the source itself (with `ast`, nothing is imported):

* nothing in `bench/` imports `tests`;
* nothing in `tests/` imports `bench`, except the tests whose subject *is* a benchmark
  program (`BENCH_SUBJECT_TESTS`, each of which must really import it);
* nothing in `testkit/` imports `tests` or `bench`;
* nothing in `skill/` imports `testkit`, `tests` or `bench`: the product ships alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Tests that exercise a benchmark as the program under test (the load run's own result, the
#: slow-client attack's).
BENCH_SUBJECT_TESTS = {"tests/test_load.py", "tests/test_slow_clients.py",
                       "tests/test_alexa_nlu.py"}

FORBIDDEN: dict[str, set[str]] = {
    "bench": {"tests"},
    "tests": {"bench"},
    "testkit": {"tests", "bench"},
    "skill": {"testkit", "tests", "bench"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module of this checkout imports."""
    return imports_in(path.read_text(encoding="utf-8"), path.relative_to(ROOT).parts[0])


def imports_in(source: str, package: str) -> set[str]:
    """Top-level packages `source` (a module of `package`) imports, at any depth."""
    tree = ast.parse(source)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: stays inside the module's own package
                found.add(package)
            elif node.module:
                found.add(node.module.split(".")[0])
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def violations(package: str) -> list[str]:
    found = []
    for path in modules(package):
        name = path.relative_to(ROOT).as_posix()
        bad = imported_packages(path) & FORBIDDEN[package]
        if name in BENCH_SUBJECT_TESTS:
            bad -= {"bench"}
        found += [f"{name} imports {target}" for target in sorted(bad)]
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_forbidden_imports(package: str) -> None:
    assert modules(package), f"no modules found under {package}/"
    assert violations(package) == []


def test_bench_subject_tests_really_test_the_bench() -> None:
    """The exception list may not outlive its reason: each entry imports `bench`."""
    for name in sorted(BENCH_SUBJECT_TESTS):
        assert "bench" in imported_packages(ROOT / name), f"{name} no longer imports bench"


def test_the_checker_sees_every_import_form() -> None:
    """Plain, dotted, from-, function-level and relative imports are all seen."""
    source = (
        "import bench.load\n"
        "from skill import web\n"
        "def later():\n"
        "    from testkit.checks import check_response\n"
        "from . import sibling\n"
    )
    assert imports_in(source, "tests") == {"bench", "skill", "testkit", "tests"}
