"""The shape of the code, checked: no import cycles, handler modules independent, no dead lines.

These guard the layout docs/design.md draws. A handler module that imports
another, or an import cycle anywhere in `skill/` (even one hidden inside a function), fails
here; so does a catalogue line that no code path can speak, or a slot value with no answer.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from skill.builder import HANDLER_CLASSES
from skill.content import catalogue_for
from skill.deploy import LOCALES

ROOT = Path(__file__).resolve().parent.parent
SKILL = ROOT / "skill"
CONTENT = SKILL / "content"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SKILL.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every `skill` module that `name` imports, at top level or inside a function."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from skill.handlers import flows` imports the module skill.handlers.flows.
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _is_package_of(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def test_no_import_cycle_in_skill() -> None:
    # A package's __init__ importing nothing of its children is the norm here; an import of
    # a parent package by its child (to reach a sibling) is not a cycle in the code's logic.
    graph = {
        name: {t for t in targets if not _is_package_of(t, name)}
        for name, targets in _graph().items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for target in sorted(graph.get(name, ())):
            if state.get(target) == 1:
                cycle = [*stack[stack.index(target):], target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_no_handler_module_imports_another() -> None:
    handler_modules = {cls.__module__ for cls in HANDLER_CLASSES}
    assert len(handler_modules) >= 8, handler_modules  # the list really spans the modules
    graph = _graph()
    for name in sorted(handler_modules):
        others = graph[name] & (handler_modules - {name})
        assert not others, f"{name} imports handler module(s) {sorted(others)}"


def test_flows_import_no_handler_module() -> None:
    """The shared steps are a package of their own: a step that imported a handler module
    would let two handler modules reach each other through it."""
    handler_modules = {cls.__module__ for cls in HANDLER_CLASSES}
    graph = _graph()
    flows = sorted(name for name in graph if name.startswith("skill.handlers.flows"))
    assert len(flows) >= 8, flows  # the package really is split by capability
    for name in flows:
        assert not graph[name] & handler_modules, f"{name} imports a handler module"


def test_every_step_handlers_use_is_loaded_from_its_module() -> None:
    """The package loads a step's module on first use: each name handlers reach through
    `flows.` must be in its map, and be the step its module defines."""
    from importlib import import_module

    from skill.handlers import flows

    used = {
        node.attr for path in (SKILL / "handlers").glob("*.py")
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        and node.value.id == "flows"
    }
    assert len(used) >= 15, used
    assert used <= set(flows.__all__), sorted(used - set(flows.__all__))
    assert set(flows.__all__) == set(flows._STEPS)
    for name, module in flows._STEPS.items():
        assert getattr(flows, name) is getattr(
            import_module(f"skill.handlers.flows.{module}"), name), name


def test_the_import_reader_sees_function_level_imports() -> None:
    """The cycle check is only as good as this reader: it must see imports inside functions."""
    graph = _graph()
    # flows' reminder steps import the Reminders seam inside function bodies, not at the top.
    assert "skill.reminders" in graph["skill.handlers.flows.reminders"]
    assert "skill.store.sqlite" in graph["skill.store"]  # imported inside open_store()


# --- every line of the catalogue can be spoken -----------------------------------------------
def _trees() -> list[ast.AST]:
    return [ast.parse(path.read_text("utf-8")) for path in SKILL.rglob("*.py")]


def _code_strings() -> set[str]:
    """Every string constant in the skill's code, f-string pieces included."""
    return {
        node.value for tree in _trees() for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def _prompted_keys() -> set[str]:
    """Keys spoken through `prompt(key)`, which also speaks `key.reprompt`.

    Either a literal first argument, or `self.attr` where a class sets `attr = "key"`.
    """
    literals: set[str] = set()
    attributes: set[str] = set()
    trees = _trees()
    for tree in trees:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "prompt" and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                literals.add(first.value)
            elif isinstance(first, ast.Attribute):
                attributes.add(first.attr)
    for tree in trees:
        for node in ast.walk(tree):
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                    and any(isinstance(t, ast.Name) and t.id in attributes
                            for t in node.targets)):
                literals.add(node.value.value)
    return literals


def _slot_value_ids(slot_type: str) -> set[str]:
    model = json.loads((ROOT / "interaction_models" / "en-US.json").read_text("utf-8"))
    for entry in model["interactionModel"]["languageModel"]["types"]:
        if entry["name"] == slot_type:
            return {value["id"] for value in entry["values"]}
    raise AssertionError(f"no slot type {slot_type}")


#: Catalogue families answered by a slot's value id: a complaint ("will it help my neck") is a
#: topic of its own slot type.
FAMILIES = {"explain.topic.": ("MatTopic", "MatComplaint"),
            "safety.condition.": ("SafetyCondition",)}


def _reachable(key: str, strings: set[str], prompted: set[str]) -> bool:
    if key in strings:
        return True
    base, _, last = key.rpartition(".")
    if last == "reprompt" and base in prompted:
        return True  # Turn.prompt(base) speaks base and reprompts with base.reprompt
    if key.startswith("units.") and last in ("one", "other"):
        return base.removeprefix("units.") in strings  # Catalogue.count(unit, n)
    if key.startswith("reminders.time.") and last == "one":
        return base in strings  # Catalogue.clock_time: the hour one's own form
    return False


def test_every_catalogue_key_is_reachable() -> None:
    strings, prompted = _code_strings(), _prompted_keys()
    keys = set(json.loads((CONTENT / "en.json").read_text("utf-8"))) - {"_comment"}
    dead = sorted(
        key for key in keys
        if not any(key.startswith(prefix) for prefix in FAMILIES)
        and not _reachable(key, strings, prompted)
    )
    assert not dead, f"catalogue lines no code can speak: {dead}"


@pytest.mark.parametrize(("prefix", "slot_types"), sorted(FAMILIES.items()))
def test_catalogue_families_match_the_model(prefix: str, slot_types: tuple[str, ...]) -> None:
    """Every value id has its entry, and an entry no value id names is one the code names
    (the careful answer to a complaint the model does not know)."""
    say = catalogue_for("en-US")
    entries = {key.removeprefix(prefix) for key in say if key.startswith(prefix)}
    strings = _code_strings()
    assert prefix in strings
    ids = set().union(*(_slot_value_ids(slot_type) for slot_type in slot_types))
    assert ids <= entries
    assert all(entry in strings for entry in entries - ids), entries - ids


@pytest.mark.parametrize("locale", LOCALES)
def test_regional_catalogues_only_override_known_keys(locale: str) -> None:
    path = CONTENT / f"{locale}.json"
    language = locale.split("-")[0]
    if not path.exists():
        pytest.skip(f"{locale} speaks its language's shared catalogue ({language}.json)")
    regional = set(json.loads(path.read_text("utf-8"))) - {"_comment"}
    shared = set(json.loads((CONTENT / f"{language}.json").read_text("utf-8")))
    assert regional <= shared, sorted(regional - shared)


def test_reachability_check_catches_a_dead_key() -> None:
    strings, prompted = _code_strings(), _prompted_keys()
    assert not _reachable("nobody.says.this", strings, prompted)
    assert _reachable("help.reprompt", strings, prompted)
    assert _reachable("explain.unknown.reprompt", strings, prompted)  # via self.unknown_key
    assert not _reachable("goodbye.reprompt", strings, prompted)  # goodbye is told, not asked
    assert _reachable("units.minute.one", strings, prompted)
