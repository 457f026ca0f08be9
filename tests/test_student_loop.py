"""A student's loop with plain pytest: stubs fail kindly, a finished task turns green."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import paths
from autograder.stubgen import make_skeleton
from helpers import EX01, reference_source


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
    assert "28 failed" in run.stdout and "error" not in run.stdout.splitlines()[-1]
    explained = [line for line in run.stdout.splitlines() if line.startswith("Task 1.")]
    assert len(explained) == 28
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


def test_an_exception_in_student_code_shows_their_own_line(checkout):
    broken = reference_source().replace("def add(left: Dual, right: Dual) -> Dual:",
                                        "def add(left: Dual, right: Dual) -> Dual:\n    return left[0] + right\n\n\n"
                                        "def _unused(left: Dual, right: Dual) -> Dual:")
    (checkout / EX01).write_text(broken)
    run = student_pytest(checkout, "-k", "test_add_sums_values_and_derivatives")
    assert "TypeError" in run.stdout and f"{EX01}:" in run.stdout
    assert "while running the test snippet: add((2.0, 1.0), (3.0, 4.0))" in run.stdout
