"""Grading many submissions at once: jobs, the executor that runs them, and one progress bar.

Three commands grade in batches: `grade --jobs N` (folders), `grade-roster`
(students' repositories) and `nbgrader-loop` (the code of each notebook). Each
describes its work as **jobs**: small frozen dataclasses that hold everything
one grading needs (plain, picklable values) and have a `run()` method that
does it. `GradeFolder` and `GradeModuleText` below are the grader's own;
`autograder.channels.repos.GradeRosterEntry` fetches a repository first. An
**executor** runs a batch of jobs and yields an `Outcome` for each as it
finishes: the value `run()` returned, or the error it raised (one job's
failure is never the batch's), and how long it took. `run_batch` draws the
progress bar (done, elapsed, time left) and puts the outcomes back in the
jobs' order.

The executors:

* `InlineExecutor` runs the jobs one after another in this process (`grade`
  with one job at a time: no process to start);
* `LocalExecutor` starts N worker processes ("spawn": a clean interpreter,
  never a fork of a process that has already imported pytest or run a test)
  that live for the whole batch and take one job after another, so a worker
  imports the grader once and keeps whatever it has warmed up from one
  student to the next.

**Plugging in another engine.** An executor is `run(jobs)`, a generator of
outcomes, plus `close()`. `DaskExecutor` (`autograder/dask_executor.py`,
imported only for `--executor dask` or `dask://HOST:PORT`) submits
`run_job(index, job)` for every job to a `distributed.Client` (the jobs and
their outcomes pickle as they do for `LocalExecutor`) and yields the results
of `distributed.as_completed`; a future that fails on the cluster (a lost
worker) becomes an outcome with its error, as a dead process does here. Jobs
name their inputs by path or URL, so every worker must reach them: a shared
folder, or jobs that fetch their own input (roster jobs clone). A shard of a
class (`grade-roster --shard i/N`, `autograder.shards`) is a choice of jobs,
not an executor: the job list is filtered before `run_batch`.
`make_executor` is the one place that chooses an executor from the command
line.
"""

from __future__ import annotations

import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from types import TracebackType
from typing import Generic, Protocol, TypeVar

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

from autograder.results import GradeReport
from hardway.catalogue import Topic, topic_by_module

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Job(Protocol[R_co]):
    """One unit of grading work: everything it needs, as plain values, and `run()` to do it."""

    @property
    def label(self) -> str:
        """Whose work this is (a student, a folder), for the progress bar and for messages."""
        ...

    def run(self) -> R_co:
        """Do the work, wherever the executor put it; an exception is this job's failure only."""
        ...


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """What became of one job: `value` when it ran to the end, otherwise `error` (and its type)."""

    #: The job's place in the batch.
    index: int
    label: str
    value: R | None = None
    #: Why the job failed: the exception's message (its type's name when it has none).
    error: str | None = None
    error_type: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def run_job(index: int, job: Job[R]) -> Outcome[R]:
    """Run `job` here and wrap what happens in an `Outcome` (what an executor runs in its workers)."""
    started = time.perf_counter()
    try:
        value = job.run()
    except Exception as error:  # noqa: BLE001 - one submission's failure must not stop the batch
        return failed(index, job, error, time.perf_counter() - started)
    return Outcome(index, job.label, value=value, seconds=time.perf_counter() - started)


def failed(index: int, job: Job[R], error: BaseException, seconds: float = 0.0) -> Outcome[R]:
    return Outcome(index, job.label, error=str(error) or type(error).__name__, error_type=type(error).__name__,
                   seconds=seconds)


# -- executors ---------------------------------------------------------------------------------------


class Executor(ABC):
    """Where a batch's jobs run. Use it in a `with` block: its workers stop when the block ends."""

    @abstractmethod
    def run(self, jobs: Sequence[Job[R]]) -> Iterator[Outcome[R]]:
        """Start every job; yield each one's outcome as it finishes, in any order."""

    @abstractmethod
    def close(self) -> None:
        """Stop the workers (after the jobs already started have finished)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


class InlineExecutor(Executor):
    """One job after another, in this process."""

    def run(self, jobs: Sequence[Job[R]]) -> Iterator[Outcome[R]]:
        for index, job in enumerate(jobs):
            yield run_job(index, job)

    def close(self) -> None:
        """Nothing to stop: the jobs ran in this process."""


class LocalExecutor(Executor):
    """`workers` spawned processes on this machine, started once and kept for every job of the batch."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def run(self, jobs: Sequence[Job[R]]) -> Iterator[Outcome[R]]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"))
        futures: dict[Future[Outcome[R]], int] = {self._pool.submit(run_job, index, job): index
                                                  for index, job in enumerate(jobs)}
        for future in as_completed(futures):
            index = futures[future]
            try:
                yield future.result()
            except Exception as error:  # noqa: BLE001 - the worker died (killed, out of memory): this job failed
                yield failed(index, jobs[index], error)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


