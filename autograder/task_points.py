"""What a topic's test suites contain, read from their source (without running them)."""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from autograder import paths
from hardway.catalogue import Topic


@dataclass(frozen=True)
class TaskPoints:
    public: float
    hidden: float

    @property
    def total(self) -> float:
        return self.public + self.hidden


def marked_points(test_file: Path) -> dict[str, float]:
    """task id -> points of the tests marked `@pytest.mark.task(...)` in `test_file`."""
    points: dict[str, float] = defaultdict(float)
    if not test_file.exists():
        return dict(points)
    for node in ast.walk(ast.parse(test_file.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "task"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            keywords = {k.arg: k.value for k in node.keywords}
            value = keywords.get("points")
            number = value.value if isinstance(value, ast.Constant) else 1.0
            points[node.args[0].value] += float(number) if isinstance(number, (int, float)) else 1.0
    return dict(points)


def task_points(topic: Topic) -> dict[str, TaskPoints]:
    public, hidden = marked_points(paths.public_tests(topic)), marked_points(paths.hidden_tests(topic))
    return {task: TaskPoints(public.get(task, 0.0), hidden.get(task, 0.0)) for task in topic.tasks}


#: The public table of each task's points, shipped with the `hardway` library (and so to students).
POINTS_MODULE = paths.KIT_ROOT / "hardway" / "points.py"

POINTS_HEADER = '''"""What each task is worth: its public tests' points and the grader's hidden tests' points.

Generated from the tests' `@pytest.mark.task(..., points=...)` markers by
`autograder generate-exercises` (a test of the kit fails when it is stale); do
not edit. Students see the hidden points here (never the hidden tests), so
`python -m hardway.check` can say what the grade is out of.
"""

#: task id -> (public points, hidden points)
TASK_POINTS: dict[str, tuple[float, float]] = {
'''


def points_module_text(topics: tuple[Topic, ...] | list[Topic]) -> str:
    """The source of `hardway/points.py` for `topics`."""
    rows = [f'    "{task}": ({points.public:g}, {points.hidden:g}),'
            for topic in topics for task, points in task_points(topic).items()]
    return POINTS_HEADER + "\n".join(rows) + "\n}\n"


def write_points_module(topics: tuple[Topic, ...] | list[Topic], check: bool = False) -> list[Path]:
    """Write (or, with `check`, compare) `hardway/points.py`; return it in a list if it was stale."""
    wanted = points_module_text(topics)
    current = POINTS_MODULE.read_text(encoding="utf-8") if POINTS_MODULE.exists() else None
    if current == wanted:
        return []
    if not check:
        POINTS_MODULE.write_text(wanted, encoding="utf-8")
    return [POINTS_MODULE]
