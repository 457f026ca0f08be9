"""The nbgrader channel, with real nbgrader commands, a real course directory and real kernels.

One course is built for the module and the whole loop is run once on it. Among
its students are hostile ones, one for each way a notebook used to fool the
loop: mallory patches the checking machinery, eve starts a daemon that edits
the gradebook, heidi prints the hidden tests and the reference answers, kim has
eleven cells that kill the kernel. The course starts as a fresh clone of the
kit does: nbgrader_config.py, source/ and the committed release/, and no
gradebook, so the loop itself must put the assignment in the gradebook.
"""

from __future__ import annotations

import ast
import base64
import copy
import csv
import datetime
import html
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.api import Gradebook
from nbgrader.utils import determine_grade

from rich.console import Console

from autograder import cli, leaks, paths
from autograder.channels import kernel_jail, nbgrader_loop
from autograder.demo import PARTIAL_EXAMPLE
from autograder.grading import ALLOW_PROCESS_ISOLATION, grade
from autograder.channels.kernel_jail import TIMED_OUT, JailedKernelManager, jail_works, run_reaped
from autograder.channels.nbgrader_loop import (LoopError, _nbgrader, database_url, grade_notebook, manual_fields,
                                               open_gradebook, prepare_course, restore_manual_fields, run_loop)
from autograder.channels.nbgrader_preprocessors import ResilientExecute
from autograder.channels.notebook_code import module_source, notebook_module
from autograder.authoring.notebook_builder import (RELEASE_DIR, SOURCE_DIR, build_notebook, release_notebooks,
                                                   task_of_test_cell, write_source)
from autograder.authoring.stubgen import find_regions, make_skeleton
from autograder.task_points import task_points
from hardway.catalogue import TOPICS, topic_by_module

EX01 = "ex01_forward_autodiff"
NOTEBOOK = f"{EX01}.ipynb"


def test_source_notebooks_are_generated_from_the_modules():
    assert write_source(check=True) == [], "run `autograder notebooks` after changing solutions/ or the tests"


def test_the_committed_release_is_what_nbgrader_makes_from_source():
    assert release_notebooks(check=True) == [], "run `autograder notebooks` to regenerate release/"


def test_release_notebooks_hold_no_solutions_and_no_hidden_tests():
    for notebook in RELEASE_DIR.rglob("*.ipynb"):
        text = notebook.read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text and "hidden = True" not in text


