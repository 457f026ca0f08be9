"""What the grader gives each task of a notebook's code: the part of the nbgrader loop that runs in workers.

`grade_module` runs in a worker process started fresh ("spawn") for each run of
`autograder nbgrader-loop`, so this module imports only the grader: not
nbgrader, nbformat or Jupyter, which take seconds to import.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hardway.catalogue import topic_by_module


@dataclass
class TaskGrade:
    """What the grader gave one task: points, the most possible, and the tests that failed."""

    points: float
    possible: float
    failed: list[str] = field(default_factory=list)


def grade_module(source: str, notebook_name: str, seed: int) -> dict[str, TaskGrade]:
    """Each task's grade, from grading `source` as the exercise's module with the kit's grader."""
    from autograder.grading import grade

    topic = topic_by_module(notebook_name)
    with tempfile.TemporaryDirectory(prefix="hardway-notebook-") as folder:
        (Path(folder) / topic.filename).write_text(source, encoding="utf-8")
        report = grade(Path(folder), seed=seed, topics=[topic])
    failed: dict[str, list[str]] = {}
    for test in report.tests:
        if test.status != "passed":
            failed.setdefault(test.task, []).append(test.name + (" (hidden)" if test.hidden else ""))
    return {task: TaskGrade(points, possible, failed.get(task, []))
            for task, (points, possible) in report.by_task().items()}
