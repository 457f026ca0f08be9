"""End to end: the real `autograder grade` command on example, hostile and tricky submissions."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from helpers import EX01, reference_source, results, run_cli, write_submission

HOSTILE_OVERRIDES = '''

import os as _os

def derivative(f, x):
    """Kills the process that runs it."""
    _os._exit(0)

def jacobian(f, point):
    """Never returns."""
    while True:
        pass

_honest_tanh = tanh

def tanh(x):
    """Right answer, buried in output."""
    for _ in range(2000):
        print("tanh called " * 20)
    return _honest_tanh(x)
'''

CHATTY_OVERRIDES = '''

import warnings as _warnings

_honest_derivative = derivative

def derivative(f, x):
    print(f"computing a derivative at {x}")
    _warnings.warn("a harmless warning on stderr", UserWarning)
    return _honest_derivative(f, x)
'''

TRAPS = {
    "conftest.py": "import pytest\n@pytest.hookimpl(wrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
                   "    report = yield\n    report.outcome = 'passed'\n    return report\n",
    "pytest.ini": "[pytest]\naddopts = -p no:hardway --grading-seed=1\n",
    "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-x'\n",
    "setup.cfg": "[tool:pytest]\naddopts = --collect-only\n",
    "sitecustomize.py": "import builtins\nbuiltins.NotImplementedError = type('Fine', (Exception,), {})\n",
    "tests__conftest.py": "raise SystemExit('a student conftest was loaded')\n",
}


@pytest.fixture(scope="module")
def graded(example_submissions, tmp_path_factory) -> tuple[dict[str, dict], object, Path]:
    """One grader run over every kind of submission (the way a class is graded)."""
    root = tmp_path_factory.mktemp("more-submissions")
    folders = dict(example_submissions)
    folders["hostile"] = write_submission(root / "hostile", reference_source() + HOSTILE_OVERRIDES)
    folders["chatty"] = write_submission(root / "chatty", reference_source() + CHATTY_OVERRIDES)
    skeleton_source = (example_submissions["skeleton"] / EX01).read_text()
    folders["traps"] = write_submission(root / "traps", skeleton_source, **TRAPS)
    out = tmp_path_factory.mktemp("out")
    completed = run_cli("grade", *map(str, folders.values()), "--out", str(out), "--seed", "11", "--timeout", "2",
                        "--topic", "ex01_forward_autodiff")
    return {name: results(out, folder.name) for name, folder in folders.items()}, completed, out


def scores(report: dict) -> tuple[float, float]:
    return report["score"], report["max_score"]


def test_the_grader_finishes_normally_whatever_the_submissions_did(graded):
    _, completed, _ = graded
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("name", ["reference", "alternative", "chatty"])
def test_correct_solutions_score_full_marks(graded, name):
    report = graded[0][name]
    failed = [(t["name"], t["output"]) for t in report["tests"] if t["status"] != "passed"]
    assert not failed
    assert report["score"] == report["max_score"] > 0


def test_the_untouched_skeleton_scores_zero_and_each_test_names_its_task(graded):
    report = graded[0]["skeleton"]
    assert report["score"] == 0
    for test in report["tests"]:
        assert test["extra_data"]["grader_error"] is False, test
        assert test["output"].startswith(f"Task {test['number']}: "), test
        assert "not done yet" in test["output"] or "needs Task" in test["output"], test


def test_a_partial_submission_scores_strictly_between(graded):
    score, top = scores(graded[0]["partial"])
    assert 0 < score < top


def test_a_hostile_submission_loses_only_what_it_broke(graded):
    report = graded[0]["hostile"]
    by_name = {t["name"]: t for t in report["tests"]}
    assert "exited with status 0" in by_name["test_derivative_of_a_polynomial"]["output"]
    assert "did not finish within 2 s" in by_name["test_jacobian_of_polar_to_cartesian"]["output"]
    flooded = by_name["test_chain_rule_for_log_sqrt_tanh"]
    assert flooded["status"] == "passed" and "tanh called" in flooded["output"] and len(flooded["output"]) < 5000
    kept = [t for t in report["tests"] if t["number"] in ("1.1", "1.2", "1.5")]
    assert kept and all(t["status"] == "passed" for t in kept)
    assert 0 < report["score"] < report["max_score"]


def test_files_in_the_submission_folder_cannot_change_how_it_is_graded(graded):
    reports = graded[0]
    assert scores(reports["traps"]) == scores(reports["skeleton"])
    assert [t["output"] for t in reports["traps"]["tests"]] == [t["output"] for t in reports["skeleton"]["tests"]]


def test_results_follow_the_gradescope_schema_and_record_the_seed(graded):
    report = graded[0]["partial"]
    assert isinstance(report["execution_time"], float) and report["extra_data"]["seed"] == 11
    assert report["score"] == sum(t["score"] for t in report["tests"])
    for test in report["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility", "number", "tags"}
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] == ("after_published" if test["extra_data"]["hidden"] else "visible")
        assert test["extra_data"]["topic"] == "ex01_forward_autodiff"
    assert any(t["extra_data"]["hidden"] for t in report["tests"])


def test_junit_and_markdown_reports_agree_with_results(graded, example_submissions):
    reports, _, out = graded
    folder = out / example_submissions["partial"].name
    suites = ElementTree.parse(folder / "junit.xml").getroot()
    cases = suites.findall(".//testcase")
    assert len(cases) == len(reports["partial"]["tests"])
    assert len(suites.findall(".//failure")) == sum(t["status"] == "failed" for t in reports["partial"]["tests"])
    summary = (folder / "summary.md").read_text()
    assert f"Score {reports['partial']['score']:g} / {reports['partial']['max_score']:g}" in summary


def test_hidden_test_code_never_reaches_the_reports(graded, example_submissions):
    _, _, out = graded
    hidden_source = (Path(__file__).parent.parent / "autograder" / "hidden").glob("test_*.py")
    lines = {line.strip() for path in hidden_source for line in path.read_text().splitlines() if len(line.strip()) > 30}
    for report_file in out.rglob("*"):
        if report_file.is_file():
            text = report_file.read_text()
            leaked = [line for line in lines if line in text and not line.startswith(("\"", "#"))]
            assert not leaked, (report_file, leaked[:3])


def test_the_same_seed_gives_the_same_grade(example_submissions, tmp_path):
    first = run_cli("grade", str(example_submissions["partial"]), "--seed", "5", "--out", str(tmp_path / "a"))
    second = run_cli("grade", str(example_submissions["partial"]), "--seed", "5", "--out", str(tmp_path / "b"))
    assert first.returncode == second.returncode == 0
    one, two = (json.loads((tmp_path / n / "results.json").read_text()) for n in "ab")
    assert [(t["name"], t["score"], t["output"]) for t in one["tests"]] == \
        [(t["name"], t["score"], t["output"]) for t in two["tests"]]


@pytest.mark.parametrize("args, code", [
    (["grade", "/no/such/folder"], 2),
    (["grade", "exercises", "--topic", "ex99_nothing"], 2),
    (["grade", "exercises", "--public-only", "--fail-under", "50"], 1),
    (["grade", "solutions", "--public-only", "--fail-under", "100"], 0),
])
def test_exit_codes_are_documented_and_kept(args, code):
    completed = run_cli(*args)
    assert completed.returncode == code, completed.stdout + completed.stderr