def test_the_public_half_never_imports_the_grader():
    tree = ast.parse((paths.KIT_ROOT / "hardway" / "notebook_check.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0] == "autograder" for name in imported)


def answer_cells(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    return {cell.metadata.nbgrader["grade_id"]: cell for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("solution")}


def student_notebook(release: nbformat.NotebookNode, source: nbformat.NotebookNode, answered: set[str] | None,
                     ) -> nbformat.NotebookNode:
    """The released notebook with the named answer cells (None: all) filled in from the reference."""
    notebook = nbformat.from_dict(json.loads(json.dumps(release)))
    solutions = answer_cells(source)
    for grade_id, cell in answer_cells(notebook).items():
        if answered is None or grade_id in answered:
            cell.source = re.sub(r"^ *### (BEGIN|END) SOLUTION\n", "", solutions[grade_id].source, flags=re.M)
    return notebook


def edit_cell(notebook: nbformat.NotebookNode, grade_id: str, prefix: str) -> None:
    cell = answer_cells(notebook)[grade_id]
    cell.source = prefix + cell.source


def insert_after(notebook: nbformat.NotebookNode, grade_id: str, source: str) -> None:
    """A code cell of the student's own (no nbgrader metadata) right after cell `grade_id`."""
    index = next(number for number, cell in enumerate(notebook.cells)
                 if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(source))


#: mallory: an early cell replaces check_task by one whose result equals anything, and patches pytest and
#: IPython's number display. nbgrader's own reading of her kernel gives her full marks.
PATCHER = '''import hardway.notebook_check, pytest

class Anything(float):
    def __eq__(self, other):
        return True
    __hash__ = float.__hash__

def check_task(*args, **kwargs):
    return Anything(1e9)

hardway.notebook_check.check_task = check_task
pytest.main = lambda *args, **kwargs: 0
get_ipython().display_formatter.formatters["text/plain"].for_type(float, lambda v, p, cycle: p.text("1000"))
'''

#: eve: a daemon that outlives her kernel and edits the gradebook: extra credit for her, zeros for the rest.
DAEMON = '''import subprocess, sys
DAEMON = """
import sqlite3, time
MINE = "SELECT n.id FROM submitted_notebook n JOIN submitted_assignment a ON n.assignment_id = a.id"
for _ in range(600):
    try:
        db = sqlite3.connect(GRADEBOOK, timeout=1)
        db.execute(MINE.join(["UPDATE grade SET extra_credit = 100 WHERE notebook_id IN (",
                              " WHERE a.student_id = 'eve')"]))
        db.execute(MINE.join(["UPDATE grade SET manual_score = 0 WHERE notebook_id IN (",
                              " WHERE a.student_id != 'eve')"]))
        db.commit()
        db.close()
    except Exception as error:
        open("daemon.log", "a").write(repr(error))
    open("heartbeat", "a").write(".")
    time.sleep(0.1)
"""
subprocess.Popen([sys.executable, "-c", f"GRADEBOOK = {GRADEBOOK!r}" + DAEMON], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
'''

#: heidi: prints the hidden tests and the reference (base64 in her source, so not text she already has)
#: from one of her own cells, and from every test cell through a wrapped check_task.
LEAKER = '''import base64, hardway.notebook_check, os
os.symlink(HIDDEN_TESTS, "notes.txt")  # for nbgrader to copy into her feedback folder
SECRET = base64.b64decode(SECRET_BASE64).decode()
print(SECRET)
real_check_task = hardway.notebook_check.check_task

def check_task(task, namespace, **kwargs):
    print(SECRET)
    return real_check_task(task, namespace, **kwargs)

hardway.notebook_check.check_task = check_task
'''

#: kim: every answer right, eleven cells that kill the kernel, and a first cell that counts its own runs.
COUNTER = 'with open("runs.txt", "a") as runs:\n    runs.write("ran\\n")'
CRASHER = "import os\nos._exit(0)"


def secret_text() -> str:
    topic = topic_by_module(EX01)
    return paths.hidden_tests(topic).read_text() + (paths.SOLUTIONS_DIR / topic.filename).read_text()


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[Path, dict]:
    """A course directory, its release made by nbgrader, eleven students' submissions, and the whole loop run."""
    root = tmp_path_factory.mktemp("course")
    shutil.copyfile(paths.KIT_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    with (root / "nbgrader_config.py").open("a") as config:  # dave's hanging cell: stopped after 20 s, not 120
        config.write("c.Execute.timeout = 20\n")
    shutil.copytree(SOURCE_DIR / EX01, root / "source" / EX01)
    shutil.copytree(RELEASE_DIR / EX01, root / "release" / EX01)  # as committed: no gradebook yet
    release = nbformat.read(root / "release" / EX01 / NOTEBOOK, as_version=4)
    source = nbformat.read(root / "source" / EX01 / NOTEBOOK, as_version=4)
    incoming = root / "incoming"
    everything = {"alice", "dave", "frank", "eve", "heidi", "kim", "judy"}
    notebooks = {student: student_notebook(release, source, None) for student in everything}
    notebooks["bob"] = student_notebook(release, source, set())
    notebooks["carol"] = student_notebook(release, source, {"answer-add", "answer-mul", "answer-square"})
    notebooks["mallory"] = student_notebook(release, source, set())
    # dave: one cell kills the kernel, one function never returns.
    edit_cell(notebooks["dave"], "answer-square", "import os\nos._exit(0)\n")
    hanging = answer_cells(notebooks["dave"])["answer-vectorised_derivative"]
    hanging.source = hanging.source.replace('    """\n', '    """\n    while True:\n        pass\n', 1)
    # He also deleted the "Try it" cell, which calls it: one hang (task 1.5's test cell, stopped after 20 s) is
    # what the claim needs; a second one in a given cell cost another 20 s and proved nothing more.
    notebooks["dave"].cells = [cell for cell in notebooks["dave"].cells
                               if cell.metadata.get("nbgrader", {}).get("grade_id") != "given-try-it"]
    # frank: floods the output, deleted one test cell and rewrote another, but every answer is right.
    edit_cell(notebooks["frank"], "answer-add", "for line in range(200_000):\n    print('chatter', line)\n")
    notebooks["frank"].cells = [cell for cell in notebooks["frank"].cells
                                if cell.metadata.nbgrader.get("grade_id") != "test-task-1-2"]
    next(cell for cell in notebooks["frank"].cells
         if cell.metadata.nbgrader.get("grade_id") == "test-task-1-3").source = "print('all good')\n1000"
    insert_after(notebooks["mallory"], "given-setup", PATCHER)
    insert_after(notebooks["eve"], "given-setup", f"GRADEBOOK = {str(root / 'gradebook.db')!r}\n" + DAEMON)
    secret = base64.b64encode(secret_text().encode()).decode()
    insert_after(notebooks["heidi"], "answer-add", f"SECRET_BASE64 = {secret!r}\n"
                 f"HIDDEN_TESTS = {str(paths.hidden_tests(topic_by_module(EX01)))!r}\n" + LEAKER)
    for grade_id in list(answer_cells(notebooks["kim"]))[:11]:
        insert_after(notebooks["kim"], grade_id, CRASHER)
    insert_after(notebooks["kim"], "given-setup", COUNTER)
    # judy: every answer right, and a test cell twice, which makes nbgrader's autograde itself fail.
    duplicate = copy.deepcopy(next(cell for cell in notebooks["judy"].cells
                                   if cell.metadata.nbgrader.get("grade_id") == "test-task-1-1"))
    duplicate["id"] = "a-second-test-cell"
    notebooks["judy"].cells.insert(3, duplicate)
    for student, notebook in notebooks.items():
        (incoming / student).mkdir(parents=True)
        nbformat.write(notebook, incoming / student / NOTEBOOK)
    (incoming / "alice" / "timestamp.txt").write_text("2000-01-01 00:00:00.000000 UTC")  # hers: not kept
    os.utime(incoming / "alice" / NOTEBOOK, (ALICE_SUBMITTED.timestamp(), ALICE_SUBMITTED.timestamp()))
    (incoming / "gina").mkdir()
    (incoming / "gina" / NOTEBOOK).write_text('{"cells": [ this is not json')
    (incoming / "ivan").mkdir()
    output = io.StringIO()
    nbgrader_loop.console, kept = Console(file=output, width=200, highlight=False), nbgrader_loop.console
    started = time.perf_counter()
    try:
        report = run_loop(root, EX01, collect_from=incoming, jobs=2)
    finally:
        nbgrader_loop.console = kept
    seconds = time.perf_counter() - started
    rows = {row["student_id"]: row for row in csv.DictReader(report.grades_csv.open()) if row["assignment"] == EX01}
    grades = {student: float(row["score"]) for student, row in rows.items()}
    print(f"\nthe loop took {seconds:.1f} s for {len(notebooks) + 2} students ({report.seconds})")
    return root, {"report": report, "grades": grades, "rows": rows, "output": output.getvalue()}


#: When alice's notebook file was last changed, in the folder the loop collects from.
ALICE_SUBMITTED = datetime.datetime(2024, 3, 1, 12, 30, tzinfo=datetime.timezone.utc)


def total_points() -> float:
    return sum(points.total for points in task_points(topic_by_module(EX01)).values())


def test_a_complete_notebook_gets_full_marks_and_an_untouched_one_zero(course):
    grades = course[1]["grades"]
    assert grades["alice"] == total_points()
    assert grades["bob"] == 0


def test_a_partial_notebook_gets_exactly_its_tasks_points(course):
    points = task_points(topic_by_module(EX01))
    assert course[1]["grades"]["carol"] == points["1.1"].total


def test_a_kernel_killing_cell_and_a_hanging_function_cost_only_what_depends_on_them(course):
    grades, points = course[1]["grades"], task_points(topic_by_module(EX01))
    assert total_points() - points["1.1"].total - points["1.5"].total <= grades["dave"] < total_points()
    assert grades["dave"] >= points["1.2"].total + points["1.3"].total + points["1.4"].total


def test_huge_output_and_deleted_or_edited_test_cells_neither_cost_nor_earn_points(course):
    assert course[1]["grades"]["frank"] == total_points()


def test_unreadable_and_missing_notebooks_are_named_not_fatal(course):
    problems, grades = course[1]["report"].problems, course[1]["grades"]
    assert "not a readable notebook" in problems["gina"]
    assert "missing" in problems["ivan"]
    assert grades["gina"] == grades["ivan"] == 0  # still listed in the export, with their zero


def test_feedback_shows_results_but_never_hidden_test_code(course):
    root, data = course
    feedback = data["report"].feedback
    assert {path.parent.parent.name for path in feedback} >= {"alice", "bob", "dave", "kim"}
    bob = next(path for path in feedback if path.parent.parent.name == "bob").read_text()
    assert "not done yet" in bob and "check_task" in bob
    assert "BEGIN HIDDEN TESTS" not in bob and "hidden = True" not in bob


# -- hole 1: the score comes from the grader, not from the student's kernel -----------------------


def test_a_notebook_that_patches_the_checking_machinery_gets_what_its_code_earns(course):
    report, grades = course[1]["report"], course[1]["grades"]
    assert report.kernel_scores["mallory"] == total_points()  # what nbgrader itself read from her kernel
    assert grades["mallory"] == 0  # what her (untouched) answers earn
    assert report.kernel_scores["alice"] == grades["alice"] == total_points()


def test_the_scores_come_from_one_recorded_seed_and_reach_the_gradebook_per_test_cell(course):
    root, data = course
    record = json.loads((root / f"grader-{EX01}.json").read_text())
    assert record["seed"] == data["report"].seed
    with Gradebook(database_url(root)) as gradebook:
        notebook = gradebook.find_submission_notebook(EX01, EX01, "carol")
        by_task = {task_of_test_cell(grade.name): grade.auto_score for grade in notebook.grades}
    assert by_task == {task: grade["points"] for task, grade in record["scores"]["carol"][EX01].items()}
    assert by_task["1.1"] == task_points(topic_by_module(EX01))["1.1"].total and by_task["1.2"] == 0
    feedback = next(path for path in data["report"].feedback if path.parent.parent.name == "carol").read_text()
    note = f"Graded: task 1.2 earned 0 of {task_points(topic_by_module(EX01))['1.2'].total:g} points"
    assert any(line.startswith(note) for line in leaks.page_lines(feedback))


# -- hole 2: a test cell raises unless its task is done ---------------------------------------------


def test_a_test_cell_never_reads_a_missing_wrong_or_negative_result_as_credit(tmp_path):
    """The released test cell, with check_task replaced by liars, in a real kernel, scored by nbgrader."""
    release = nbformat.read(RELEASE_DIR / EX01 / NOTEBOOK, as_version=4)
    test_cell = next(cell for cell in release.cells if cell.metadata.nbgrader.get("grade_id") == "test-task-1-1")
    cells = []
    for lie in ("None", "'7'", "-7.0", "float('nan')", "6.0"):
        cells.append(nbformat.v4.new_code_cell(f"import hardway.notebook_check\n"
                                               f"hardway.notebook_check.check_task = lambda *args, **kwargs: {lie}"))
        cells.append(nbformat.from_dict(json.loads(json.dumps(test_cell))))
        cells[-1]["id"] = f"test-cell-{len(cells)}"
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=release.metadata)
    NotebookClient(notebook, timeout=60, kernel_name="python3", allow_errors=True).execute()
    scores = [determine_grade(cell)[0] for cell in notebook.cells[1::2]]
    assert scores == [0, 0, 0, 0, 0]


# -- hole 3: the kernel cannot reach the gradebook, and nothing it starts outlives it ------------


def test_a_daemon_started_by_a_kernel_can_neither_outlive_it_nor_change_the_gradebook(course):
    root, data = course
    assert data["grades"]["eve"] == data["grades"]["alice"] == total_points()
    with sqlite3.connect(root / "gradebook.db") as db:
        assert db.execute("SELECT count(*) FROM grade WHERE manual_score IS NOT NULL "
                          "OR extra_credit IS NOT NULL").fetchone() == (0,)
    folder = root / "autograded" / "eve" / EX01
    beats = (folder / "heartbeat").stat().st_size
    time.sleep(0.5)
    assert (folder / "heartbeat").stat().st_size == beats, "eve's daemon is still running"
    if jail_works():  # in its jail the gradebook is not there: it opened nothing, or an empty file of its own
        log = (folder / "daemon.log").read_text()
        assert "no such table: grade" in log or "unable to open database file" in log


def starter_of_a_daemon(folder: Path, then: str) -> tuple[list[str], Path]:
    """A command that starts a daemon (a new session, writing a heartbeat) and then runs `then`."""
    beat = folder / "heartbeat"
    (folder / "daemon.py").write_text(f"import time\nwhile True:\n    open({str(beat)!r}, 'a').write('.')\n"
                                      "    time.sleep(0.05)\n")
    starter = (f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, {str(folder / 'daemon.py')!r}], "
               f"start_new_session=True)\n{then}")
    return [sys.executable, "-c", starter], beat


def assert_stopped(beat: Path) -> None:
    size = beat.stat().st_size
    time.sleep(0.3)
    assert size > 0 and beat.stat().st_size == size, "the daemon is still running"


def test_the_reaper_kills_what_a_command_leaves_behind_even_a_new_session(tmp_path):
    command, beat = starter_of_a_daemon(tmp_path, "time.sleep(0.5)")
    assert run_reaped(command) == 0
    assert_stopped(beat)


def test_the_reaper_stops_a_command_at_its_time_limit_and_all_it_started(tmp_path):
    command, beat = starter_of_a_daemon(tmp_path, "time.sleep(600)")
    started = time.monotonic()
    assert run_reaped(command, timeout_s=2) == TIMED_OUT
    assert time.monotonic() - started < 30
    assert_stopped(beat)


def test_a_kernel_that_cannot_be_jailed_is_refused_unless_process_isolation_is_allowed(monkeypatch, tmp_path):
    manager = JailedKernelManager(kernel_name="python3")
    manager._launch_args = {"cwd": str(tmp_path)}  # what start_kernel keeps for format_kernel_cmd
    if jail_works():
        assert Path(manager.format_kernel_cmd()[0]).name == "bwrap"
    monkeypatch.setattr(kernel_jail, "jail_works", lambda: False)
    monkeypatch.delenv(ALLOW_PROCESS_ISOLATION, raising=False)
    with pytest.raises(RuntimeError, match="not starting a student's kernel without its jail"):
        manager.format_kernel_cmd()
    monkeypatch.setenv(ALLOW_PROCESS_ISOLATION, "1")
    assert manager.format_kernel_cmd()[0] == sys.executable


@pytest.mark.skipif(not jail_works(), reason="bubblewrap cannot make namespaces on this machine")
def test_a_jailed_kernel_cannot_write_the_kernels_settings_or_sysrq(tmp_path):
    """Even run by a root grader (uid 0 without capabilities still owns /proc/sys): only probed, never written."""
    connection = tmp_path / "kernel.json"
    connection.write_text("{}")
    probe = ["/bin/sh", "-c", "for f in /proc/sys/vm/overcommit_memory /proc/sysrq-trigger; do "
             "if [ -e $f ] && [ -w $f ]; then echo writable $f; fi; done; echo probed"]
    argv = kernel_jail.jail_argv(probe, tmp_path, connection, tmp_path, str(kernel_jail.bwrap_executable()))
    probed = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert probed.stdout.strip().endswith("probed") and "writable" not in probed.stdout, probed.stdout + probed.stderr


def test_manual_fields_a_kernel_wrote_are_put_back(course, tmp_path):
    shutil.copyfile(course[0] / "gradebook.db", tmp_path / "gradebook.db")
    before = manual_fields(tmp_path, EX01)
    with sqlite3.connect(tmp_path / "gradebook.db") as db:
        db.execute("UPDATE grade SET manual_score = 0, extra_credit = 50")
        db.execute("UPDATE grade_cells SET max_score = 1000")
    assert "alice" in restore_manual_fields(tmp_path, EX01, before)
    assert manual_fields(tmp_path, EX01) == before


# -- hole 4: feedback carries no student output, and nothing of the hidden tests or reference ----


def test_feedback_that_shows_hidden_tests_or_reference_answers_is_withheld(course):
    root, data = course
    report = data["report"]
    assert "feedback withheld" in report.problems["heidi"]
    assert not list((root / "feedback" / "heidi").rglob("*.html"))
    assert not (root / "feedback" / "heidi" / EX01 / "notes.txt").exists()  # her link to the hidden tests
    for path in (root / "feedback").rglob("*"):
        if path.is_file():
            known = leaks.submitted_lines((root / "submitted" / path.parent.parent.name / EX01).glob("*.ipynb"))
            assert leaks.leaked_runs(path.read_text(errors="replace"), known) == [], path
    alice = next(path for path in report.feedback if path.parent.parent.name == "alice")
    assert alice.exists()  # her answers are the reference's very lines: her own, not a leak
    assert data["grades"]["heidi"] == total_points()  # her answers still earn their points


def test_feedback_shows_no_output_of_a_students_own_cells(course):
    frank = next(path for path in course[1]["report"].feedback if path.parent.parent.name == "frank")
    shown = leaks.page_lines(frank.read_text())
    assert "print('chatter', line)" in shown and "chatter 0" not in shown


def test_the_leak_check_reads_through_escaping_and_highlighting(course):
    alice = next(path for path in course[1]["report"].feedback if path.parent.parent.name == "alice").read_text()
    hidden = paths.hidden_tests(topic_by_module(EX01)).read_text().splitlines()
    middle = len(hidden) // 2
    copied = "".join(f"<span class='o'>{html.escape(line)}</span>\n" for line in hidden[middle:middle + 15])
    known = leaks.submitted_lines([course[0] / "submitted" / "alice" / EX01 / NOTEBOOK])
    assert leaks.leaked_runs(alice.replace("</body>", f"<pre>{copied}</pre></body>"), known)
    assert leaks.leaked_runs(alice, known) == []


# -- hole 5: crashes are bounded by time, and a crash does not re-run the notebook ---------------


def test_eleven_cells_that_kill_the_kernel_cost_nothing_and_never_rerun_the_notebook(course):
    root, data = course
    assert "kim" in data["report"].graded
    assert data["grades"]["kim"] == total_points()
    assert data["report"].kernel_scores["kim"] == total_points()  # the definitions were back after each crash
    assert (root / "autograded" / "kim" / EX01 / "runs.txt").read_text() == "ran\n"


@pytest.mark.parametrize("budget, after_the_crash", [(120.0, ["stream"]), (0.0, ["error"])])
def test_the_crash_budget_is_time_spent_restarting(tmp_path, budget, after_the_crash):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "def f():\n    return 41", "import os\nos._exit(0)", "print(f() + 1)")])
    executor = ResilientExecute(crash_budget_s=budget, kernel_name="python3")
    executor.preprocess(notebook, {"metadata": {"path": str(tmp_path)}, "nbgrader": {"notebook": "scratch"}})
    assert [output.output_type for output in notebook.cells[2].outputs] == after_the_crash
    assert notebook.cells[1].outputs[-1].ename == "KernelDied"
    if budget:
        assert notebook.cells[2].outputs[0].text == "42\n"  # f came back in the new kernel


