"""The nbgrader channel, with real nbgrader commands, a real course directory and real kernels."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from nbclient import NotebookClient

from autograder import paths
from autograder.cli import PARTIAL_EXAMPLE
from autograder.grading import grade
from autograder.nbgrading import run_loop
from autograder.notebooks import RELEASE_DIR, SOURCE_DIR, build_notebook, generate_release, release_notebooks, write_source
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


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[Path, dict]:
    """A course directory, its release made by nbgrader, nine students' submissions, and the whole loop run."""
    root = tmp_path_factory.mktemp("course")
    shutil.copyfile(paths.KIT_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(SOURCE_DIR / EX01, root / "source" / EX01)
    generate_release(root, [topic_by_module(EX01)])
    release = nbformat.read(root / "release" / EX01 / NOTEBOOK, as_version=4)
    source = nbformat.read(root / "source" / EX01 / NOTEBOOK, as_version=4)
    incoming = root / "incoming"
    notebooks = {
        "alice": student_notebook(release, source, None),
        "bob": student_notebook(release, source, set()),
        "carol": student_notebook(release, source, {"answer-add", "answer-mul", "answer-square"}),
        "dave": student_notebook(release, source, None),
        "frank": student_notebook(release, source, None),
    }
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
    for student, notebook in notebooks.items():
        (incoming / student).mkdir(parents=True)
        nbformat.write(notebook, incoming / student / NOTEBOOK)
    (incoming / "gina").mkdir()
    (incoming / "gina" / NOTEBOOK).write_text('{"cells": [ this is not json')
    (incoming / "ivan").mkdir()
    report = run_loop(root, EX01, collect_from=incoming, jobs=2)
    grades = {row["student_id"]: float(row["score"]) for row in csv.DictReader(report.grades_csv.open())
              if row["assignment"] == EX01}
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
    assert {path.parent.parent.name for path in feedback} >= {"alice", "bob", "dave"}
    bob = next(path for path in feedback if path.parent.parent.name == "bob").read_text()
    assert "not done yet" in bob and "check_task" in bob
    assert "BEGIN HIDDEN TESTS" not in bob and "hidden = True" not in bob


def notebook_points(topic, module_source: str, seed: int, folder: Path) -> dict[str, float]:
    """Per-task points from running a module's notebook form in a real kernel, hidden tests included."""
    notebook = build_notebook(topic, module_source)
    for cell in notebook.cells:
        grade_id = cell.metadata.nbgrader.get("grade_id", "")
        if grade_id.startswith("test-task-"):
            task = grade_id.removeprefix("test-task-").replace("-", ".")
            cell.source = f"from hardway.notebook import check_task\ncheck_task({task!r}, globals(), True, {seed})"
    shutil.copyfile(paths.public_tests(topic), folder / paths.public_tests(topic).name)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    points = {}
    for cell in notebook.cells:
        grade_id = cell.metadata.nbgrader.get("grade_id", "")
        if grade_id.startswith("test-task-"):
            result = [out for out in cell.outputs if out.output_type == "execute_result"]
            points[grade_id.removeprefix("test-task-").replace("-", ".")] = float(result[0].data["text/plain"])
    return points


@pytest.mark.parametrize("module, example", [(EX01, "partial")] + [(topic.module, "reference") for topic in TOPICS])
def test_the_notebook_channel_and_the_module_channel_agree_on_every_task(module, example, tmp_path):
    topic = topic_by_module(module)
    reference = (paths.SOLUTIONS_DIR / topic.filename).read_text()
    source = make_skeleton(reference, keep=PARTIAL_EXAMPLE) if example == "partial" else reference
    (tmp_path / topic.filename).write_text(source)
    module_channel = {task: score for task, (score, _) in grade(tmp_path, seed=7, topics=[topic]).by_task().items()}
    assert notebook_points(topic, source, 7, tmp_path) == module_channel
