"""The `autograder` command itself: quick to answer `--help`, says its version, and says what it is doing."""

from __future__ import annotations

import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import pytest

from autograder import cli
from autograder.results import GradeReport
from autograder.results import TestResult as Result  # not a test class
from hardway.catalogue import TOPICS

#: What `--help` must not import: each costs seconds (nbgrader pulls jsonschema's format checkers, 3 s alone).
HEAVY = ("pytest", "nbgrader", "nbformat", "torch", "numpy", "autograder.grading", "autograder.channels.nbgrader_loop")


def test_help_imports_none_of_the_heavy_modules_and_answers_at_once():
    probe = ("import sys\nfrom autograder import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
             f"print('loaded:', sorted(name for name in {HEAVY!r} if name in sys.modules))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "usage: autograder" in run.stdout and "loaded: []" in run.stdout, run.stdout + run.stderr
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder", "--help"], capture_output=True, check=True, timeout=60)
    assert time.perf_counter() - started < 3.0  # 4-8 s when every subcommand's modules were imported up front


def test_version_comes_from_the_installed_package():
    run = subprocess.run([sys.executable, "-m", "autograder", "--version"], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == f"autograder (hardway) {version('hardway')}"


def test_demo_says_what_it_is_grading_as_it_goes(monkeypatch, capsys, tmp_path):
    graded: list[str] = []

    def fake_grade(folder: Path, **options: object) -> GradeReport:
        graded.append(str(folder))
        print(f"(grading {len(graded)})")  # where the real grading would spend its time
        report = GradeReport(submission=str(folder), seed=1, execution_time=0.5)
        report.tests = [Result("t", topic.module, next(iter(topic.tasks)), 2.0, 1.0, "failed") for topic in TOPICS]
        return report

    monkeypatch.setattr("autograder.grading.grade", fake_grade)
    assert cli.main(["demo", "--out", str(tmp_path / "out")]) == cli.EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert len(graded) == 3 and "Grading 3 example submissions" in lines[0]
    for number, name in enumerate(("reference", "skeleton", "partial"), start=1):
        done = next(i for i, line in enumerate(lines) if line.startswith(f"[{number}/3] grading {name} "))
        assert lines[done - 1] == f"(grading {number})", "the line comes as soon as that example is graded"
        assert lines[done].endswith(f"{len(TOPICS):g} / {2 * len(TOPICS):g} points in 0.5 s")


@pytest.mark.parametrize("command", ["grade", "grade-repo", "grade-roster", "release-template", "notebooks",
                                     "course-init", "nbgrader-loop", "generate-exercises", "gradescope-zip", "demo"])
def test_every_subcommand_still_has_its_help(command):
    with pytest.raises(SystemExit) as exited:
        cli.main([command, "--help"])
    assert exited.value.code == 0
