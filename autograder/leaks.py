"""Does a feedback file show what a student must never see: hidden tests, or the reference answers?

The secret text is every line of the hidden test folder (`autograder/hidden/`,
tests and oracles) and of `solutions/`, less every line a student already has:
the public `hardway` package, the skeletons and public tests in `exercises/`
(so of a solution only its answers remain), and the student's own submitted
notebook (a student who wrote the reference's very line has leaked nothing).
Lines too short to say anything (`return x`, `)`) do not count.

A feedback file leaks when three secret lines of one secret file appear in it
in the same order, with nothing but other text between them: the HTML is read
as text (tags stripped, entities unescaped), so highlighting, escaping and
interleaved output do not hide a copy. A student who re-encodes what they
print is not caught here; that is why the kernel cannot read those files in
the first place (`autograder.channels.kernel_jail`) and feedback shows no output of a
student's own cells (`autograder.channels.nbgrader_preprocessors.ClearStudentOutputs`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Set
from functools import lru_cache
from pathlib import Path

import nbformat

from autograder import paths

#: How many secret lines in a row make a leak.
RUN = 3
#: Shorter lines (after collapsing spaces) are too common to count.
SHORTEST = 12
TAG = re.compile(r"<[^>]*>")


def normalise(line: str) -> str:
    return " ".join(line.split())


def _lines(files: Iterable[Path]) -> list[list[str]]:
    return [[normalise(line) for line in path.read_text(encoding="utf-8").splitlines()] for path in files]


@lru_cache(maxsize=1)
def secret_files() -> tuple[tuple[str, ...], ...]:
    """Each secret file as its lines (normalised), public lines already left out."""
    public = {line for lines in _lines(public_files()) for line in lines}
    secret = sorted(paths.HIDDEN_TESTS_DIR.glob("*.py")) + sorted(paths.SOLUTIONS_DIR.glob("*.py"))
    return tuple(tuple(line for line in lines if line not in public and len(line) >= SHORTEST)
                 for lines in _lines(secret))


def public_files() -> list[Path]:
    """What every student has: the `hardway` package, the skeletons and the public tests."""
    hardway = paths.KIT_ROOT / "hardway"
    return sorted(hardway.rglob("*.py")) + sorted(paths.EXERCISES_DIR.glob("*.py")) + \
        sorted(paths.PUBLIC_TESTS_DIR.glob("*.py"))


def submitted_lines(notebooks: Iterable[Path]) -> set[str]:
    """Every line of every cell of the student's own notebooks."""
    lines: set[str] = set()
    for path in notebooks:
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - an unreadable notebook contributes nothing
            continue
        for cell in notebook.cells:
            lines |= {normalise(line) for line in cell.source.splitlines()}
    return lines


def page_lines(page: str) -> list[str]:
    """The lines a reader sees in an HTML page, normalised."""
    return [normalise(line) for line in html.unescape(TAG.sub("", page)).splitlines()]


def _runs(lines: list[str]) -> set[tuple[str, ...]]:
    return {tuple(lines[start:start + RUN]) for start in range(len(lines) - RUN + 1)}


def leaked_runs(page: str, known: Set[str] = frozenset()) -> list[tuple[str, ...]]:
    """Each run of `RUN` secret lines that `page` shows, less lines in `known` (the student's own)."""
    found: list[tuple[str, ...]] = []
    shown = page_lines(page)
    for secret in secret_files():
        lines = [line for line in secret if line not in known]
        wanted = set(lines)
        found += sorted(_runs(lines) & _runs([line for line in shown if line in wanted]))
    return found
