"""What became of each test, and the small rules every report of it follows.

The student's task table (plain `pytest`), `python -m hardway.check`, a
notebook's `check_task` and the grader all report the same thing: one
`Outcome` per test, made by one pytest hook (`pytest_plugin.OutcomeRecorder`).
The rules they share live here, once: the order of task ids, a task's title,
the "Task N.k:" prefix of a message, and text that cannot break a Markdown
fence. Nothing here imports pytest or the grader, so any layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from hardway.catalogue import topic_of_task

#: The task of a test without a `task` marker (it earns nothing and belongs to no exercise).
UNMARKED = "?"


@dataclass
class Outcome:
    """What became of one test: the unit every report, from a student's table to results.json, is built from."""

    name: str
    task: str
    points: float
    passed: bool
    #: Why it failed, in the words the report shows ("" when it passed).
    message: str = ""
    duration_s: float = 0.0
    #: What the student's code printed during the test (the grader captures it; in-process runs leave it to pytest).
    output: str = ""
    #: The module could not be run at all (missing, not importable, against the rules): the student must fix it.
    broken: bool = False
    #: The test itself failed, not the student's code: a problem in the kit, for the instructor.
    grader_error: bool = False

    @property
    def earned(self) -> float:
        return self.points if self.passed else 0.0


def task_key(task: str) -> tuple[int, ...]:
    """Sort key for task ids: by number, so 1.10 comes after 1.9 (an id with no numbers, like "?", comes first)."""
    return tuple(int(part) for part in task.split(".") if part.isdigit())


def task_title(task: str) -> str:
    """The catalogue's title of `task`, or "" for an id the catalogue does not know."""
    try:
        return topic_of_task(task).tasks[task]
    except KeyError:
        return ""


def with_task(task: str, text: str) -> str:
    """`text` as every report says it: "Task 1.2: ..." (no prefix for a message outside any task)."""
    return f"Task {task}: {text}" if task else text


def fence_safe(text: str) -> str:
    """Text that cannot close a Markdown code fence or open a new one."""
    return text.replace("```", "'''")


@dataclass
class TaskRow:
    """One task's line in a table: its tests and points, summed over its outcomes."""

    task: str
    title: str
    passed: int
    tests: int
    earned: float
    possible: float

    @property
    def done(self) -> bool:
        return self.passed == self.tests


def task_rows(outcomes: list[Outcome]) -> list[TaskRow]:
    """One row per task that has outcomes, in task order."""
    rows: dict[str, TaskRow] = {}
    for outcome in outcomes:
        row = rows.setdefault(outcome.task, TaskRow(outcome.task, task_title(outcome.task), 0, 0, 0.0, 0.0))
        row.passed += outcome.passed
        row.tests += 1
        row.earned += outcome.earned
        row.possible += outcome.points
    return [rows[task] for task in sorted(rows, key=task_key)]