def test_the_crash_budget_is_an_nbgrader_setting_read_from_the_course_s_config(tmp_path, monkeypatch):
    """`c.ResilientExecute.crash_budget_s` in a course's nbgrader_config.py reaches the preprocessor."""
    from nbgrader.apps import NbGrader

    def budget_in(course: Path) -> float:
        monkeypatch.chdir(course)  # nbgrader reads the nbgrader_config.py of the folder it runs in
        app = NbGrader()
        app.load_config_file()
        return ResilientExecute(config=app.config).crash_budget_s

    assert budget_in(paths.KIT_ROOT) == 120.0
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.ResilientExecute.crash_budget_s = 7.5\n")
    assert budget_in(tmp_path) == 7.5
    assert ResilientExecute().crash_budget_s == 120.0, "the default, where no config sets it"


# -- the notebook channel and the module channel ---------------------------------------------------


def test_the_grader_keeps_definitions_and_what_they_need_and_leaves_experiments_out(capsys):
    cells = ["import os\nimport numpy as np\nSCALE = 2\nx = np.zeros(3)\nos._exit(0)",
             "%timeit 1 + 1\n!ls",
             "def f(v):\n    return np.sqrt(v) * SCALE\n\ndef show(v):\n    return plotting.show(v)",
             "for i in range(3):\n    print(i)\nf(-1)",
             "import not_installed_anywhere as plotting\nh = 1",
             "g = lambda v: f(v) + 1\ntotal = g(4.0)",
             "this is not python"]
    source = module_source(cells, interface={"g", "h"})
    namespace: dict = {}
    exec(compile(source, "notebook", "exec"), namespace)  # noqa: S102 - the kit's own generated module text
    assert namespace["g"](4.0) == 5.0 and namespace["SCALE"] == 2
    assert not {"os", "x", "i", "total", "plotting", "h"} & set(namespace)  # h: its cell stopped before it
    assert "code cell 5 stopped: ModuleNotFoundError" in capsys.readouterr().out



