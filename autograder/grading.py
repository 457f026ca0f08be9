"""Grade one submission folder: run the public and hidden tests through the sandbox.

The pipeline, stage by stage:

1. **collect** the test files of every topic (public from `exercises/tests`,
   hidden from `autograder/hidden`);
2. **isolate**: `GradingPlugin` makes every `submission` fixture an
   `IsolatedSubmission`, so the student's code runs only in the child process;
3. **run** the tests with real pytest, configured by the kit's own ini file;
4. **score** each test from its `task` marker and its outcome;
5. **report** (see `autograder.results`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from autograder import paths
from autograder.intake import take_in
from autograder.sandbox import (NAMESPACES, Budget, IsolatedSubmission, Limits, isolation_mode, warm_up,
                                why_no_namespaces)
from autograder.results import GradeReport, TestResult
from hardway.catalogue import TOPICS, Topic, topic_of_task
from hardway.expect import ExpectationFailed
from hardway.outcomes import Outcome, with_task
from hardway.pytest_plugin import OutcomeRecorder, explain_failure, keep_tasks, task_marker
from hardway.submission import SubmissionError


class GradingPlugin(OutcomeRecorder):
    """A pytest plugin object that isolates the submission and records every outcome (as `TestResult`s)."""

    def __init__(self, report: GradeReport, call_timeout_s: float | None = None,
                 tasks: frozenset[str] | None = None, *, budget: Budget | None = None,
                 refused: dict[str, str] | None = None, topics: list[Topic] | None = None) -> None:
        super().__init__()
        #: The topics as the caller gave them (their limits and budgets win over the catalogue's).
        self.topics = {topic.module: topic for topic in topics or []}
        self.report = report
        self.call_timeout_s = call_timeout_s
        self.tasks = tasks
        self.budget = budget
        self.refused = refused or {}
        self.sandboxes: list[IsolatedSubmission] = []
        self._pending: dict[str, TestResult] = {}

    @pytest.hookimpl
    def pytest_hardway_make_submission(self, config: pytest.Config, topic: Topic, directory: Path) -> Any:
        topic = self.topics.get(topic.module, topic)
        limits = Limits.for_topic(topic)
        if self.call_timeout_s is not None:
            limits = replace(limits, call_timeout_s=self.call_timeout_s)
        sandbox = IsolatedSubmission(topic, directory, limits, budget=self.budget,
                                     refusal=self.refused.get(topic.module))
        self.sandboxes.append(sandbox)
        return sandbox

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Tell the sandboxes which task's budget the coming calls draw from."""
        marked = task_marker(item)
        for sandbox in self.sandboxes:
            sandbox.task = marked[0] if marked else None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        """Fail at once, without the test's own work, when the submission can no longer answer."""
        marked = task_marker(item)
        topic = topic_of_task(marked[0]).module if marked else None
        for sandbox in self.sandboxes:
            blocked = sandbox.blocking_error() if sandbox.topic.module == topic else None
            if blocked is not None:
                raise blocked

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if self.tasks is not None:
            keep_tasks(config, items, self.tasks)

    def outcome(self, item: pytest.Item, report: pytest.TestReport, error: BaseException | None) -> Outcome:
        """The shared outcome, with the grader's words for a failure and what the student's code printed."""
        outcome = super().outcome(item, report, error)
        message, grader_error = "", False
        if report.failed and error is not None:
            explained = explain_failure(error, outcome.task)
            if explained is None and isinstance(error, AssertionError):
                explained = with_task(outcome.task, str(error))
            if explained is None:
                grader_error = not isinstance(error, (SubmissionError, ExpectationFailed))
                explained = with_task(outcome.task, f"the test itself failed with {type(error).__name__}: {error}. "
                                      "This is a problem in the grader, not in your code: please tell your instructor.")
            message = explained
        output = "".join(sandbox.take_output() for sandbox in self.sandboxes)
        return replace(outcome, message=message, grader_error=grader_error, output=output)

    def record(self, item: pytest.Item, outcome: Outcome) -> None:
        hidden = Path(str(item.path)).resolve().is_relative_to(paths.HIDDEN_TESTS_DIR)
        self._pending[item.nodeid] = TestResult.of(outcome, hidden=hidden)

    def pytest_sessionfinish(self) -> None:
        self.report.tests.extend(self._pending.values())
        for sandbox in self.sandboxes:
            self.report.sandbox_starts[sandbox.topic.module] = sandbox.starts


