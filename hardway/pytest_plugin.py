"""The pytest plugin behind every exercise test (loaded through the `pytest11` entry point).

It gives tests what they need and nothing more:

* ``@pytest.mark.task("1.2", points=2)``: the task a test checks and what it is worth;
* the ``submission`` fixture: the student's module for that task's exercise,
  in-process on a student's machine, or isolated when the grader asks for it
  through the ``pytest_hardway_make_submission`` hook;
* ``grading_seed`` and ``rng``: reproducible randomness for tests that draw inputs;
* short failure reports that name the task and the student's mistake, and a
  per-task summary at the end of the run.
"""

from __future__ import annotations

import os
import re
import secrets
import zlib
from pathlib import Path
from typing import Any, Collection, Iterator

import numpy as np
import pytest

from hardway.catalogue import Topic, topic_of_task
from hardway.expect import ExpectationFailed, current_task
from hardway.outcomes import UNMARKED, Outcome, task_rows, with_task
from hardway.snippets import one_line
from hardway.submission import (InProcessSubmission, StudentCodeRaised, Submission, SubmissionError,
                                 SubmissionImportFailed, SubmissionNotFound, SubmissionPolicyError, as_reported)


class HardwayHooks:
    @pytest.hookspec(firstresult=True)
    def pytest_hardway_make_submission(self, config: pytest.Config, topic: Topic, directory: Path) -> Submission | None:
        """Return the Submission that tests of `topic` talk to (default: in-process)."""


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(HardwayHooks)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hardway", "hardway exercises")
    group.addoption("--submission", metavar="DIR", default=None,
                    help="folder holding the exercise modules to test (default: the folder above the tests)")
    group.addoption("--grading-seed", metavar="N", type=int, default=None,
                    help="seed for tests that draw random inputs (default: a fresh one, shown in the header)")
    group.addoption("--grading-seeds", metavar="A:B", default=None,
                    help="run every seeded test once for each seed in range(A, B)")


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")  # tests draw plots, but never open windows
    config.addinivalue_line("markers", "task(id, points=1): the exercise task a test checks, and its points")
    if config.getoption("grading_seed") is None:
        config.option.grading_seed = secrets.randbelow(2**31)
    recorders = [plugin for plugin in config.pluginmanager.get_plugins() if isinstance(plugin, OutcomeRecorder)]
    if not recorders:  # plain `pytest`: keep the outcomes for the task table
        recorders.append(OutcomeRecorder())
        config.pluginmanager.register(recorders[0], "hardway-outcomes")
    config.stash[_recorder_key] = recorders[0]


def pytest_report_header(config: pytest.Config) -> str:
    return f"hardway: grading seed {config.getoption('grading_seed')} (pass --grading-seed to repeat a run)"


#: The device whose runs earn points. Every grader has a CPU; not every grader has a GPU.
GRADED_DEVICE = "cpu"
_device_weight = pytest.StashKey[float]()


