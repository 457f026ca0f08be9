"""The nbgrader channel, with real nbgrader commands, a real course directory and real kernels.

One course is built for the module and the whole loop is run once on it. Among
its students are hostile ones, one for each way a notebook used to fool the
loop: mallory patches the checking machinery, eve starts a daemon that edits
the gradebook, heidi prints the hidden tests and the reference answers, kim has
eleven cells that kill the kernel.
"""

from __future__ import annotations

import ast
import base64
import csv
import html
import json
import re
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.api import Gradebook
from nbgrader.utils import determine_grade

from autograder import kernel_jail, leaks, paths
from autograder.cli import PARTIAL_EXAMPLE
from autograder.grading import ALLOW_PROCESS_ISOLATION, grade
from autograder.kernel_jail import TIMED_OUT, JailedKernelManager, jail_works, run_reaped
from autograder.nbgrading import (ResilientExecute, database_url, grade_notebook, manual_fields,
                                  restore_manual_fields, run_loop)
from autograder.notebook_code import module_source, notebook_module
from autograder.notebooks import (RELEASE_DIR, SOURCE_DIR, build_notebook, generate_release, release_notebooks,
                                  task_of_test_cell, write_source)
from autograder.stubgen import make_skeleton
from autograder.suites import task_points
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
    tree = ast.parse((paths.KIT_ROOT / "hardway" / "notebook.py").read_text())
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
PATCHER = '''import hardway.notebook, pytest

class Anything(float):
    def __eq__(self, other):
        return True
    __hash__ = float.__hash__

def check_task(*args, **kwargs):
    return Anything(1e9)

hardway.notebook.check_task = check_task
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
LEAKER = '''import base64, hardway.notebook, os
os.symlink(HIDDEN_TESTS, "notes.txt")  # for nbgrader to copy into her feedback folder
SECRET = base64.b64decode(SECRET_BASE64).decode()
print(SECRET)
real_check_task = hardway.notebook.check_task

def check_task(task, namespace, **kwargs):
    print(SECRET)
    return real_check_task(task, namespace, **kwargs)

hardway.notebook.check_task = check_task
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
    shutil.copytree(SOURCE_DIR / EX01, root / "source" / EX01)
    generate_release(root, [topic_by_module(EX01)])
    release = nbformat.read(root / "release" / EX01 / NOTEBOOK, as_version=4)
    source = nbformat.read(root / "source" / EX01 / NOTEBOOK, as_version=4)
    incoming = root / "incoming"
    everything = {"alice", "dave", "frank", "eve", "heidi", "kim"}
    notebooks = {student: student_notebook(release, source, None) for student in everything}
    notebooks["bob"] = student_notebook(release, source, set())
    notebooks["carol"] = student_notebook(release, source, {"answer-add", "answer-mul", "answer-square"})
    notebooks["mallory"] = student_notebook(release, source, set())
    # dave: one cell kills the kernel, one function never returns.
    edit_cell(notebooks["dave"], "answer-square", "import os\nos._exit(0)\n")
    hanging = answer_cells(notebooks["dave"])["answer-vectorised_derivative"]
    hanging.source = hanging.source.replace('    """\n', '    """\n    while True:\n        pass\n', 1)
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
    for student, notebook in notebooks.items():
        (incoming / student).mkdir(parents=True)
        nbformat.write(notebook, incoming / student / NOTEBOOK)
    (incoming / "gina").mkdir()
    (incoming / "gina" / NOTEBOOK).write_text('{"cells": [ this is not json')
    (incoming / "ivan").mkdir()
    started = time.perf_counter()
    report = run_loop(root, EX01, collect_from=incoming, jobs=2)
    seconds = time.perf_counter() - started
    grades = {row["student_id"]: float(row["score"]) for row in csv.DictReader(report.grades_csv.open())
              if row["assignment"] == EX01}
    print(f"\nthe loop took {seconds:.1f} s for {len(notebooks) + 2} students ({report.seconds})")
    return root, {"report": report, "grades": grades}


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
        cells.append(nbformat.v4.new_code_cell(f"import hardway.notebook\n"
                                               f"hardway.notebook.check_task = lambda *args, **kwargs: {lie}"))
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
    exec(compile(source, "notebook", "exec"), namespace)
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
            cell.source = f"from hardway.notebook import check_task\ncheck_task({task!r}, globals(), seed=7)"
            tests[task] = cell
    shutil.copyfile(paths.public_tests(topic_by_module(EX01)), folder / paths.public_tests(topic_by_module(EX01)).name)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return {task: float(next(out for out in cell.outputs if out.output_type == "execute_result").data["text/plain"])
            for task, cell in tests.items()}
