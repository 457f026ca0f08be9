"""Grading time is shared out so that one function that hangs costs its own task, not the others."""

from __future__ import annotations

from dataclasses import replace

from helpers import reference_source, write_submission

from autograder.grading import grade
from hardway.catalogue import topic_by_module

EX01 = topic_by_module("ex01_forward_autodiff")
HANG = "\n    while True:\n        pass\n"


def hanging_vectorised_derivative() -> str:
    """The reference with task 1.5's vectorised_derivative stuck in a loop (the other tasks are right)."""
    source = reference_source()
    start = source.index("def vectorised_derivative(")
    body = source.index('"""', source.index('"""', start) + 3) + 3  # just after its docstring
    return source[:body] + HANG + source[body:]


def test_a_hanging_function_uses_up_its_own_tasks_time_and_no_other_tasks(tmp_path):
    folder = write_submission(tmp_path / "hangs", hanging_vectorised_derivative())
    # A small exercise budget so that the hangs would use it all up: 2 s a call, 16 s for the exercise.
    topic = replace(EX01, budget_s=16.0)
    report = grade(folder, seed=1, topics=[topic], call_timeout_s=2.0)
    by_task: dict[str, list] = {}
    for test in report.tests:
        by_task.setdefault(test.task, []).append(test)
    assert any(test.status == "failed" for test in by_task["1.5"])
    assert any(f"task 1.5 ({topic.task_budget_s:g} s in all) was used up" in test.message
               for test in by_task["1.5"]), [test.message for test in by_task["1.5"]]
    others = [test for task, tests in by_task.items() if task != "1.5" for test in tests]
    assert others and all(test.status == "passed" for test in others), \
        [(test.name, test.message[:200]) for test in others if test.status != "passed"]