def task_marker(item: pytest.Item) -> tuple[str, float] | None:
    """(task id, points) from the test's `task` marker, or None if it has none.

    The device rule, so that the same code gets the same grade on every machine:
    a test parametrised by ``device`` earns its points on its CPU run, which
    every grader makes. Its run on another device (CUDA, where the grader has a
    GPU) still runs and reports, as a check worth 0 points, so a GPU never
    changes the maximum or the points. Where an exercise grades device
    handling, it does so on every machine, with tests on torch's "meta" device
    (tensors with a shape, a dtype and a device but no values): code that
    creates a tensor or a model on a device of its own choosing mixes devices
    there and fails, as it would on a GPU.
    """
    marker = item.get_closest_marker("task")
    if marker is None:
        return None
    if not marker.args or not isinstance(marker.args[0], str):
        raise pytest.UsageError(f"{item.nodeid}: write the marker as @pytest.mark.task('1.2', points=1)")
    topic_of_task(marker.args[0])  # an unknown id is a mistake in the test: fail loudly
    return marker.args[0], float(marker.kwargs.get("points", 1)) * item.stash.get(_device_weight, 1.0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "submission" in getattr(item, "fixturenames", ()) and task_marker(item) is None:
            raise pytest.UsageError(f"{item.nodeid} uses `submission` but has no @pytest.mark.task(...) marker")
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "device" in params:  # the device rule: see `task_marker`
            item.stash[_device_weight] = 1.0 if str(params["device"]) == GRADED_DEVICE else 0.0


def keep_tasks(config: pytest.Config, items: list[pytest.Item], tasks: Collection[str]) -> None:
    """Keep only the tests of `tasks` in `items`, and tell pytest (and its summary) which were deselected."""
    chosen = [item for item in items if (task_marker(item) or ("",))[0] in tasks]
    kept = {id(item) for item in chosen}
    config.hook.pytest_deselected(items=[item for item in items if id(item) not in kept])
    items[:] = chosen


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    seeds = metafunc.config.getoption("grading_seeds")
    if seeds and "grading_seed" in metafunc.fixturenames:
        start, stop = (int(part) for part in seeds.split(":"))
        metafunc.parametrize("grading_seed", range(start, stop), scope="session", ids=lambda s: f"seed{s}")


# -- fixtures ---------------------------------------------------------------------------


class SubmissionPool:
    """One Submission per (topic, folder) for the whole session, closed at its end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.open: dict[tuple[str, Path], Submission] = {}

    def get(self, topic: Topic, directory: Path) -> Submission:
        key = (topic.module, directory.resolve())
        if key not in self.open:
            made = self.config.hook.pytest_hardway_make_submission(config=self.config, topic=topic, directory=directory)
            self.open[key] = made if made is not None else InProcessSubmission(topic, directory)
        return self.open[key]

    def close(self) -> None:
        for submission in self.open.values():
            submission.close()
        self.open.clear()


@pytest.fixture(scope="session")
def _hardway_pool(pytestconfig: pytest.Config) -> Iterator[SubmissionPool]:
    pool = SubmissionPool(pytestconfig)
    yield pool
    pool.close()


def tested_modules_folder(request: pytest.FixtureRequest) -> Path:
    """Where the tests look for the exercise modules: `--submission`, or the folder above the test file.

    This is the test's side only. The grader decides where a submission keeps its modules
    (`autograder.intake.locate_modules`), copies them into a private folder and passes that with `--submission`.
    """
    chosen = request.config.getoption("submission")
    if chosen:
        return Path(chosen)
    # A student's checkout: tests/test_exNN_*.py sits next to exNN_*.py one folder up.
    return Path(request.node.path).parent.parent


@pytest.fixture
def submission(request: pytest.FixtureRequest, _hardway_pool: SubmissionPool) -> Submission:
    """The student's module for this test's task, ready to `run` snippets."""
    marked = task_marker(request.node)
    assert marked is not None  # guaranteed by pytest_collection_modifyitems
    return _hardway_pool.get(topic_of_task(marked[0]), tested_modules_folder(request))


@pytest.fixture(scope="session")
def grading_seed(pytestconfig: pytest.Config) -> int:
    return int(pytestconfig.getoption("grading_seed"))


@pytest.fixture
def rng(request: pytest.FixtureRequest, grading_seed: int) -> np.random.Generator:
    """A random generator private to this test, fixed by the grading seed and the test's name."""
    name = request.node.nodeid.split("[")[0].split("::")[-1]
    return np.random.default_rng([grading_seed, zlib.crc32(name.encode())])


# -- reports ----------------------------------------------------------------------------

#: Failures that stop every test of an exercise: no test can say anything until the student fixes them.
BROKEN = (SubmissionImportFailed, SubmissionNotFound, SubmissionPolicyError)


class OutcomeRecorder:
    """A pytest plugin object that keeps what became of each test, as `Outcome`s in the order the tests ran.

    The one place an `Outcome` is made. Plain `pytest` gets one for its task table (see `pytest_configure`);
    `hardway.check`, `check_task` and the grader bring their own. The grader's (`GradingPlugin`) overrides
    `outcome` to say failures in its own words and add what the student's code printed.
    """

    def __init__(self, *, writes_task_table: bool = False) -> None:
        #: The caller prints the task table itself (with points), so this plugin leaves its own out.
        self.writes_task_table = writes_task_table
        self.outcomes: list[Outcome] = []

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: sees the report after the plugin explained it
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if report.when == "call" or (report.failed and report.when == "setup"):
            error = call.excinfo.value if report.failed and call.excinfo is not None else None
            self.record(item, self.outcome(item, report, error))
        return report

    def outcome(self, item: pytest.Item, report: pytest.TestReport, error: BaseException | None) -> Outcome:
        """What became of `item`; `error` is what it raised, when it failed."""
        task, points = task_marker(item) or (UNMARKED, 0.0)
        return Outcome(name=item.name, task=task, points=points, passed=report.passed,
                       message="" if report.passed else str(report.longreprtext), duration_s=report.duration,
                       broken=error is not None and isinstance(as_reported(error) or error, BROKEN))

    def record(self, item: pytest.Item, outcome: Outcome) -> None:
        self.outcomes.append(outcome)


_recorder_key = pytest.StashKey[OutcomeRecorder]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    marked = task_marker(item)
    token = current_task.set(marked[0] if marked else "")
    try:
        return (yield)
    finally:
        current_task.reset(token)


STUB_MESSAGE = re.compile(r"Task (\d+\.\d+): (.*)", re.DOTALL)


def explain_failure(error: BaseException, task: str) -> str | None:
    """A short, student-facing account of a failure, or None to keep pytest's own report."""
    if isinstance(error, ExpectationFailed):
        return str(error)
    if isinstance(error, NotImplementedError) or (
        isinstance(error, StudentCodeRaised) and error.type_name == "NotImplementedError"
    ):
        message = error.message if isinstance(error, StudentCodeRaised) else str(error)
        notes = "".join(f"\n{note}" for note in getattr(error, "__notes__", ()))
        if isinstance(error, StudentCodeRaised):
            notes = f"\n(while running the test snippet: {one_line(error.snippet)})"
        stub = STUB_MESSAGE.match(message)
        if stub and stub.group(1) != task:
            return with_task(task, f"this test needs Task {stub.group(1)} first: {stub.group(2)}{notes}")
        return with_task(task, f"not done yet: {stub.group(2) if stub else message or 'NotImplementedError'}{notes}")
    if isinstance(error, StudentCodeRaised):
        where = f"\nWhere, in your code:\n{error.traceback.rstrip()}" if error.traceback.strip() else ""
        return with_task(task, f"{error}{where}")
    if isinstance(error, SubmissionError):
        return with_task(task, str(error))
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    marked = task_marker(item)
    explained = None
    if call.excinfo is not None and marked:
        # An exception from the student's code run in-process reads as the grader reports it: what was called,
        # then their own frames. `call.excinfo` is left alone, so `pytest --pdb` still stops in their code.
        error = call.excinfo.value
        explained = explain_failure(as_reported(error) or error, marked[0])
    if explained is not None:
        # pytest's own report of the failure, which the explanation replaces, is not made at all: it parses the
        # source of every frame (about 30 ms a failure, most of the time a grade of an untouched file takes).
        item.__dict__["repr_failure"] = lambda excinfo: explained
    try:
        report = yield
    finally:
        item.__dict__.pop("repr_failure", None)
    if report.failed and explained is not None:
        report.longrepr = explained
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> Iterator[None]:
    """The task table, after pytest's own summary (failures and the short list of failed tests) and just
    above its last line, so it is what a student sees at the end of a long run."""
    try:
        return (yield)
    finally:
        write_task_table(terminalreporter, config)


def write_task_table(terminalreporter: Any, config: pytest.Config) -> None:
    recorder = config.stash.get(_recorder_key, None)
    if recorder is None or recorder.writes_task_table:
        return  # not configured, or `python -m hardway.check` prints its own table, with points
    rows = task_rows([outcome for outcome in recorder.outcomes if outcome.task != UNMARKED])
    if not rows:
        return  # no task's test ran
    terminalreporter.section("tasks")
    for row in rows:
        mark = "done" if row.done else "to do"
        terminalreporter.write_line(f"  {mark:>5}  Task {row.task}  {row.passed}/{row.tests} tests  {row.title}")
