"""Every catalogued mistake (tests/mutants_exNN.py) loses points and gets feedback that names it."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest

from helpers import run_cli, write_submission
from mutants import Mutant, all_mutants

MUTANTS = all_mutants()


def folder_name(mutant: Mutant) -> str:
    return re.sub(r"[^\w.-]+", "-", mutant.name)


def mutant_id(mutant: Mutant) -> str:
    """The test id: the exercise first, so that `-k ex01` picks one exercise's mutants."""
    return f"{mutant.topic.split('_')[0]}: {mutant.name}"


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory) -> dict[str, dict]:
    """The selected mutants graded with the real CLI, one run per (topic, task), each run two students at a time.

    A mutant is graded on the tests of the task its mistake sits in (all tasks for given code), which
    is where its points are lost and its hint is given.
    """
    selected = {item.callspec.params["mutant"].name for item in request.session.items
                if "mutant" in getattr(getattr(item, "callspec", None), "params", {})}
    root, out = tmp_path_factory.mktemp("mutants"), tmp_path_factory.mktemp("mutant-results")
    groups: dict[tuple[str, str | None], list[Mutant]] = defaultdict(list)
    for mutant in (m for m in MUTANTS if m.name in selected):
        groups[(mutant.topic, mutant.task)].append(mutant)
    for (topic, task), mutants in groups.items():
        folders = [write_submission(root / folder_name(m), m.source(), name=f"{topic}.py") for m in mutants]
        scope = ["--task", task] if task else []
        target = out / folders[0].name if len(folders) == 1 else out  # one submission: reports go straight in --out
        completed = run_cli("grade", *map(str, folders), "--topic", topic, *scope, "--seed", "3", "--out", str(target),
                            "--timeout", "20", "--jobs", "2", timeout=300 + 120 * len(mutants))
        assert completed.returncode == 0, completed.stdout + completed.stderr
    return {m.name: json.loads((out / folder_name(m) / "results.json").read_text()) for m in MUTANTS
            if m.name in selected}


@pytest.mark.parametrize("mutant", MUTANTS, ids=mutant_id)
def test_the_mistake_costs_points_and_the_feedback_names_it(graded, mutant):
    report = graded[mutant.name]
    failed = [test for test in report["tests"] if test["status"] == "failed"]
    assert failed and report["score"] < report["max_score"]
    assert not any(test["extra_data"]["grader_error"] for test in report["tests"])
    outputs = "\n".join(test["output"] for test in failed)
    assert mutant.feedback in outputs, outputs[:2000]
