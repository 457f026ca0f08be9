"""A task's tests credit that task only: each fails while the task's own answers are stubs.

For every task T of exercise 1, the submission is the reference solution with
only T's solution regions cut back to the skeleton's stubs (every other task
done, as by a student who skipped T). Every public and hidden test marked with
task T must then fail: a test that passes is crediting the work of another task
(as a "vectorised duals" test of 1.5 once passed on the product rule of 1.2
alone). The tests run in-process, as a student runs them, at one fixed seed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Iterator

import pytest

from autograder import paths
from autograder.authoring.stubgen import find_regions, make_skeleton
from hardway.catalogue import TOPICS

SEED = 20_240_611
TOPIC = TOPICS[0]


class TaskRecorder:
    """A pytest plugin that keeps each test's task and whether it passed."""

    def __init__(self) -> None:
        self.passed: dict[str, bool] = {}
        self.task: dict[str, str] = {}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
        report = yield
        marker = item.get_closest_marker("task")
        self.task[item.nodeid] = str(marker.args[0]) if marker and marker.args else "?"
        if report.when == "call" or report.failed:
            self.passed[item.nodeid] = self.passed.get(item.nodeid, True) and report.passed
        return report


def _solution() -> str:
    return (paths.SOLUTIONS_DIR / TOPIC.filename).read_text(encoding="utf-8")


def tasks() -> list[str]:
    return sorted({region.task for region in find_regions(_solution())})


def without_task(task: str) -> str:
    """The reference solution with only `task`'s regions stubbed."""
    keep = frozenset(region.qualname for region in find_regions(_solution()) if region.task != task)
    return make_skeleton(_solution(), TOPIC.filename, keep=keep)


@cache
def run_without(task: str, root: Path) -> TaskRecorder:
    folder = root / f"without_{task}"
    folder.mkdir(parents=True)
    (folder / TOPIC.filename).write_text(without_task(task), encoding="utf-8")
    files = [str(path) for path in (paths.public_tests(TOPIC), paths.hidden_tests(TOPIC)) if path.exists()]
    recorder = TaskRecorder()
    exit_code = pytest.main([*files, "--submission", str(folder), "--grading-seed", str(SEED),
                             "--rootdir", str(paths.KIT_ROOT), "--import-mode=importlib",
                             "-o", "addopts=", "-p", "no:cacheprovider", "-p", "no:terminal"], plugins=[recorder])
    assert exit_code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), exit_code
    return recorder


@pytest.fixture(scope="module")
def isolation_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("task_isolation")


def test_stubbing_one_task_keeps_every_other_answer():
    stub = without_task("1.5")
    assert "Task 1.5: implement vectorised_derivative" in stub and 'raise NotImplementedError("Task 1.2' not in stub
    compile(stub, TOPIC.filename, "exec")


@pytest.mark.parametrize("task", tasks())
def test_a_task_s_tests_fail_while_that_task_is_a_stub(task, isolation_root):
    recorder = run_without(task, isolation_root)
    own = [name for name, marked in recorder.task.items() if marked == task]
    assert own, f"task {task} has tests"
    credited = sorted(name for name in own if recorder.passed.get(name))
    assert credited == [], f"these task {task} tests pass with task {task} left undone (they credit other tasks)"
    earlier = sorted(name for name, marked in recorder.task.items()
                     if _order(marked) < _order(task) and not recorder.passed.get(name))
    assert earlier == [], f"the tasks before {task}, done, pass their tests even with {task} a stub"


def _order(task: str) -> tuple[int, ...]:
    return tuple(int(part) for part in task.split("."))