@pytest.mark.parametrize("topic", TOPICS, ids=lambda topic: topic.module)
def test_a_notebook_made_from_a_module_gives_the_grader_that_modules_code(topic):
    """Every definition, import and constant of the module comes back, in order, and nothing else runs."""
    reference = (paths.SOLUTIONS_DIR / topic.filename).read_text()
    extracted = ast.parse(notebook_module(build_notebook(topic, reference), topic.module)).body
    unguarded = [inner for node in extracted if not isinstance(node, ast.Expr)  # the title
                 for inner in (node.body if isinstance(node, ast.Try) else [node])]
    wanted = [node for node in ast.parse(reference).body
              if not isinstance(node, (ast.Expr, ast.If))]  # the docstring and the `__main__` demonstration
    assert [ast.dump(node) for node in unguarded] == [ast.dump(node) for node in wanted]


def test_the_notebook_channel_and_the_module_channel_agree_on_every_task(tmp_path):
    """A partly solved exercise 1: graded as a module, as a notebook's code, and checked in a real kernel."""
    topic = topic_by_module(EX01)
    source = make_skeleton((paths.SOLUTIONS_DIR / topic.filename).read_text(), keep=PARTIAL_EXAMPLE)
    (tmp_path / topic.filename).write_text(source)
    module_channel = {task: score for task, (score, _) in grade(tmp_path, seed=7, topics=[topic]).by_task().items()}
    notebook = build_notebook(topic, source)
    nbformat.write(notebook, tmp_path / NOTEBOOK)
    notebook_channel = grade_notebook(tmp_path / NOTEBOOK, EX01, seed=7)
    assert {task: grade.points for task, grade in notebook_channel.items()} == module_channel
    public = grade(tmp_path, seed=7, topics=[topic], include_hidden=False).by_task()
    assert kernel_public_points(notebook, tmp_path) == {task: score for task, (score, _) in public.items()}


