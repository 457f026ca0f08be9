"""Buggy variants of the reference solutions: the mistakes students really make.

Each mutant replaces one exact piece of a reference solution (it must occur
exactly once, so a mutant can never silently stop applying) and names a phrase
that the grader's feedback must contain for that mistake. Each topic keeps its
mutants in `mutants_exNN.py` as a list `MUTANTS`; `test_mutants.py`
grades every mutant with the real `autograder grade` and checks that each one
loses points and gets its hint.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from autograder import paths
from autograder.authoring.stubgen import find_regions


@dataclass(frozen=True)
class Mutant:
    name: str
    topic: str
    old: str
    new: str
    feedback: str
    #: Further (old, new) replacements, for a mistake that touches two places (a signature and a body, say).
    also: tuple[tuple[str, str], ...] = ()

    @property
    def task(self) -> str | None:
        """The task whose solution region the mistake sits in (None: given code, so every task)."""
        reference = (paths.SOLUTIONS_DIR / f"{self.topic}.py").read_text()
        line = reference[: reference.index(self.old)].count("\n") + 1
        return next((region.task for region in find_regions(reference) if region.begin < line < region.end), None)

    def source(self) -> str:
        source = (paths.SOLUTIONS_DIR / f"{self.topic}.py").read_text()
        for old, new in ((self.old, self.new), *self.also):
            count = source.count(old)
            if count != 1:
                raise AssertionError(f"mutant {self.name}: the text to replace occurs {count} times in {self.topic}.py")
            source = source.replace(old, new)
        return source


def all_mutants() -> list[Mutant]:
    """Every topic's mutants, from tests/mutants_exNN.py."""
    found: list[Mutant] = []
    for module in sorted(Path(__file__).parent.glob("mutants_ex[0-9][0-9].py")):
        found += importlib.import_module(module.stem).MUTANTS
    return found