def test_files(topics: list[Topic], include_hidden: bool = True) -> list[Path]:
    files = []
    for topic in topics:
        files.append(paths.public_tests(topic))
        if include_hidden and paths.hidden_tests(topic).exists():
            files.append(paths.hidden_tests(topic))
    return files


def pytest_arguments(submission_dir: Path, seed: int, files: list[Path]) -> list[str]:
    # No unraisableexception plugin: its warnings are ignored here (grading.ini), and it ends every session
    # with a full garbage collection of the grading process (torch's heap included), once per student.
    return [*map(str, files), "-c", str(paths.GRADING_INI), "--rootdir", str(paths.KIT_ROOT),
            "--import-mode=importlib", "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:unraisableexception",
            "--submission", str(submission_dir), "--grading-seed", str(seed)]


class GraderCrashed(RuntimeError):
    """pytest could not run the grading tests at all (a problem in the kit, not the submission)."""


class JailUnavailable(GraderCrashed):
    """Namespaces cannot be made here, and the caller did not accept the weaker process isolation."""


#: Set to 1 (or pass --allow-process-isolation) to grade without the jail where namespaces cannot be made.
ALLOW_PROCESS_ISOLATION = "HARDWAY_ALLOW_PROCESS_ISOLATION"


def check_isolation(allow_process_isolation: bool | None) -> str:
    """The isolation mode grading will use; refuses the weaker one unless allowed (argument or environment)."""
    mode = isolation_mode()
    if mode == NAMESPACES:
        return mode
    if allow_process_isolation is None:
        allow_process_isolation = os.environ.get(ALLOW_PROCESS_ISOLATION) == "1"
    reason = why_no_namespaces()
    if not allow_process_isolation:
        raise JailUnavailable(
            f"the grading jail cannot be made on this machine ({reason}). A submission graded without it could "
            "read the solutions and tamper with the grader. Run the grader where user namespaces are allowed "
            "(see the README's section on the jail), or pass --allow-process-isolation to grade anyway."
        )
    print(f"autograder: warning: grading with process isolation only ({reason}).", file=sys.stderr)
    return mode


def grade(submission_dir: Path, *, seed: int | None = None, topics: list[Topic] | None = None,
          include_hidden: bool = True, call_timeout_s: float | None = None,
          tasks: frozenset[str] | None = None, budget_s: float | None = None,
          allow_process_isolation: bool | None = None) -> GradeReport:
    """Grade `submission_dir` (a student checkout or a folder of exercise modules).

    The modules are first copied into a private folder (`autograder.intake`);
    only that copy is graded. `budget_s` caps the time all of the submission's
    code may take (default: the sum of its exercises' budgets). Without the
    namespace jail, grading is refused unless `allow_process_isolation`
    (or the environment variable `HARDWAY_ALLOW_PROCESS_ISOLATION=1`) says otherwise.
    """
    paths.require_checkout()
    isolation = check_isolation(allow_process_isolation)
    seed = secrets.randbelow(2**31) if seed is None else seed
    if tasks:
        topics = [topic for topic in topics or TOPICS if set(topic.tasks) & tasks]
    chosen = topics or list(TOPICS)
    warm_up(chosen)  # the topics' zygotes import their libraries while pytest collects the tests
    intake = take_in(Path(submission_dir), chosen)
    report = GradeReport(submission=str(intake.source), seed=seed, isolation=isolation)
    budget = Budget(budget_s if budget_s is not None else sum(topic.budget_s for topic in chosen))
    plugin = GradingPlugin(report, call_timeout_s, tasks, budget=budget, refused=intake.refused, topics=chosen)
    started = time.perf_counter()
    try:
        exit_code = pytest.main(pytest_arguments(intake.folder, seed, test_files(chosen, include_hidden)),
                                plugins=[plugin])
    finally:
        shutil.rmtree(intake.folder, ignore_errors=True)
    report.execution_time = time.perf_counter() - started
    if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise GraderCrashed(f"pytest stopped with {exit_code!r} before grading finished")
    return report