def kernel_public_points(notebook: nbformat.NotebookNode, folder: Path) -> dict[str, float]:
    """Per-task public points from `check_task` in a real kernel."""
    tests = {}
    for cell in notebook.cells:
        task = task_of_test_cell(cell.metadata.nbgrader.get("grade_id", ""))
        if task:
            cell.source = f"from hardway.notebook_check import check_task\ncheck_task({task!r}, globals(), seed=7)"
            tests[task] = cell
    shutil.copyfile(paths.public_tests(topic_by_module(EX01)), folder / paths.public_tests(topic_by_module(EX01)).name)
    # allow_errors: the "Try it" cell stops at the first unfinished task, as it would for the student.
    NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return {task: float(next(out for out in cell.outputs if out.output_type == "execute_result").data["text/plain"])
            for task, cell in tests.items()}


# -- a fresh course, and what the loop tells the instructor ----------------------------------------


def test_the_loop_puts_a_fresh_clones_assignment_in_the_gradebook_and_keeps_its_release(course):
    root, data = course
    assert any(note.startswith(f"put {EX01} in the gradebook") for note in data["report"].notes)
    assert not any("differs" in note for note in data["report"].notes), data["report"].notes
    for path in (RELEASE_DIR / EX01).iterdir():
        assert (root / "release" / EX01 / path.name).read_bytes() == path.read_bytes()
    with open_gradebook(root) as gradebook:
        cells = gradebook.find_assignment(EX01).notebooks[0].grade_cells
        assert {task_of_test_cell(cell.name) for cell in cells} == set(topic_by_module(EX01).tasks)


