"""The bundled example submissions that `autograder demo` grades.

Three folders a newcomer can grade without writing a line: the reference
solutions, the untouched skeleton, and a partly solved skeleton. The partial
one is made from the reference each time (never stored), so it cannot go
stale when a solution or a stub changes.
"""

from __future__ import annotations

from pathlib import Path

from autograder import paths
from hardway.catalogue import TOPICS

#: The functions the "partial" example has solved (the rest stay stubs).
PARTIAL_EXAMPLE = frozenset({"AutoDiff.__mul__", "AutoDiff.__rsub__", "AutoDiff.__pow__"})

#: What each example is, in the demo's progress lines.
DESCRIPTIONS = {"reference": "the reference solutions", "skeleton": "the untouched skeleton",
                "partial": "a partly solved skeleton"}


def make_partial_example(directory: Path) -> Path:
    """Write a submission with only `PARTIAL_EXAMPLE` answered into `directory`; return it."""
    from autograder.authoring.stubgen import make_skeleton

    for topic in TOPICS:
        source = (paths.SOLUTIONS_DIR / topic.filename).read_text(encoding="utf-8")
        (directory / topic.filename).write_text(make_skeleton(source, keep=PARTIAL_EXAMPLE), encoding="utf-8")
    return directory


def example_folders(scratch: Path) -> dict[str, Path]:
    """Each example's name and folder, in `DESCRIPTIONS`' order; the partial one is written into `scratch`."""
    return {"reference": paths.SOLUTIONS_DIR, "skeleton": paths.EXERCISES_DIR,
            "partial": make_partial_example(scratch)}
