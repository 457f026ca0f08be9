"""Every catalogued mistake (tests/mutants_exNN.py) loses points and gets feedback that names it."""

from __future__ import annotations

import re
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest

from helpers import write_submission
from mutants import Mutant, all_mutants

MUTANTS = all_mutants()


def folder_name(mutant: Mutant) -> str:
    return re.sub(r"[^\w.-]+", "-", mutant.name)


def mutant_id(mutant: Mutant) -> str:
    """The test id: the exercise first, so that `-k ex01` picks one exercise's mutants."""
    return f"{mutant.topic.split('_')[0]}: {mutant.name}"


def grade_mutant(folder: Path, topic: str, task: str | None) -> dict:
    """Grade one mutant on its task's tests with the real grader, as `autograder grade` does; results.json's data."""
    from autograder.grading import grade
    from hardway.catalogue import topic_by_module

    report = grade(folder, seed=3, topics=[topic_by_module(topic)], tasks=frozenset({task}) if task else None,
                   call_timeout_s=20)
    return report.to_gradescope()


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory) -> dict[str, dict]:
    """The selected mutants graded by the real grader (jail included), two at a time.

    A mutant is graded on the tests of the task its mistake sits in (all tasks for given code), which
    is where its points are lost and its hint is given. Two long-lived worker processes grade them all,
    so the interpreter and torch start twice, not once per mutant.
    """
    selected = [mutant for mutant in MUTANTS if mutant.name in {
        item.callspec.params["mutant"].name for item in request.session.items
        if "mutant" in getattr(getattr(item, "callspec", None), "params", {})}]
    root = tmp_path_factory.mktemp("mutants")
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
        futures = {mutant.name: pool.submit(grade_mutant, write_submission(root / folder_name(mutant), mutant.source(),
                                                                           name=f"{mutant.topic}.py"),
                                            mutant.topic, mutant.task)
                   for mutant in selected}
        return {name: future.result(timeout=600) for name, future in futures.items()}


@pytest.mark.parametrize("mutant", MUTANTS, ids=mutant_id)
def test_the_mistake_costs_points_and_the_feedback_names_it(graded, mutant):
    report = graded[mutant.name]
    failed = [test for test in report["tests"] if test["status"] == "failed"]
    assert failed and report["score"] < report["max_score"]
    assert not any(test["extra_data"]["grader_error"] for test in report["tests"])
    outputs = "\n".join(test["output"] for test in failed)
    assert mutant.feedback in outputs, outputs[:2000]
