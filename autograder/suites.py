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
                and node.args and isinstance(node.args[0], ast.Constant)):
            keywords = {k.arg: k.value for k in node.keywords}
            value = keywords.get("points")
            points[node.args[0].value] += float(value.value) if isinstance(value, ast.Constant) else 1.0
    return dict(points)


def task_points(topic: Topic) -> dict[str, TaskPoints]:
    public, hidden = marked_points(paths.public_tests(topic)), marked_points(paths.hidden_tests(topic))
    return {task: TaskPoints(public.get(task, 0.0), hidden.get(task, 0.0)) for task in topic.tasks}
