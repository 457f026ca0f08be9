"""The instructor's nbgrader loop in one command, and why its grades can be trusted.

`run_loop` drives the real nbgrader commands on a course directory: collect
submissions, autograde, generate feedback, export grades. A submitted notebook
is hostile code, and nbgrader runs it in a kernel that belongs to the student:
code there can replace `check_task`, patch pytest, print any number, start a
daemon. So the loop adds layers, each stopping its own attacks:

1. **Grades come from the grader, not the kernel** (`grade_notebooks`,
   `write_scores`). After every kernel is gone, the student's code is taken
   out of the submitted notebook (`autograder.channels.notebook_code`), written to
   `exNN_topic.py` in a fresh folder and graded by `autograder.grading.grade`,
   public and hidden tests, in the grader's sandbox, with one seed for the
   whole run. Each test cell's `auto_score` in the gradebook is then set to
   what its task earned, through nbgrader's own API, so formgrader, feedback
   and `nbgrader export` show those numbers. Stops: a replaced `check_task`,
   patched pytest or display hooks, a test cell that returns None, a string or
   a negative number, an edited or deleted test cell. The kernel's own claim
   is kept in the report (`kernel_scores`): a claim above the grade is a
   notebook that tried.
2. **Test cells fail loudly** (`autograder.authoring.notebook_builder.TEST_CELL`): a test cell
   asserts that every public point was earned, so nbgrader's own number for an
   unfinished or tampered task is 0, never full credit by default.
3. **The kernel is jailed, and nothing outlives autograde**
   (`autograder.channels.kernel_jail`). The kernel runs under bubblewrap and sees
   neither the course (gradebook.db, other students), nor the grader package
   and its hidden tests, nor `solutions/`; every process it starts dies with
   it. Each `nbgrader autograde --student` runs under a subreaper that kills
   whatever is left when it ends, even without bubblewrap. The manual fields
   a kernel could have written without the jail (`manual_score`,
   `extra_credit`, a cell's `max_score`) are put back from a copy taken
   before autograding, and the trusted scores are written last.
4. **Feedback shows no student output and no secrets**: `ClearStudentOutputs`
   (in GenerateFeedback's preprocessors) empties the outputs of every cell
   but the test cells, and `check_feedback` withholds any feedback file that
   shows lines of the hidden tests or of the reference answers
   (`autograder.leaks`).
5. **A crash costs a cell, not the notebook** (`ResilientExecute`): after a
   cell kills the kernel, a new kernel gets the notebook's definitions back
   and execution goes on with the next cell, within a time budget
   (`c.ResilientExecute.crash_budget_s` in the course's config).

The two preprocessors of layers 4 and 5 are in
`autograder.channels.nbgrader_preprocessors`: nbgrader loads them from the
course's `nbgrader_config.py`, in the processes this loop starts.

Beyond trust, the loop does every step a fresh course needs (the assignment
goes into the gradebook, and release/ is made, when they are missing), checks
notebooks before grading (an unreadable or missing notebook is reported by
name), records each submission's time (`timestamp.txt`, nbgrader's own record,
so late penalties work), autogrades several students at once, each in its own
`nbgrader autograde --student` process writing to the one gradebook through
SQLite's own locking, and ends with `grades.csv` (nbgrader's export, with a
column per task and each student's status) and a table of every student it
graded. Every problem names its student and its stage; a stage that fails for
the whole course raises `LoopError`, which names the stage.

The course is a folder the instructor chooses (`autograder course-init DIR`
makes one from the kit), so students' data never lands in the kit's checkout.
"""

from __future__ import annotations

import ast
import csv
import datetime
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.utils import parse_utc
from rich.console import Console
from rich.markup import escape

from autograder import leaks
from autograder.batch import GradeModuleText, make_executor, progress_bar, run_batch
from autograder.channels.kernel_jail import TIMED_OUT
from autograder.channels.notebook_code import notebook_module
from autograder.authoring.notebook_builder import task_of_test_cell
from autograder.results import TaskGrade


#: student -> notebook -> task -> its grade.
Scores = dict[str, dict[str, dict[str, TaskGrade]]]


