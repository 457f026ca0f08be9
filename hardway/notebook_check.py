"""`check_task`: the test cell of a notebook, for the student's own feedback while working.

A notebook's definitions live in the kernel, not in a file, so `check_task`
wraps the notebook's global names in a module and runs the exercise's public
test file (found next to the notebook, where nbgrader releases it) with real
pytest, keeping only the tests of one task. It prints what failed, in the same
words as `pytest`, and returns the public points earned; the generated test
cell then asserts that every public point was earned, so a task that is not
done yet shows as an error (nbgrader's convention for a failed test).

Nothing here decides a grade. The kernel belongs to the student: code in it can
replace this function, patch pytest or print any number. The grader therefore
never reads a score from the kernel. It takes the student's code out of the
submitted notebook and runs it, with these public tests and the hidden ones, in
its own sandbox (`autograder.channels.nbgrader_loop`). That is also why this module runs
public tests only, and imports nothing from the grader: the hidden tests and
the reference solutions are never within reach of a student's kernel.
"""

from __future__ import annotations

import importlib.util
import os
import types
from pathlib import Path
from typing import Any

import pytest

from hardway.catalogue import Topic, topic_of_task
from hardway.outcomes import with_task
from hardway.pytest_plugin import OutcomeRecorder, keep_tasks
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
        keep_tasks(config, items, {self.task})


def public_tests(topic: Topic) -> Path:
    """The public test file that nbgrader released next to the notebook."""
    path = Path.cwd() / f"test_{topic.module}.py"
    if not path.exists():
        raise FileNotFoundError(f"{path.name} should sit next to this notebook; ask for a fresh copy")
    return path


def check_task(task: str, namespace: dict[str, Any], *, seed: int | None = None) -> float:
    """Run task `task`'s public tests against the notebook's names; print failures; return the points earned.

    `seed` fixes the random inputs of tests that draw them (to compare with the grader's run).
    """
    topic = topic_of_task(task)
    recorder = OutcomeRecorder()
    # `-c os.devnull`: no pytest.ini or pyproject.toml near the notebook or the kit changes how the checks run.
    arguments = [str(public_tests(topic)), "-c", os.devnull, "--rootdir", str(Path.cwd()),
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
    earned = round(sum(outcome.earned for outcome in outcomes), 6)
    possible = round(sum(outcome.points for outcome in outcomes), 6)
    passed = sum(outcome.passed for outcome in outcomes)
    print(with_task(task, f"{passed}/{len(outcomes)} public tests passed, {earned:g}/{possible:g} public points. "
                          "Your grade comes from the grader, which also runs hidden tests with new inputs."))
    return earned
