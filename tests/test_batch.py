"""The batch executor: every job gets an outcome, in the jobs' order, and local workers live for the whole batch."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

import pytest
from rich.console import Console

from autograder.batch import InlineExecutor, LocalExecutor, make_executor, run_batch


@dataclass(frozen=True)
class Square:
    """A job: square `number`, in whichever process runs it; 13 is unlucky."""

    number: int

    @property
    def label(self) -> str:
        return f"n={self.number}"

    def run(self) -> tuple[int, int]:
        if self.number == 13:
            raise ValueError("13 is unlucky")
        return self.number ** 2, os.getpid()


@dataclass(frozen=True)
class Die:
    """A job whose process ends in the middle of it, as a worker killed for memory would."""

    label: str = "dies"

    def run(self) -> None:
        os._exit(3)


JOBS = [Square(number) for number in (1, 13, 3, 4, 5, 6)]


@pytest.mark.parametrize("executor", [InlineExecutor, lambda: LocalExecutor(2)], ids=["inline", "local"])
def test_each_job_gets_its_outcome_in_order_and_one_failure_stays_its_own(executor):
    with executor() as running:
        outcomes = run_batch(running, JOBS, show_progress=False)
    assert [outcome.label for outcome in outcomes] == [job.label for job in JOBS]
    assert [outcome.value[0] if outcome.value else None for outcome in outcomes] == [1, None, 9, 16, 25, 36]
    unlucky = outcomes[1]
    assert not unlucky.ok and (unlucky.error, unlucky.error_type) == ("13 is unlucky", "ValueError")
    assert all(outcome.ok for index, outcome in enumerate(outcomes) if index != 1)


def test_local_workers_are_other_processes_that_serve_the_whole_batch():
    with LocalExecutor(2) as running:
        outcomes = run_batch(running, [Square(number) for number in range(8)], show_progress=False)
    workers = {outcome.value[1] for outcome in outcomes if outcome.value}
    assert os.getpid() not in workers
    assert 1 <= len(workers) <= 2, "eight jobs, two processes started once: warm state carries over"


def test_a_worker_that_dies_is_that_job_s_error_not_the_batch_s():
    with LocalExecutor(1) as running:
        outcomes = run_batch(running, [Die()], show_progress=False)
    assert len(outcomes) == 1 and not outcomes[0].ok and outcomes[0].error_type == "BrokenProcessPool"


def test_the_progress_bar_counts_the_jobs_and_says_what_finished_last():
    screen = io.StringIO()
    with make_executor(1, inline_when_one=True) as running:
        run_batch(running, JOBS[:3], title="squaring", console=Console(file=screen, width=120),
                  note=lambda outcome: f"done {outcome.label}")
    assert "3/3" in screen.getvalue() and "done n=3" in screen.getvalue()


def test_one_worker_runs_here_only_when_asked():
    assert isinstance(make_executor(1, inline_when_one=True), InlineExecutor)
    assert isinstance(make_executor(1), LocalExecutor), "the roster and the nbgrader loop always grade elsewhere"
    assert isinstance(make_executor(3, inline_when_one=True), LocalExecutor)