def test_a_course_without_a_release_gets_one_and_a_wrong_assignment_names_the_stage(tmp_path):
    shutil.copyfile(paths.KIT_ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(SOURCE_DIR / EX01, tmp_path / "source" / EX01)
    assert prepare_course(tmp_path, EX01) == [f"made release/{EX01} from source/ and put {EX01} in the gradebook"]
    assert (tmp_path / "release" / EX01 / NOTEBOOK).read_bytes() == (RELEASE_DIR / EX01 / NOTEBOOK).read_bytes()
    assert prepare_course(tmp_path, EX01) == []  # nothing left to do
    with pytest.raises(LoopError, match=r"^prepare: ex01_typo is not in .* course-init") as raised:
        run_loop(tmp_path, "ex01_typo")
    assert raised.value.report is not None


def test_the_loop_finds_nbgraders_tools_without_an_activated_environment(tmp_path, monkeypatch):
    """nbgrader's Gradebook runs `alembic` by name: the kit's bin/ goes on PATH, else a clear message."""
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    with open_gradebook(tmp_path) as gradebook:
        assert gradebook.assignments == []
    assert os.environ["PATH"].split(os.pathsep)[0] == str(nbgrader_loop.KIT_BIN)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(nbgrader_loop, "KIT_BIN", tmp_path / "no-such-bin")
    (tmp_path / "gradebook.db").unlink()
    with pytest.raises(LoopError, match=r"^tools: nbgrader needs the command `alembic`, which is neither on PATH"):
        with open_gradebook(tmp_path):
            pass


def test_every_autograde_failure_names_its_student_and_stage_and_the_grader_still_grades(course):
    report, grades = course[1]["report"], course[1]["grades"]
    assert report.problems["judy"].startswith("autograde: nbgrader autograde failed: ")
    assert "exists multiple times" in report.problems["judy"]
    assert "judy" in report.graded and grades["judy"] == total_points()
    assert report.problems["ivan"].startswith("check: missing notebook")
    assert report.problems["gina"].startswith("check: ") and report.problems["heidi"].startswith("feedback: ")
    assert report.status("alice") == "graded" and report.status("ivan").startswith("not graded: check: ")


def test_grades_csv_has_a_column_per_task_a_status_and_the_submission_time(course):
    rows, points = course[1]["rows"], task_points(topic_by_module(EX01))
    assert [float(rows["carol"][f"task {task}"]) for task in points] == [
        points["1.1"].total] + [0] * (len(points) - 1)
    assert all(float(rows["alice"][f"task {task}"]) == points[task].total for task in points)
    assert rows["alice"]["status"] == "graded" and rows["bob"]["status"] == "graded"
    assert rows["ivan"]["status"].startswith("not graded: check: missing notebook")
    assert "not a readable notebook" in rows["gina"]["status"]
    assert rows["judy"]["status"].startswith("graded; autograde: nbgrader autograde failed")
    assert rows["alice"]["timestamp"] == "2024-03-01 12:30:00"  # her file's time, not her own timestamp.txt
    assert rows["judy"]["timestamp"] and rows["ivan"]["timestamp"]  # recorded even where autograde failed
    with open_gradebook(course[0]) as gradebook:
        assert gradebook.find_submission(EX01, "alice").timestamp == ALICE_SUBMITTED.replace(tzinfo=None)


def test_the_loop_names_each_student_as_it_goes_and_ends_with_a_table(course):
    report, output = course[1]["report"], course[1]["output"]
    for student in ("alice", "bob", "judy", "kim"):
        assert re.search(rf"^autograded {student} \(\d+\.\d s\): ", output, flags=re.M), output
        assert f"graded {student}'s {EX01}: " in output
    table = io.StringIO()
    cli.console, kept = Console(file=table, width=300, highlight=False), cli.console
    try:
        cli.print_loop_table(report, EX01)
    finally:
        cli.console = kept
    lines = table.getvalue().splitlines()
    row = {student: next(line for line in lines if re.match(rf"\W*{student}\b", line)) for student in report.students}
    assert re.search(rf"\b{total_points():g} / {total_points():g}\b.*\bgraded\b", row["alice"])
    assert re.search(rf"\b0 / {total_points():g}\b.*\bnot graded: check: missing notebook", row["ivan"])


def test_nbgrader_commands_in_the_course_raise_no_config_warning(course):
    said = _nbgrader(course[0], "db", "assignment", "list", f"--CourseDirectory.db_url={database_url(course[0])}")
    assert said.returncode == 0 and EX01 in said.stdout
    assert "WARNING" not in said.stdout + said.stderr, said.stderr


def test_release_stubs_name_the_task_and_function_as_the_module_skeleton_does():
    for topic in TOPICS:
        release = nbformat.read(RELEASE_DIR / topic.module / f"{topic.module}.ipynb", as_version=4)
        stubs = [line.strip() for cell in release.cells if cell.cell_type == "code"
                 for line in cell.source.splitlines() if "NotImplementedError" in line]
        wanted = [f'raise NotImplementedError("Task {region.task}: implement {region.qualname} (see its docstring)")'
                  for region in find_regions((paths.SOLUTIONS_DIR / topic.filename).read_text())]
        assert stubs == wanted, topic.module


def test_a_notebook_failure_names_the_function_to_write(course):
    bob = next(path for path in course[1]["report"].feedback if path.parent.parent.name == "bob").read_text()
    assert "Task 1.2: not done yet: implement AutoDiff." in html.unescape(bob)
    assert "replace this line with your code" not in bob


def test_notebook_introductions_say_how_to_check_work_in_the_notebook():
    for topic in TOPICS:
        notebook = build_notebook(topic)
        text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
        assert "pytest" not in text and "exercises/tests" not in text, topic.module
        assert "cells under **Check your work**" in notebook.cells[1].source


def test_course_init_refuses_a_folder_that_is_not_empty(tmp_path):
    from autograder.authoring.notebook_builder import init_course

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not an empty folder"):
        init_course(tmp_path)
    assert cli.main(["course-init", str(tmp_path)]) == cli.EXIT_USAGE


@pytest.mark.skipif(not (paths.KIT_ROOT / ".git").exists(), reason="needs the kit's git checkout")
def test_students_data_in_the_kits_own_folder_is_ignored_by_git():
    import subprocess

    data = ["gradebook.db", "submitted/alice/ex01/a.ipynb", "autograded/alice/x", "feedback/alice/x.html",
            "downloads/alice/a.ipynb", "grades.csv", f"grader-{EX01}.json", ".nbgrader.log", "grades/grades.csv"]
    for path in data:
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=paths.KIT_ROOT)
        assert ignored.returncode == 0, f"{path} would land in the kit's checkout"
    kept = subprocess.run(["git", "check-ignore", "-q", f"release/{EX01}/{NOTEBOOK}"], cwd=paths.KIT_ROOT)
    assert kept.returncode == 1


