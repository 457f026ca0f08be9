"""A student's loop with plain pytest: stubs fail kindly, a finished task turns green."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import paths
from autograder.authoring.stubgen import make_skeleton
from helpers import EX01, reference_source
from hardway.catalogue import topic_by_module


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A student's working copy: their module and the public tests, nothing else."""
    shutil.copytree(paths.EXERCISES_DIR, tmp_path / "student", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "student"


def student_pytest(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=checkout,
                          capture_output=True, text=True, timeout=120)


def test_every_public_test_fails_on_the_skeleton_with_its_task_and_no_import_error(checkout):
    run = student_pytest(checkout, "tests/test_ex01_forward_autodiff.py")
    assert run.returncode == 1
    last = run.stdout.splitlines()[-1]
    failed = int(re.search(r"(\d+) failed", last).group(1))
    assert failed > 20 and "passed" not in last and "error" not in last
    explained = [line for line in run.stdout.splitlines() if line.startswith("Task 1.")]
    assert len(explained) == failed
    assert all("not done yet: implement" in line or "needs Task" in line for line in explained)


def test_finishing_task_1_1_turns_its_tests_green(checkout):
    finished = make_skeleton(reference_source(), keep=frozenset({"add", "mul", "square"}))
    (checkout / EX01).write_text(finished)
    run = student_pytest(checkout, "tests/test_ex01_forward_autodiff.py", "-k", "add or mul or square or tuple")
    assert "done  Task 1.1  4/4 tests" in run.stdout, run.stdout


def test_a_wrong_answer_gets_what_was_called_what_came_back_and_a_hint(checkout):
    wrong = reference_source().replace(
        "return (u * v, du * v + u * dv)", "return (u * v, du * dv)")
    assert wrong != reference_source(), "the reference's mul changed: update this test's mutation"
    (checkout / EX01).write_text(make_skeleton(wrong, keep=frozenset({"mul"})))
    run = student_pytest(checkout, "-k", "test_mul_follows_the_product_rule")
    assert "Task 1.1: `mul((2.0, 1.0), (3.0, 4.0))` gave (6.0, 4.0); expected (6.0, 11.0)." in run.stdout
    assert "Hint: the product rule has two terms" in run.stdout


def failure_section(stdout: str, test: str) -> str:
    """The report pytest printed for one failed test (between its ____ header and the next section)."""
    section = stdout.split(f" {test} _", 1)[1].split("\n", 1)[1]
    return section.split("\n===", 1)[0].split("\n____", 1)[0]


def test_an_exception_in_student_code_reads_like_a_wrong_value_with_only_their_frames(checkout):
    broken = reference_source().replace("def add(left: Dual, right: Dual) -> Dual:",
                                        "def add(left: Dual, right: Dual) -> Dual:\n    return left[0] + right\n\n\n"
                                        "def _unused(left: Dual, right: Dual) -> Dual:")
    (checkout / EX01).write_text(broken)
    run = student_pytest(checkout, "tests/test_ex01_forward_autodiff.py", "-k", "test_add_sums_values_and_derivatives")
    report = failure_section(run.stdout, "test_add_sums_values_and_derivatives")
    assert report.startswith("Task 1.1: add((2.0, 1.0), (3.0, 4.0)) raised TypeError: "), report
    assert "Where, in your code:" in report and f"{EX01}\", line" in report and "return left[0] + right" in report
    for noise in ("hardway/", "snippets.py", "submission.py", "exec(", "<test snippet>", "self = "):
        assert noise not in report, (noise, report)


def test_a_typo_in_a_method_gets_the_friendly_report_without_repr_noise_and_pdb_stops_in_it(checkout):
    skeleton = (checkout / EX01).read_text()
    given = "return AutoDiff(self.value + other.value, self.gradient + other.gradient)"
    assert given in skeleton, "the worked example __add__ changed: update this test's typo"
    (checkout / EX01).write_text(skeleton.replace(given, given.replace("self.value", "self.valeu")))
    test = "test_operations_leave_their_inputs_unchanged"
    run = student_pytest(checkout, "tests/test_ex01_forward_autodiff.py", "-k", test)
    report = failure_section(run.stdout, test)
    assert report.startswith("Task 1.2: x = AutoDiff(2.0, 1.0);"), report
    assert "raised AttributeError: 'AutoDiff' object has no attribute 'valeu'" in report
    assert "self.valeu + other.value" in report and "raised in repr()" not in run.stdout, run.stdout
    debugged = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                               "tests/test_ex01_forward_autodiff.py", "-k", test, "--pdb"],
                              cwd=checkout, capture_output=True, text=True, timeout=120, input="p self.value\nq\n")
    assert f"{EX01}(" in debugged.stdout and ")__add__()" in debugged.stdout, debugged.stdout
    assert "-> return AutoDiff(self.valeu" in debugged.stdout


def test_a_module_that_does_not_import_is_named_with_the_line_to_fix(checkout):
    (checkout / EX01).write_text(reference_source().replace("def add(left", "def add(left,,", 1))
    run = student_pytest(checkout, "tests/test_ex01_forward_autodiff.py", "-k", "test_add_sums_values_and_derivatives")
    report = failure_section(run.stdout, "test_add_sums_values_and_derivatives")
    assert report.startswith(f"Task 1.1: {EX01} could not be imported: SyntaxError"), report
    assert "def add(left,," in report and "Fix this first" in report


def test_the_task_table_comes_last_after_the_list_of_failed_tests(checkout):
    run = student_pytest(checkout, "tests/test_ex01_forward_autodiff.py", "-ra")
    lines = run.stdout.splitlines()
    short = next(i for i, line in enumerate(lines) if "short test summary info" in line)
    tasks = next(i for i, line in enumerate(lines) if line.strip("= ") == "tasks")
    last_task = list(topic_by_module(EX01.removesuffix(".py")).tasks)[-1]
    assert short < tasks and lines[-2].strip().startswith(f"to do  Task {last_task}"), "\n".join(lines[-40:])
    assert all(not line.startswith("FAILED") for line in lines[tasks:])
