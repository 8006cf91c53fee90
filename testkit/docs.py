"""The project's pages read as a reader's browser would: links, anchors and the commands given.

The README is the front page and every chapter is one link away under `docs/`, so a moved
heading or a renamed page silently breaks a reader's path; and a command written twice drifts
(a set-up line that lost a step is a newcomer's first failure). `tests/test_docs.py` holds both
through these readers. Headings become anchors the way GitHub makes them: lower case, every
character that is not a letter, digit, space, hyphen or underscore dropped, each space a hyphen,
and a repeated heading numbered (`-1`, `-2`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Fenced blocks whose lines are commands someone types.
SHELL = frozenset({"bash", "sh", "shell", "console"})

_FENCE = re.compile(r"^(```|~~~)\s*([\w+-]*)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CODE_SPAN = re.compile(r"(`+).*?\1")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


@dataclass(frozen=True)
class Block:
    """One fenced code block: the page, its line number (1-based), its language, its text."""

    page: Path
    line: int
    language: str
    text: str

    def commands(self) -> list[str]:
        """The command lines: comments and blank lines dropped, a trailing `# …` comment cut
        off, a line continued with a backslash joined to the next."""
        joined: list[str] = []
        pending = ""
        for raw in self.text.splitlines():
            line = pending + raw.strip()
            if line.endswith("\\"):
                pending = line[:-1].rstrip() + " "
                continue
            pending = ""
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line and not line.startswith("#"):
                joined.append(line)
        return joined


def pages(root: Path = ROOT) -> list[Path]:
    """The front page and every page under docs/."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def _prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) outside fenced blocks."""
    fence = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line.strip())
        if match:
            if fence is None:
                fence = match.group(1)
            elif match.group(1) == fence and not match.group(2):
                fence = None
            continue
        if fence is None:
            yield number, line


def blocks(page: Path) -> list[Block]:
    """Every fenced block of a page, in order."""
    found: list[Block] = []
    fence = None
    language, start, body = "", 0, []
    for number, line in enumerate(page.read_text("utf-8").splitlines(), start=1):
        match = _FENCE.match(line.strip())
        if fence is None and match:
            fence, language, start, body = match.group(1), match.group(2).lower(), number, []
        elif fence is not None and match and match.group(1) == fence and not match.group(2):
            found.append(Block(page, start, language, "\n".join(body)))
            fence = None
        elif fence is not None:
            body.append(line)
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text (inline code and emphasis marks dropped)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = text.lower().replace("`", "").replace("*", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """The anchors a page's headings make, repeated headings numbered as GitHub does."""
    seen: dict[str, int] = {}
    made: set[str] = set()
    for _, line in _prose_lines(page.read_text("utf-8")):
        match = _HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        made.add(base if count == 0 else f"{base}-{count}")
    return made


def links(page: Path) -> list[tuple[int, str]]:
    """(line number, target) of every Markdown link and image outside code."""
    found = []
    for number, line in _prose_lines(page.read_text("utf-8")):
        for match in _LINK.finditer(_CODE_SPAN.sub("", line)):
            found.append((number, match.group(1)))
    return found


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    """Each relative link or #anchor of a page that leads nowhere, as `page:line target`."""
    broken = []
    for number, target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: … are not ours to check
            continue
        path, _, anchor = target.partition("#")
        goal = (page.parent / path).resolve() if path else page
        where = f"{page.relative_to(root)}:{number} {target}"
        outside = not goal.exists() or root.resolve() not in [goal, *goal.parents]
        if outside or (anchor and (goal.suffix != ".md" or anchor not in anchors(goal))):
            broken.append(where)
    return broken