def test_without_an_autograded_notebook_feedback_is_skipped_not_blamed_on_the_wrong_stage(tmp_path, monkeypatch):
    """Before: every autograde failed, and the loop stopped at generate_feedback ('No notebooks were matched')."""
    report = nbgrader_loop.LoopReport(students=["alice"], graded=["alice"])
    monkeypatch.setattr(nbgrader_loop, "_nbgrader", lambda *args, **kwargs: pytest.fail(f"ran nbgrader {args[1:]}"))
    nbgrader_loop.feedback_stage(tmp_path, EX01, report)
    assert report.notes == ["no feedback generated: no notebook of this run was autograded"]


def test_a_stage_that_fails_for_the_course_is_named_after_each_students_problem(monkeypatch, tmp_path, capsys):
    (tmp_path / "nbgrader_config.py").write_text("")

    def failing(*args, **kwargs):
        report = nbgrader_loop.LoopReport(students=["alice", "bob"])
        report.add_problem("bob", "autograde", "nbgrader autograde failed: KeyError: 'grade_id'")
        error = LoopError("export", "nbgrader export failed: disk full")
        error.report = report
        raise error

    monkeypatch.setattr(nbgrader_loop, "run_loop", failing)
    assert cli.main(["nbgrader-loop", str(tmp_path), EX01]) == cli.EXIT_GRADER_ERROR
    said = " ".join(capsys.readouterr().out.split())
    assert "bob: autograde: nbgrader autograde failed: KeyError: 'grade_id'" in said
    assert "the nbgrader loop stopped at its export: nbgrader export failed: disk full" in said