@dataclass
class LoopReport:
    seed: int = 0
    #: the students this run looked at (every submission, or those named with `--student`).
    students: list[str] = field(default_factory=list)
    #: students whose code the grader graded and whose scores it wrote (whatever became of their autograde).
    graded: list[str] = field(default_factory=list)
    #: student -> what went wrong, each part as "stage: what happened".
    problems: dict[str, str] = field(default_factory=dict)
    #: what the loop did for the course beyond grading (an assignment put in the gradebook, a release made).
    notes: list[str] = field(default_factory=list)
    feedback: list[Path] = field(default_factory=list)
    grades_csv: Path | None = None
    #: grades.csv's rows for this run's students and assignment.
    rows: list[dict[str, str]] = field(default_factory=list)
    #: student -> notebook -> task -> its grade, from the grader.
    scores: Scores = field(default_factory=dict)
    #: student -> what nbgrader recorded from the student's kernel, before the grader's scores replaced it.
    kernel_scores: dict[str, float] = field(default_factory=dict)
    #: students whose manual fields in the gradebook changed while their kernels ran, and were put back.
    restored: list[str] = field(default_factory=list)
    #: wall-clock seconds of each stage.
    seconds: dict[str, float] = field(default_factory=dict)

    def add_problem(self, student: str, stage: str, message: str) -> None:
        said = f"{stage}: {message}"
        self.problems[student] = f"{self.problems[student]}; {said}" if student in self.problems else said

    def status(self, student: str) -> str:
        """One line for the table and grades.csv: graded, or why not, and anything that went wrong."""
        problem = self.problems.get(student)
        if student in self.graded:
            return f"graded; {problem}" if problem else "graded"
        return f"not graded: {problem}" if problem else "not graded"


