"""The instructor's nbgrader loop in one command, and what it adds to nbgrader.

`run_loop` drives the real nbgrader commands on a course directory: collect
submissions, autograde, generate feedback, export grades. Beyond nbgrader:

* notebooks are checked before grading, so an unreadable or missing notebook
  is reported by name instead of failing the batch;
* autograding runs several students at once (nbgrader does one at a time),
  each in its own `nbgrader autograde --student` process writing to the one
  gradebook through SQLite's own locking, with a progress bar;
* `ResilientExecute` (configured in the course's nbgrader_config.py) replaces
  nbgrader's Execute: a cell that kills the kernel costs that cell, not the
  whole notebook's grades;
* feedback is checked for hidden test code before it is handed out.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute
from rich.progress import Progress

KERNEL_DIED = ("This cell stopped the Python kernel (it called os._exit, crashed, or ran out of memory). "
               "It was skipped so that the rest of the notebook could still be graded.")


class ResilientExecute(Execute):
    """nbgrader's Execute, except that a cell which kills the kernel is skipped and marked, not fatal."""

    max_crashes = 10

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> Any:
        self._running_cell = index
        return super().preprocess_cell(cell, resources, index)

    def preprocess(self, nb: Any, resources: Any, km: Any = None) -> Any:
        crashed: list[int] = []
        while True:
            attempt = copy.deepcopy(nb)
            for index in crashed:
                attempt.cells[index].source = ""
            try:
                executed, resources = super().preprocess(attempt, resources, km=km)
            except DeadKernelError:
                if len(crashed) >= self.max_crashes:
                    raise
                crashed.append(self._running_cell)
                self.log.warning("cell %d killed the kernel; grading the rest without it", self._running_cell)
                continue
            for index in crashed:
                executed.cells[index].source = nb.cells[index].source
                executed.cells[index].outputs = [nbformat.v4.new_output(
                    "error", ename="KernelDied", evalue=KERNEL_DIED, traceback=[f"KernelDied: {KERNEL_DIED}"])]
            return executed, resources


@dataclass
class LoopReport:
    graded: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    feedback: list[Path] = field(default_factory=list)
    grades_csv: Path | None = None


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True, text=True,
                          env=environment, timeout=3600)


def collect(course: Path, assignment: str, source: Path) -> list[str]:
    """Copy `source/<student>/*` into nbgrader's `submitted/<student>/<assignment>/`."""
    students = []
    for folder in sorted(path for path in source.iterdir() if path.is_dir()):
        target = course / "submitted" / folder.name / assignment
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(folder, target)
        students.append(folder.name)
    return students


def check_submission(course: Path, assignment: str, student: str) -> str | None:
    """Why a submission cannot be autograded, in words for the student, or None if it can."""
    released = sorted((course / "release" / assignment).glob("*.ipynb"))
    folder = course / "submitted" / student / assignment
    for notebook in released:
        path = folder / notebook.name
        if not path.exists():
            return f"{notebook.name} is missing from the submission; submit the notebook you were given."
        try:
            nbformat.validate(nbformat.read(path, as_version=4))
        except Exception as error:  # noqa: BLE001 - any unreadable notebook gets the same advice
            return (f"{notebook.name} is not a readable notebook ({type(error).__name__}: {str(error)[:200]}). "
                    "It was probably edited outside Jupyter; download your last good copy and submit again.")
    return None


def database_url(course: Path) -> str:
    # A long busy timeout lets several autograde processes take turns writing to one SQLite file.
    return f"sqlite:///{course / 'gradebook.db'}?timeout=300"


def autograde_all(course: Path, assignment: str, students: list[str], jobs: int) -> dict[str, str]:
    """Autograde `students` with real nbgrader, `jobs` at a time; return each one's problem, if any."""
    register_students(course, students)
    problems: dict[str, str] = {}

    def one(student: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        return student, _nbgrader(course, "autograde", assignment, "--student", student, "--force",
                                  f"--CourseDirectory.db_url={database_url(course)}")

    with Progress() as progress, ThreadPoolExecutor(max_workers=jobs) as pool:
        bar = progress.add_task(f"autograding {assignment}", total=len(students))
        for future in as_completed([pool.submit(one, student) for student in students]):
            student, run = future.result()
            if run.returncode != 0:
                problems[student] = f"nbgrader autograde failed: {run.stderr.strip()[-300:]}"
            progress.update(bar, advance=1)
    return problems


def register_students(course: Path, students: list[str]) -> None:
    """Put students in the gradebook (once, before any parallel writer), so the export lists every one."""
    from nbgrader.api import Gradebook

    with Gradebook(database_url(course)) as gradebook:
        for student in students:
            gradebook.update_or_create_student(student)


def check_feedback(course: Path, assignment: str) -> list[Path]:
    """Every feedback file; raises if any of them shows hidden test code."""
    files = sorted((course / "feedback").glob(f"*/{assignment}/*.html"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        if "BEGIN HIDDEN TESTS" in text or "hidden = True" in text:
            raise RuntimeError(f"{path} shows hidden test code; check GenerateFeedback.preprocessors in "
                               "nbgrader_config.py (it must include ClearHiddenTests)")
    return files


def run_loop(course: Path, assignment: str, *, collect_from: Path | None = None, jobs: int = 2) -> LoopReport:
    """collect -> check -> autograde (parallel) -> feedback -> export, with real nbgrader."""
    report = LoopReport()
    if collect_from is not None:
        collect(course, assignment, collect_from)
    submitted = course / "submitted"
    students = sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir()) if submitted.exists() else []
    register_students(course, students)  # an unreadable or missing notebook still gets its row (and its 0)
    gradable = []
    for student in students:
        problem = check_submission(course, assignment, student)
        if problem:
            report.problems[student] = problem
        else:
            gradable.append(student)
    report.problems.update(autograde_all(course, assignment, gradable, jobs))
    report.graded = [student for student in gradable if student not in report.problems]
    feedback = _nbgrader(course, "generate_feedback", assignment, "--force",
                         f"--CourseDirectory.db_url={database_url(course)}")
    if feedback.returncode != 0:
        raise RuntimeError(f"nbgrader generate_feedback failed:\n{feedback.stderr[-2000:]}")
    report.feedback = check_feedback(course, assignment)
    exported = _nbgrader(course, "export", "--to", str(course / "grades.csv"),
                         f"--CourseDirectory.db_url={database_url(course)}")
    if exported.returncode != 0:
        raise RuntimeError(f"nbgrader export failed:\n{exported.stderr[-2000:]}")
    report.grades_csv = course / "grades.csv"
    return report
