"""Every catalogued mistake (tests/mutants_exNN.py) loses points and gets feedback that names it."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from helpers import run_cli, write_submission
from mutants import Mutant, all_mutants

MUTANTS = all_mutants()


def folder_name(mutant: Mutant) -> str:
    return mutant.name.replace(" ", "-").replace("'", "")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict]:
    """All mutants of a topic graded in one `autograder grade` run, as a class would be."""
    root, out = tmp_path_factory.mktemp("mutants"), tmp_path_factory.mktemp("mutant-results")
    by_topic: dict[str, list[Mutant]] = defaultdict(list)
    for mutant in MUTANTS:
        by_topic[mutant.topic].append(mutant)
    for topic, mutants in by_topic.items():
        folders = [write_submission(root / folder_name(m), m.source(), name=f"{topic}.py") for m in mutants]
        completed = run_cli("grade", *map(str, folders), "--topic", topic, "--seed", "3", "--out", str(out),
                            "--timeout", "5")
        assert completed.returncode == 0, completed.stdout + completed.stderr
    return {m.name: json.loads((out / folder_name(m) / "results.json").read_text()) for m in MUTANTS}


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_the_mistake_costs_points_and_the_feedback_names_it(graded, mutant):
    report = graded[mutant.name]
    failed = [test for test in report["tests"] if test["status"] == "failed"]
    assert failed and report["score"] < report["max_score"]
    assert not any(test["extra_data"]["grader_error"] for test in report["tests"])
    outputs = "\n".join(test["output"] for test in failed)
    assert mutant.feedback in outputs, outputs[:2000]