class LoopError(RuntimeError):
    """A stage of the loop failed for the whole course; `stage` names it, and `report` holds what was done."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"{stage}: {message}")
        self.stage = stage
        self.report: LoopReport | None = None


#: The longest one student's `nbgrader autograde` may take (a hostile notebook can stall every cell).
AUTOGRADE_TIMEOUT_S = 3600
#: The commands nbgrader runs by name, found on PATH (the Gradebook runs `alembic` to check the database).
TOOLS = ("alembic",)
#: Where the commands of the kit's own installation live (its virtual environment's bin/).
KIT_BIN = Path(sys.executable).parent
console = Console(highlight=False)


def use_kit_tools() -> None:
    """Put the kit's bin/ first on PATH, for this process and every command it starts.

    nbgrader's Gradebook runs `alembic` by name, so `.venv/bin/autograder` (a virtual
    environment that was not activated) would otherwise fail to open a gradebook.
    """
    folders = os.environ.get("PATH", "").split(os.pathsep)
    if str(KIT_BIN) not in folders:
        os.environ["PATH"] = os.pathsep.join([str(KIT_BIN), *(folder for folder in folders if folder)])


def missing_tool(error: FileNotFoundError) -> LoopError:
    name = Path(str(error.filename or "")).name or "a command"
    return LoopError("tools", f"nbgrader needs the command `{name}`, which is neither on PATH nor in {KIT_BIN}. "
                     "Install the kit with `pip install -e .` into a virtual environment and run that "
                     "environment's `autograder`.")


@contextmanager
def open_gradebook(course: Path) -> Iterator[Gradebook]:
    """nbgrader's Gradebook of `course`, with the kit's tools on PATH (it runs `alembic`)."""
    use_kit_tools()
    new = not (course / "gradebook.db").exists()
    try:
        gradebook = Gradebook(database_url(course))
    except FileNotFoundError as error:
        if new:  # not a half-made gradebook (tables, but no alembic version) for the next run to trip on
            (course / "gradebook.db").unlink(missing_ok=True)
        raise missing_tool(error) from error
    with gradebook:
        yield gradebook


def _nbgrader(course: Path, *args: str, reaped: bool = False) -> subprocess.CompletedProcess[str]:
    """Run an nbgrader command in the course; `reaped`: under the reaper, which also enforces the time limit.

    (subprocess.run's own timeout would kill the reaper alone, and leave nbgrader and its kernel running.)
    """
    use_kit_tools()
    command = [sys.executable, "-m", "nbgrader", *args]
    if reaped:
        command = [sys.executable, "-m", "autograder.channels.kernel_jail", "--timeout", str(AUTOGRADE_TIMEOUT_S), "--",
                   *command]
    return subprocess.run(command, cwd=course, capture_output=True, text=True, env=dict(os.environ),
                          timeout=AUTOGRADE_TIMEOUT_S + 600)


#: nbgrader's lines that say only that something failed, not what.
GENERIC = ("There was an error processing", "Please see the the above traceback", "Please see the above traceback",
           "Traceback (most recent call last)", "Removing failed assignment", "Removing existing assignment")
EXCEPTION_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(Error|Exception|Exit|Entry)): ?(.*)$")


def nbgrader_said(run: subprocess.CompletedProcess[str], limit: int = 600) -> str:
    """What a failed nbgrader command said went wrong: the exception it raised, its ERROR and WARNING lines,
    else the end of its output."""
    lines = (run.stdout + run.stderr).splitlines()
    said = []
    for line in lines:
        level = re.match(r"^\[\w+ \| (ERROR|CRITICAL|WARNING)\] (.*)$", line)
        if level and not level.group(2).startswith(GENERIC) and "not recognized by" not in level.group(2):
            said.append(level.group(2).strip())
        elif EXCEPTION_LINE.match(line) and not line.startswith("["):
            said.append(line.strip())
    said = [line for line in dict.fromkeys(said) if line]
    text = " / ".join(said) if said else "\n".join(lines[-6:]).strip()
    if not text:
        text = f"exit status {run.returncode}, and no output"
    return text if len(text) <= limit else text[:limit] + "..."


# -- a fresh course ----------------------------------------------------------------------------------


def prepare_course(course: Path, assignment: str) -> list[str]:
    """Put `assignment` in the gradebook and make its release if either is missing; return what was done.

    The gradebook learns an assignment's notebooks and test cells from `nbgrader generate_assignment
    --create`. Where release/ already holds the assignment (the notebooks students were given), the
    release is left as it is: the gradebook is filled from a scratch release, compared with it.
    """
    source, release = course / "source" / assignment, course / "release" / assignment
    with open_gradebook(course) as gradebook:
        try:
            known = bool(gradebook.find_assignment(assignment).notebooks)
        except MissingEntry:
            known = False
    if known and release.is_dir():
        return []
    if not source.is_dir():
        raise LoopError("prepare", f"{assignment} is not in {course}'s gradebook and {source} does not exist. "
                        "Set the course up with `autograder course-init DIR` (it copies source/ and makes the "
                        "release), or check the assignment's name.")
    if not release.is_dir():
        generate_assignment(course, assignment)
        return [f"made release/{assignment} from source/ and put {assignment} in the gradebook"]
    with tempfile.TemporaryDirectory(prefix="hardway-release-") as scratch:
        generate_assignment(course, assignment, f"--CourseDirectory.release_directory={scratch}")
        made = {path.relative_to(Path(scratch) / assignment): path.read_bytes()
                for path in (Path(scratch) / assignment).rglob("*") if path.is_file()}
    given = {path.relative_to(release): path.read_bytes() for path in release.rglob("*") if path.is_file()}
    notes = [f"put {assignment} in the gradebook (from source/{assignment})"]
    if made != given:
        notes.append(f"release/{assignment} differs from what source/{assignment} makes now: grading follows "
                     "source/; run `nbgrader generate_assignment --force` if students should get the new one")
    return notes


def generate_assignment(course: Path, assignment: str, *options: str) -> None:
    run = _nbgrader(course, "generate_assignment", assignment, "--create", "--force",
                    f"--CourseDirectory.db_url={database_url(course)}", *options)
    if run.returncode != 0:
        raise LoopError("prepare", f"nbgrader generate_assignment {assignment} failed: {nbgrader_said(run)}")


# -- collect and check -------------------------------------------------------------------------------


TIMESTAMP = "timestamp.txt"


def collect(course: Path, assignment: str, source: Path, students: list[str] | None = None) -> list[str]:
    """Copy `source/<student>/*` into nbgrader's `submitted/<student>/<assignment>/`: plain files only.

    `students`: only these folders. A symbolic link (`notes.txt -> ../../gradebook.db`) is left behind, not
    followed: nbgrader copies a submission's files on to `autograded/` and `feedback/`, and would hand back
    what the link points to. Each submission gets nbgrader's `timestamp.txt`, the time its newest file was
    last changed (not a `timestamp.txt` of the student's own).
    """
    if not source.is_dir():
        raise LoopError("collect", f"{source} is not a folder (expected one folder per student, each holding "
                        f"{assignment}.ipynb)")
    collected = []
    for folder in sorted(path for path in source.iterdir() if path.is_dir() and not path.is_symlink()):
        if students is not None and folder.name not in students:
            continue
        target = course / "submitted" / folder.name / assignment
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(folder, target, ignore=not_plain)
        (target / TIMESTAMP).unlink(missing_ok=True)
        write_timestamp(target)
        collected.append(folder.name)
    return collected


def write_timestamp(folder: Path) -> None:
    """nbgrader's `timestamp.txt` in a submission folder: when its newest file last changed (else now), in UTC."""
    times = [path.stat().st_mtime for path in folder.rglob("*") if path.is_file() and path.name != TIMESTAMP]
    when = datetime.datetime.fromtimestamp(max(times, default=time.time()), datetime.timezone.utc)
    (folder / TIMESTAMP).write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f %Z") + "\n", encoding="utf-8")


def read_timestamp(folder: Path) -> datetime.datetime | None:
    try:
        return parse_utc((folder / TIMESTAMP).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def not_plain(folder: str, names: list[str]) -> set[str]:
    """For `shutil.copytree`: the names in `folder` that are links, devices or pipes."""
    paths = {name: Path(folder, name) for name in names}
    return {name for name, path in paths.items() if path.is_symlink() or not (path.is_file() or path.is_dir())}


def remove_links(folder: Path) -> list[Path]:
    """Delete every link, device or pipe under `folder` (a kernel's working folder); return them.

    nbgrader's generate_feedback copies the files of `autograded/<student>/<assignment>/` into
    feedback, following links: a kernel that made one to a file it could not read would get it back.
    """
    removed = []
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(parent, name)
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                path.unlink()
                removed.append(path)
    return removed


def check_submission(course: Path, assignment: str, student: str) -> str | None:
    """Why a submission cannot be autograded, in words for the student, or None if it can."""
    released = sorted((course / "release" / assignment).glob("*.ipynb"))
    folder = course / "submitted" / student / assignment
    for notebook in released:
        path = folder / notebook.name
        if not path.exists():
            return f"missing notebook: {notebook.name} is not in the submission; submit the notebook you were given."
        try:
            nbformat.validate(nbformat.read(path, as_version=4))
        except Exception as error:  # noqa: BLE001 - any unreadable notebook gets the same advice
            return (f"{notebook.name} is not a readable notebook ({type(error).__name__}: {str(error)[:200]}). "
                    "It was probably edited outside Jupyter; download your last good copy and submit again.")
    return None


def database_url(course: Path) -> str:
    # A long busy timeout lets several autograde processes take turns writing to one SQLite file.
    return f"sqlite:///{course.absolute() / 'gradebook.db'}?timeout=300"


# -- autograde -----------------------------------------------------------------------------------------


def autograde_all(course: Path, assignment: str, students: list[str], jobs: int) -> dict[str, str]:
    """Autograde `students` with real nbgrader, `jobs` at a time, each reaped; return each one's problem, if any.

    The progress bar names the students being autograded; a line says when each is done. Each job here is an
    `nbgrader autograde` process that a thread starts and waits for, so threads suffice (the batch executor's
    workers are for grading in Python, in processes of their own).
    """
    register_students(course, students)
    problems: dict[str, str] = {}
    running: list[str] = []

    def one(student: str) -> tuple[str, subprocess.CompletedProcess[str], float]:
        running.append(student)
        bar.describe(describe(running))
        started = time.perf_counter()
        try:
            return student, _nbgrader(course, "autograde", assignment, f"--student={student}", "--force",
                                      f"--CourseDirectory.db_url={database_url(course)}", reaped=True), \
                time.perf_counter() - started
        finally:
            running.remove(student)

    def describe(names: list[str]) -> str:
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return f"autograding {assignment}: {escape(shown)}" if names else f"autograding {assignment}"

    with progress_bar(describe([]), len(students), console) as bar, \
            ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for future in as_completed([pool.submit(one, student) for student in students]):
            student, run, seconds = future.result()
            if run.returncode == TIMED_OUT:
                problems[student] = f"nbgrader autograde took longer than {AUTOGRADE_TIMEOUT_S} s and was stopped"
            elif run.returncode != 0:
                problems[student] = f"nbgrader autograde failed: {nbgrader_said(run, 300)}"
            said = f"[red]{escape(problems[student])}[/]" if student in problems else "done"
            bar.print(f"autograded {escape(student)} ({seconds:.1f} s): {said}")
            bar.advance(describe(running))
    return problems


def register_students(course: Path, students: list[str]) -> None:
    """Put students in the gradebook (once, before any parallel writer), so the export lists every one."""
    with open_gradebook(course) as gradebook:
        for student in students:
            gradebook.update_or_create_student(student)


# -- what a kernel could have written: kept before autograde, put back after ---------------------

ManualFields = dict[tuple[str, str, str], tuple[Any, ...]]


def manual_fields(course: Path, assignment: str) -> ManualFields:
    """(student, notebook, cell) -> (manual_score, extra_credit) of every grade; ("", notebook, cell) -> max_score."""
    fields: ManualFields = {}
    with open_gradebook(course) as gradebook:
        try:
            found = gradebook.find_assignment(assignment)
        except MissingEntry:
            return fields
        for notebook in found.notebooks:
            for cell in notebook.grade_cells:
                fields["", notebook.name, cell.name] = (cell.max_score,)
        for submission in found.submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    fields[submission.student.id, notebook.name, grade.name] = (grade.manual_score,
                                                                                grade.extra_credit)
    return fields


def restore_manual_fields(course: Path, assignment: str, before: ManualFields) -> list[str]:
    """Put back every field `manual_fields` copied (None for a grade that is new); return whose changed."""
    changed: set[str] = set()
    with open_gradebook(course) as gradebook:
        found = gradebook.find_assignment(assignment)
        for notebook in found.notebooks:
            for cell in notebook.grade_cells:
                if ("", notebook.name, cell.name) in before and (cell.max_score,) != before["", notebook.name,
                                                                                             cell.name]:
                    cell.max_score, = before["", notebook.name, cell.name]
                    changed.add("(a cell's max_score)")
        for submission in found.submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    kept = before.get((submission.student.id, notebook.name, grade.name), (None, None))
                    if (grade.manual_score, grade.extra_credit) != kept:
                        grade.manual_score, grade.extra_credit = kept
                        changed.add(submission.student.id)
        gradebook.db.commit()
    return sorted(changed)


# -- the grader's scores ---------------------------------------------------------------------------


def grade_notebook(path: Path, notebook_name: str, seed: int) -> dict[str, TaskGrade]:
    """Each task's grade, from grading the code of the submitted notebook at `path`."""
    source = notebook_module(nbformat.read(path, as_version=4), notebook_name)
    return GradeModuleText(source, notebook_name, seed).run().task_grades()


def assignment_notebooks(course: Path, assignment: str) -> list[str]:
    with open_gradebook(course) as gradebook:
        return [notebook.name for notebook in gradebook.find_assignment(assignment).notebooks]


def grade_notebooks(course: Path, assignment: str, students: list[str], seed: int, jobs: int,
                    executor: str = "local") -> tuple[Scores, dict[str, str]]:
    """Grade every student's submitted notebooks, `jobs` at a time on `executor`; return the grades and any problems.

    Identical code (the same syntax tree: comments and blank lines aside) is graded once:
    with one seed for the run, it earns the same points. A line says when each student is graded.
    """
    modules: dict[tuple[str, str], tuple[str, str]] = {}  # (student, notebook) -> (module, its syntax tree)
    problems: dict[str, str] = {}
    notebooks = assignment_notebooks(course, assignment)
    for student in students:
        for name in notebooks:
            path = course / "submitted" / student / assignment / f"{name}.ipynb"
            try:
                source = notebook_module(nbformat.read(path, as_version=4), name)
                modules[student, name] = source, ast.dump(ast.parse(source))
            except Exception as error:  # noqa: BLE001 - code nested too deep to parse, say: this student only
                problems[student] = f"the grader could not read {name}: {type(error).__name__}: {error}"
    scores: Scores = {student: {} for student in students}
    first: dict[tuple[str, str], int] = {}  # (notebook, syntax tree) -> its job
    work: list[GradeModuleText] = []
    for (student, name), (source, tree) in modules.items():
        if (name, tree) not in first:
            first[name, tree] = len(work)
            work.append(GradeModuleText(source, name, seed, label=f"{student}'s {name}"))
    # Worker processes, even for one job: grade() runs pytest, which must not run inside this process's own.
    with make_executor(jobs, engine=executor) as running:
        outcomes = run_batch(running, work, title=f"grading the code of {len(work)} notebooks", console=console,
                             note=lambda outcome: f"graded {escape(outcome.label)}")
    for (student, name), (_, tree) in modules.items():
        outcome = outcomes[first[name, tree]]
        if outcome.value is None:  # one student's failure is reported, not fatal
            problems[student] = f"the grader could not grade {name}: {outcome.error_type}: {outcome.error}"
            continue
        scores[student][name] = outcome.value.task_grades()
        earned = sum(grade.points for grade in scores[student][name].values())
        possible = sum(grade.possible for grade in scores[student][name].values())
        console.print(f"graded {escape(student)}'s {name}: {earned:g} / {possible:g} points")
    return scores, problems


def kernel_claims(course: Path, assignment: str, students: list[str]) -> dict[str, float]:
    """What nbgrader recorded for each student from the kernel's test cells (before `write_scores`)."""
    with open_gradebook(course) as gradebook:
        claims = {}
        for student in students:
            try:
                claims[student] = gradebook.find_submission(assignment, student).code_score
            except MissingEntry:
                continue
        return claims


def write_scores(course: Path, assignment: str, scores: Scores) -> None:
    """Set each test cell's auto_score to its task's points from the grader, through nbgrader's API.

    A notebook the grader could not grade gets 0 on every test cell, marked for a person to look at.
    """
    with open_gradebook(course) as gradebook:
        notebooks = gradebook.find_assignment(assignment).notebooks
        for student, graded in scores.items():
            submission = gradebook.update_or_create_submission(assignment, student)  # autograde may have failed
            if submission.timestamp is None:
                submission.timestamp = read_timestamp(course / "submitted" / student / assignment)
            for notebook in notebooks:
                tasks = graded.get(notebook.name)
                for cell in notebook.grade_cells:
                    task = task_of_test_cell(cell.name)
                    if task is None:
                        continue
                    if tasks is not None and tasks[task].possible != cell.max_score:
                        raise LoopError("grade", f"task {task} is worth {tasks[task].possible:g} points in the tests "
                                        f"but {cell.max_score:g} in the gradebook: release the notebook again "
                                        "(`autograder notebooks`, then nbgrader generate_assignment)")
                    grade = gradebook.find_grade(cell.name, notebook.name, assignment, student)
                    grade.auto_score = tasks[task].points if tasks is not None else 0.0
                    grade.needs_manual_grade = tasks is None or grade.manual_score is not None
        gradebook.db.commit()


def annotate_autograded(course: Path, assignment: str, scores: Scores) -> None:
    """Under each test cell of the autograded notebooks, what the grader gave it, so feedback says so."""
    for student, graded in scores.items():
        for name, tasks in graded.items():
            path = course / "autograded" / student / assignment / f"{name}.ipynb"
            if not path.exists():  # its autograde failed: there is no feedback to annotate
                continue
            notebook = nbformat.read(path, as_version=4)
            for cell in notebook.cells:
                task = task_of_test_cell(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
                if cell.cell_type == "code" and task in tasks:
                    cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=grader_note(
                        task, tasks[task])))
            nbformat.write(notebook, path)


def grader_note(task: str, grade: TaskGrade) -> str:
    note = (f"\nGraded: task {task} earned {grade.points:g} of {grade.possible:g} points when the grader ran "
            "your notebook's code by itself, with the public tests and hidden ones.\n")
    if grade.failed:
        note += "Tests that failed: " + ", ".join(grade.failed) + ".\n"
    return note


def record_path(course: Path, assignment: str) -> Path:
    return course / f"grader-{assignment}.json"


def read_record(course: Path, assignment: str) -> dict[str, Any]:
    try:
        record = json.loads(record_path(course, assignment).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def write_record(course: Path, assignment: str, report: LoopReport) -> Path:
    """`grader-<assignment>.json` in the course: the seed, grades and status of every student, to repeat or audit.

    A run that grades some students (`--student`) updates their entries and keeps the others'.
    """
    record = read_record(course, assignment)
    entries = {key: dict(record.get(key) or {}) for key in ("scores", "seeds", "status", "kernel_claimed")}
    for student in report.students:
        for key in entries:
            entries[key].pop(student, None)
        entries["status"][student] = report.status(student)
        if student in report.scores and student in report.graded:
            entries["scores"][student] = {name: {task: asdict(grade) for task, grade in tasks.items()}
                                          for name, tasks in report.scores[student].items()}
            entries["seeds"][student] = report.seed
        if student in report.kernel_scores:
            entries["kernel_claimed"][student] = report.kernel_scores[student]
    record.update(entries, assignment=assignment, seed=report.seed, manual_fields_put_back=report.restored,
                  repeat="autograder.channels.nbgrader_loop.grade_notebook(<submitted notebook>, <notebook name>, "
                         "seed=<the student's seed in 'seeds'>)")
    path = record_path(course, assignment)
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


# -- feedback --------------------------------------------------------------------------------------


#: A feedback file larger than this is withheld: no honest feedback is anywhere near it.
LARGEST_FEEDBACK_FILE = 8 * 1024 * 1024


def check_feedback(course: Path, assignment: str, students: list[str] | None = None,
                   ) -> tuple[list[Path], dict[str, str]]:
    """The feedback pages that are safe to hand out, and the students whose feedback was withheld.

    Every file in a student's feedback folder (`students`: only theirs) is read (nbgrader copies the
    files of the kernel's working folder there too). One that shows lines of the hidden tests or of the
    reference answers that the student's own notebook does not hold (see `autograder.leaks`), or is too
    large to read, is deleted.
    """
    pages, withheld = [], {}
    for folder in sorted((course / "feedback").glob(f"*/{assignment}")):
        student = folder.parent.name
        if students is not None and student not in students:
            continue
        known = leaks.submitted_lines((course / "submitted" / student / assignment).glob("*.ipynb"))
        for path in sorted(path for path in folder.rglob("*") if path.is_file()):
            why = feedback_problem(path, known)
            if why:
                path.unlink()
                withheld[student] = f"feedback withheld: {path.name} {why}"
            elif path.suffix == ".html":
                pages.append(path)
    return pages, withheld


def feedback_problem(path: Path, known: set[str]) -> str | None:
    """Why the feedback file at `path` must not be handed out, or None."""
    if path.stat().st_size > LARGEST_FEEDBACK_FILE:
        return f"is larger than {LARGEST_FEEDBACK_FILE // 2**20} MiB"
    runs = leaks.leaked_runs(path.read_bytes().decode("utf-8", errors="replace"), known)
    if runs:
        return (f"showed {len(runs)} run(s) of lines from the hidden tests or the reference answers, "
                f"starting {runs[0][0]!r}")
    return None


# -- grades.csv ------------------------------------------------------------------------------------


def task_column(task: str) -> str:
    return f"task {task}"


def write_grades_csv(course: Path, path: Path, report: LoopReport, assignment: str) -> None:
    """Add to nbgrader's export a column per task (the points in the gradebook) and each student's status.

    Every assignment and student of the gradebook keeps its row; the status of a student comes from the
    assignment's `grader-<assignment>.json` (so a `--student` run keeps everyone else's), and a submission
    time missing from the gradebook (a notebook that could not be graded) from its `timestamp.txt`.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns, rows = list(reader.fieldnames or []), list(reader)
    tasks: dict[str, list[str]] = {}  # assignment -> its tasks, in order
    points: dict[tuple[str, str], dict[str, float]] = {}  # (assignment, student) -> task -> points
    with open_gradebook(course) as gradebook:
        for found in gradebook.assignments:
            tasks[found.name] = [task for notebook in found.notebooks for cell in notebook.grade_cells
                                 if (task := task_of_test_cell(cell.name))]
            for submission in found.submissions:
                points[found.name, submission.student.id] = {
                    task: grade.score for notebook in submission.notebooks for grade in notebook.grades
                    if (task := task_of_test_cell(grade.name))}
    records = {name: read_record(course, name).get("status", {}) for name in tasks}
    task_columns = list(dict.fromkeys(task_column(task) for name in tasks for task in tasks[name]))
    for row in rows:
        name, student = row["assignment"], row["student_id"]
        earned = points.get((name, student))
        for task in tasks.get(name, []):
            row[task_column(task)] = f"{earned.get(task, 0.0):g}" if earned is not None else ""
        if not row.get("timestamp"):
            when = read_timestamp(course / "submitted" / student / name)
            row["timestamp"] = str(when) if when else ""
        row["status"] = records.get(name, {}).get(student) or ("graded by nbgrader" if earned is not None
                                                              else "no submission")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*columns, *task_columns, "status"], restval="")
        writer.writeheader()
        writer.writerows(rows)
    report.rows = [row for row in rows if row["assignment"] == assignment and row["student_id"] in report.students]


# -- the loop --------------------------------------------------------------------------------------


@contextmanager
def stage(report: LoopReport, name: str) -> Iterator[None]:
    """Time a stage; any failure in it becomes a `LoopError` that names the stage (or the missing tool)."""
    started = time.perf_counter()
    try:
        yield
    except LoopError as error:
        error.report = report
        raise
    except Exception as error:  # noqa: BLE001 - whatever it was, the instructor learns the stage it stopped
        if isinstance(error, FileNotFoundError) and Path(str(error.filename or "")).name in TOOLS:
            failure = missing_tool(error)
        else:
            failure = LoopError(name, f"{type(error).__name__}: {error}")
        failure.report = report
        raise failure from error
    finally:
        report.seconds[name] = time.perf_counter() - started


def run_loop(course: Path, assignment: str, *, collect_from: Path | None = None, jobs: int = 2,
             seed: int | None = None, students: list[str] | None = None, executor: str = "local") -> LoopReport:
    """prepare -> collect -> check -> autograde (parallel, jailed) -> grade the code -> scores -> feedback -> export.

    `students`: only these (to regrade one student); the others' grades stay as they are. `executor`: where the
    code is graded (`batch.make_executor`).
    Raises `LoopError` (with the report so far) when a stage fails for the whole course.
    """
    use_kit_tools()
    course = course.absolute()
    report = LoopReport(seed=secrets.randbelow(2**31) if seed is None else seed)
    with stage(report, "prepare"):
        report.notes += prepare_course(course, assignment)
    if collect_from is not None:
        with stage(report, "collect"):
            collect(course, assignment, collect_from, students)
    with stage(report, "check"):
        gradable = check_submissions(course, assignment, report, students)
    with stage(report, "autograde"):
        autograde_stage(course, assignment, gradable, jobs, report)
    with stage(report, "grade"):  # every readable notebook: its grade does not depend on how its kernel fared
        grade_stage(course, assignment, gradable, jobs, report, executor)
    with stage(report, "feedback and export"):
        feedback_and_export(course, assignment, report, selected=students is not None)
    return report


def check_submissions(course: Path, assignment: str, report: LoopReport, students: list[str] | None = None,
                      ) -> list[str]:
    """Every submitting student (or those named) in the gradebook; the problems of those who cannot be
    graded; the others."""
    submitted = course / "submitted"
    found = sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir()) if submitted.exists() else []
    if students is not None:
        for student in sorted(set(students) - set(found)):
            report.add_problem(student, "check", f"no submission: {submitted / student / assignment} does not "
                               "exist (collect it with --collect-from, or check the name)")
        found = [student for student in found if student in students]
    report.students = sorted(set(found) | set(students or ()))
    register_students(course, found)  # an unreadable or missing notebook still gets its row (and its 0)
    gradable = []
    for student in found:
        folder = course / "submitted" / student / assignment
        remove_links(folder)  # however the files got there
        if read_timestamp(folder) is None:
            write_timestamp(folder)
        problem = check_submission(course, assignment, student)
        if problem:
            report.add_problem(student, "check", problem)
        else:
            gradable.append(student)
    return gradable


def autograde_stage(course: Path, assignment: str, students: list[str], jobs: int, report: LoopReport) -> None:
    """nbgrader autograde, jailed and reaped; then put back what a kernel could have written."""
    before = manual_fields(course, assignment)
    for student, problem in autograde_all(course, assignment, students, jobs).items():
        report.add_problem(student, "autograde", problem + " (no feedback; the grader still grades the code)")
    # Every kernel, and everything it started, is gone now: what is written from here on is the grader's.
    for student in students:
        remove_links(course / "autograded" / student / assignment)
    report.restored = restore_manual_fields(course, assignment, before)
    report.kernel_scores = kernel_claims(course, assignment, students)


def grade_stage(course: Path, assignment: str, students: list[str], jobs: int, report: LoopReport,
                executor: str = "local") -> None:
    """The grader grades each notebook's code; its scores go into the gradebook and under each test cell."""
    report.scores, problems = grade_notebooks(course, assignment, students, report.seed, jobs, executor)
    for student, problem in problems.items():
        report.add_problem(student, "grade", problem)
    report.graded = [student for student in students if student not in problems]
    write_scores(course, assignment, report.scores)
    annotate_autograded(course, assignment, report.scores)
    write_record(course, assignment, report)


def feedback_stage(course: Path, assignment: str, report: LoopReport, selected: bool = False) -> None:
    """nbgrader generate_feedback (for this run's students with an autograded notebook), then the check
    of every feedback file. One command for the class; one per student when some were named
    (`selected`) or when the class's failed, so each failure names its student."""
    ready = [student for student in report.graded
             if any((course / "autograded" / student / assignment).glob("*.ipynb"))]
    if not ready:
        report.notes.append("no feedback generated: no notebook of this run was autograded")
        return

    def generate(*student: str) -> subprocess.CompletedProcess[str]:
        return _nbgrader(course, "generate_feedback", assignment, "--force", *student,
                         f"--CourseDirectory.db_url={database_url(course)}")

    if selected or generate().returncode != 0:
        for student in ready:
            run = generate(f"--student={student}")
            if run.returncode != 0:
                report.add_problem(student, "feedback", f"nbgrader generate_feedback failed: {nbgrader_said(run)}")
    report.feedback, withheld = check_feedback(course, assignment, report.students)
    for student, problem in withheld.items():
        report.add_problem(student, "feedback", problem)


def feedback_and_export(course: Path, assignment: str, report: LoopReport, selected: bool = False) -> None:
    """Feedback (`feedback_stage`) while nbgrader exports the gradebook to grades.csv (both only read it);
    then grades.csv gets a column per task and each student's status."""
    path = course / "grades.csv"
    with ThreadPoolExecutor(max_workers=1) as pool:
        exporting = pool.submit(_nbgrader, course, "export", "--to", str(path),
                                f"--CourseDirectory.db_url={database_url(course)}")
        feedback_stage(course, assignment, report, selected)
        exported = exporting.result()
    write_record(course, assignment, report)  # the final status of each student, for grades.csv
    if exported.returncode != 0:
        raise LoopError("export", f"nbgrader export failed: {nbgrader_said(exported)}")
    write_grades_csv(course, path, report, assignment)
    report.grades_csv = path