#: What `--executor` accepts (the commands' help text says it the same way).
EXECUTORS_HELP = ("where the jobs run: `local` (default: --jobs processes on this machine), `dask` (a Dask "
                  "LocalCluster of --jobs worker processes) or dask://HOST:PORT (a running Dask scheduler)")


def make_executor(workers: int, *, inline_when_one: bool = False, engine: str = "local") -> Executor:
    """The executor for a batch, chosen by `engine` (the command line's `--executor`).

    `local`: `workers` processes here, or this process alone when asked and `workers` is 1; `dask`: a
    LocalCluster of `workers` processes; `dask://HOST:PORT`: a running cluster. An engine asked for by
    name is used even for one job. ValueError names a spec that is none of these;
    `autograder.dask_executor.DaskUnavailable` says Dask is missing or its scheduler cannot be reached.
    """
    check_engine(engine)
    if engine == "local":
        if inline_when_one and workers <= 1:
            return InlineExecutor()
        return LocalExecutor(workers)
    from autograder.dask_executor import DaskExecutor, scheduler_address  # only when asked: Dask is optional

    return DaskExecutor(None if engine == "dask" else scheduler_address(engine), workers)


def check_engine(engine: str) -> None:
    """ValueError, saying what is accepted, unless `engine` names an executor (before any work starts)."""
    if engine in ("local", "dask"):
        return
    if not engine.startswith("dask://"):
        raise ValueError(f"--executor {engine!r} is not an executor: {EXECUTORS_HELP}")
    from autograder.dask_executor import scheduler_address

    scheduler_address(engine)


# -- progress ----------------------------------------------------------------------------------------


class ProgressBar:
    """A batch's progress: a bar with done/total, elapsed time and the time left, and lines printed above it."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress, self._task = progress, task

    def describe(self, text: str) -> None:
        self._progress.update(self._task, description=text)

    def advance(self, description: str | None = None) -> None:
        self._progress.update(self._task, advance=1, description=description)

    def print(self, text: str) -> None:
        self._progress.console.print(text)


@contextmanager
def progress_bar(title: str, total: int, console: Console | None = None) -> Iterator[ProgressBar]:
    """The one progress display of the kit's batches (roster, `grade --jobs`, the nbgrader loop's stages)."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("left"), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        yield ProgressBar(progress, progress.add_task(title, total=total))


def run_batch(executor: Executor, jobs: Sequence[Job[R]], *, title: str = "grading", show_progress: bool = True,
              note: Callable[[Outcome[R]], str] | None = None, console: Console | None = None) -> list[Outcome[R]]:
    """Run `jobs` on `executor`; return their outcomes in the jobs' order.

    With `show_progress`, a progress bar counts them; `note` turns each outcome into the bar's text.
    """
    outcomes: list[Outcome[R] | None] = [None] * len(jobs)
    if not show_progress:
        for outcome in executor.run(jobs):
            outcomes[outcome.index] = outcome
    else:
        with progress_bar(title, len(jobs), console) as bar:
            for outcome in executor.run(jobs):
                outcomes[outcome.index] = outcome
                bar.advance(note(outcome) if note else None)
    return [outcome for outcome in outcomes if outcome is not None]


# -- the grader's jobs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeFolder:
    """Grade a folder of exercise modules (`autograder grade`), and write its reports to `out` if given."""

    submission: Path
    out: Path | None = None
    seed: int | None = None
    topics: tuple[Topic, ...] | None = None
    include_hidden: bool = True
    call_timeout_s: float | None = None
    tasks: frozenset[str] | None = None
    budget_s: float | None = None

    @property
    def label(self) -> str:
        return str(self.submission)

    def run(self) -> GradeReport:
        from autograder.grading import grade  # here, not above: a worker imports pytest only when it grades

        report = grade(self.submission, seed=self.seed, topics=list(self.topics) if self.topics else None,
                       include_hidden=self.include_hidden, call_timeout_s=self.call_timeout_s, tasks=self.tasks,
                       budget_s=self.budget_s)
        if self.out is not None:
            report.write(self.out)
        return report


@dataclass(frozen=True)
class GradeModuleText:
    """Grade `source` as exercise `module`'s file (the code taken out of a notebook), public and hidden tests."""

    source: str
    module: str
    seed: int
    label: str = ""

    def run(self) -> GradeReport:
        from autograder.grading import grade

        topic = topic_by_module(self.module)
        with tempfile.TemporaryDirectory(prefix="hardway-notebook-") as folder:
            (Path(folder) / topic.filename).write_text(self.source, encoding="utf-8")
            return grade(Path(folder), seed=self.seed, topics=[topic])
