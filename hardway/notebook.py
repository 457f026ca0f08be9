"""`check_task`: the test cell of a notebook, running the same tests as the module channel.

A notebook's definitions live in the kernel, not in a file, so `check_task`
wraps the notebook's global names in a module and runs the exercise's public
test file (found next to the notebook, where nbgrader releases it) with real
pytest, keeping only the tests of one task. It prints what failed, in the same
words as `pytest`, and returns the points earned: nbgrader reads a number
returned by a test cell as partial credit.
"""

from __future__ import annotations

import importlib.util
import os
import types
from pathlib import Path
from typing import Any

import pytest

from hardway.catalogue import Topic, topic_of_task
from hardway.check import OutcomeRecorder
from hardway.pytest_plugin import task_marker
from hardway.submission import InProcessSubmission, Submission


class NotebookSubmission:
    """A pytest plugin object: tests of one task, talking to the notebook's names."""

    def __init__(self, topic: Topic, task: str, namespace: dict[str, Any]) -> None:
        module = types.ModuleType(topic.module)
        module.__dict__.update({name: value for name, value in namespace.items() if not name.startswith("_")})
        self.submission = InProcessSubmission(topic, Path.cwd(), module=module)
        self.task = task

    @pytest.hookimpl
    def pytest_hardway_make_submission(self, config: pytest.Config, topic: Topic, directory: Path) -> Submission:
        return self.submission

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        chosen = [item for item in items if (task_marker(item) or ("",))[0] == self.task]
        config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
        items[:] = chosen


def suite_files(topic: Topic, hidden: bool) -> list[Path]:
    public = Path.cwd() / f"test_{topic.module}.py"
    files = [public]
    if not public.exists() or hidden:
        try:
            from autograder import paths  # only the instructor's copy of the kit has the grader
        except ImportError:
            if hidden:
                raise RuntimeError("hidden tests run only where the grader is installed") from None
            raise FileNotFoundError(f"{public.name} should sit next to this notebook; ask for a fresh copy") from None
        files = [public if public.exists() else paths.public_tests(topic)]
        if hidden:
            files.append(paths.hidden_tests(topic))
    return files


def check_task(task: str, namespace: dict[str, Any], hidden: bool = False, seed: int | None = None) -> float:
    """Run task `task`'s tests against the notebook's names; print failures; return the points earned.

    `seed` fixes the random inputs of the hidden tests (to compare with the module channel's grade).
    """
    topic = topic_of_task(task)
    recorder = OutcomeRecorder()
    # `-c os.devnull`: no pytest.ini or pyproject.toml near the notebook or the kit changes how the checks run.
    arguments = [*map(str, suite_files(topic, hidden)), "-c", os.devnull, "--rootdir", str(Path.cwd()),
                 "-p", "no:cacheprovider", "-p", "no:terminal", "-W", "ignore"]
    if seed is not None:
        arguments.append(f"--grading-seed={seed}")
    if importlib.util.find_spec("pytest_timeout") is not None:
        # A test stuck in a loop fails after this long instead of stalling the notebook.
        arguments.append(f"--timeout={topic.call_timeout_s:g}")
    pytest.main(arguments, plugins=[NotebookSubmission(topic, task, namespace), recorder])
    outcomes = recorder.outcomes
    for outcome in outcomes:
        if not outcome.passed:
            print(f"✗ {outcome.name}\n{outcome.message}\n")
    earned = sum(outcome.points for outcome in outcomes if outcome.passed)
    possible = sum(outcome.points for outcome in outcomes)
    passed = sum(outcome.passed for outcome in outcomes)
    print(f"Task {task}: {passed}/{len(outcomes)} tests passed, {earned:g}/{possible:g} points.")
    return earned
