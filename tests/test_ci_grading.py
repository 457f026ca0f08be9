"""Grading pushed work: the student template, its advisory CI, and authoritative grading from git."""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from autograder import paths
from autograder.channels.gradescope import build_bundle
from autograder.channels.repos import GradeRosterEntry, RosterEntry, already_graded, graded_scope
from autograder.authoring.stubgen import make_skeleton
from autograder.channels.student_repo import release_template, student_paths
from hardway.catalogue import TOPICS
from helpers import EX01, reference_source, run_cli

EX01_ONLY = ("--topic", "ex01_forward_autodiff")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    destination = tmp_path_factory.mktemp("template") / "starter"
    release_template(destination)
    return destination


def student_environment(**extra: str) -> dict[str, str]:
    """A student's machine: the kit is not installed there, so no plugin is auto-loaded from it."""
    return {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **extra}


def workflow_step(workflow: Path, name: str) -> str:
    steps = yaml.safe_load(workflow.read_text())["jobs"]["public-tests"]["steps"]
    return next(step["run"] for step in steps if step.get("name") == name)


def run_in(folder: Path, command: str, **environment: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable if word == "python" else word for word in shlex.split(command)]
    return subprocess.run(argv, cwd=folder, capture_output=True, text=True, env=student_environment(**environment),
                          timeout=600)


# -- the student template -------------------------------------------------------------------


def test_the_template_holds_skeletons_public_tests_and_nothing_secret(template):
    names = {path.relative_to(template).as_posix() for path in template.rglob("*") if path.is_file()}
    for topic in TOPICS:
        assert topic.filename in names and f"tests/test_{topic.module}.py" in names
    assert {"README.md", ".gitignore", "conftest.py", ".github/workflows/check.yml", ".gitlab-ci.yml"} <= names
    assert not [name for name in names if "hidden" in name or name.startswith(("solutions/", "autograder/"))]
    everything = "\n".join((template / name).read_text(errors="replace") for name in names)
    assert "### BEGIN SOLUTION" not in everything and "BEGIN HIDDEN" not in everything
    for topic in TOPICS:
        skeleton = make_skeleton((paths.SOLUTIONS_DIR / topic.filename).read_text())
        assert (template / topic.filename).read_text() == student_paths(skeleton)


def test_the_template_is_made_from_solutions_not_from_the_instructor_s_working_exercises(monkeypatch, tmp_path):
    trying_out = tmp_path / "exercises"  # an instructor's exercises/ with an answer filled in while trying it
    trying_out.mkdir()
    for topic in TOPICS:
        shutil.copyfile(paths.SOLUTIONS_DIR / topic.filename, trying_out / topic.filename)
    monkeypatch.setattr(paths, "EXERCISES_DIR", trying_out)
    release_template(tmp_path / "starter")
    for topic in TOPICS:
        assert "# YOUR CODE HERE" in (tmp_path / "starter" / topic.filename).read_text(), topic.module


def test_paths_in_the_template_point_at_its_own_tests_folder(template):
    for path in [*template.glob("ex*.py"), *(template / "tests").glob("test_*.py")]:
        assert "exercises/tests" not in path.read_text(), path.name
    assert f"pytest tests/test_{EX01}" in (template / EX01).read_text()


def test_the_template_installs_cpu_torch_and_states_python_3_11(template):
    requirements = (template / "requirements.txt").read_text().splitlines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in requirements
    assert any(line.startswith("torch") for line in requirements)
    import tomllib
    assert tomllib.loads((template / "pyproject.toml").read_text())["project"]["requires-python"] == ">=3.11"
    assert "Python 3.11 or newer" in (template / "README.md").read_text()


def test_an_old_python_is_refused_at_once_with_a_clear_message(template):
    pretend = ("import sys, runpy; sys.version_info = (3, 10, 12, 'final', 0); sys.argv = ['check']; "
               "runpy.run_module('hardway.check', run_name='__main__')")
    run = subprocess.run([sys.executable, "-c", pretend], cwd=template, capture_output=True, text=True, timeout=60,
                         env=student_environment())
    assert run.returncode != 0 and "hardway needs Python 3.11 or newer, but this is Python 3.10" in run.stderr
    assert "add_note" not in run.stderr and "collected" not in run.stdout


def failed_count(stdout: str) -> int:
    return int(re.search(r"(\d+) failed", stdout).group(1))


def test_the_templates_public_tests_are_red_on_the_skeleton_and_green_on_the_reference(template, tmp_path):
    red = run_in(template, f"python -m pytest tests/test_{EX01[:-3]}.py -q")
    assert red.returncode == 1 and failed_count(red.stdout) > 20 and "passed" not in red.stdout.splitlines()[-1]
    solved = tmp_path / "solved"
    shutil.copytree(template, solved)
    shutil.copyfile(paths.SOLUTIONS_DIR / EX01, solved / EX01)
    green = run_in(solved, f"python -m pytest tests/test_{EX01[:-3]}.py -q")
    assert green.returncode == 0 and f"{failed_count(red.stdout)} passed" in green.stdout


def test_the_github_check_step_writes_a_capped_summary_and_fences_workflow_commands(template, tmp_path):
    sneaky = tmp_path / "sneaky"
    shutil.copytree(template, sneaky)
    (sneaky / EX01).write_text(make_skeleton(reference_source(), keep=frozenset({"add"})).replace(
        "def add(left: Dual, right: Dual) -> Dual:",
        "def add(left: Dual, right: Dual) -> Dual:\n"
        "    print('::set-output name=score::100')\n"
        "    print('::notice::all tests passed')\n    return (0.0, 0.0)\n\n\n"
        "def _unused(left: Dual, right: Dual) -> Dual:"))
    summary = tmp_path / "summary.md"
    command = workflow_step(sneaky / ".github/workflows/check.yml", "Public tests")
    run = run_in(sneaky, command.replace('"$GITHUB_STEP_SUMMARY"', str(summary)), GITHUB_ACTIONS="true")
    assert run.returncode == 0, "unfinished work is not an error: the check is green when the tests ran"
    lines = run.stdout.splitlines()
    token = lines[0].removeprefix("::stop-commands::")
    assert lines[0].startswith("::stop-commands::") and len(token) >= 32
    closing = lines.index(f"::{token}::")
    assert all("::set-output" not in line and "::notice" not in line for line in lines[closing:])
    text = summary.read_text()
    assert "public points" in text and "| ❌ 1.1 |" in text and "Exit status 0: the tests ran" in text
    assert "| hidden points |" in text and "The grade of these tasks is out of" in text
    assert len(text.encode()) <= 64 * 1024


def test_the_check_shows_hidden_points_per_task_and_is_red_only_when_no_test_can_run(template, tmp_path):
    from hardway.points import TASK_POINTS

    run = run_in(template, f"python -m hardway.check tests/test_{EX01[:-3]}.py")
    assert run.returncode == 0, run.stdout + run.stderr
    table = run.stdout[run.stdout.index("\nto do  Task 1.1"):]  # after pytest's own output
    public, hidden = TASK_POINTS["1.1"]
    assert re.search(rf"to do  Task 1\.1 .* 0/{public:g} +public points  \+ *{hidden:g} hidden", table), table
    every_public = sum(TASK_POINTS[task][0] for task in TASK_POINTS if task.startswith("1."))
    every_hidden = sum(TASK_POINTS[task][1] for task in TASK_POINTS if task.startswith("1."))
    assert (f"0 / {every_public:g} public points. The grade of these tasks is out of "
            f"{every_public + every_hidden:g}") in table
    broken = tmp_path / "broken"
    shutil.copytree(template, broken)
    (broken / EX01).write_text("def add(left,, right):\n    pass\n")
    run = run_in(broken, f"python -m hardway.check tests/test_{EX01[:-3]}.py")
    assert run.returncode == 1 and "could not be imported: SyntaxError" in run.stdout
    assert "Exit status 1: the module of exercise 1 could not be run at all" in run.stdout
    run = run_in(broken, "python -m hardway.check no-such-folder")
    assert run.returncode == 1 and "Exit status 1" in run.stdout


def test_the_check_finds_the_public_tests_in_the_kit_and_in_a_student_repository(template, monkeypatch):
    from hardway.check import default_tests

    monkeypatch.chdir(paths.KIT_ROOT)  # whose tests/ is the kit's own long suite
    assert default_tests() == "exercises/tests"
    monkeypatch.chdir(template)
    assert default_tests() == "tests"


def test_the_gitlab_job_runs_the_same_check_and_writes_junit(template, tmp_path):
    script = yaml.safe_load((template / ".gitlab-ci.yml").read_text())["public-tests"]["script"]
    check = next(line for line in script if "hardway.check" in line)
    run = run_in(template, check)
    assert run.returncode == 0, "the skeleton's tests ran: the advisory job passes and the report shows the points"
    assert "<testsuite" in (template / "report.xml").read_text()


WORKFLOWS = [
    ("autograder/templates/student/github-check.yml", "vendor.github-workflows"),
    (".github/workflows/grade-class.yml", "vendor.github-workflows"),
    ("autograder/templates/student/gitlab-ci.yml", "vendor.gitlab-ci"),
    (".gitlab-ci.yml", "vendor.gitlab-ci"),
]


@pytest.fixture(scope="module")
def schema_checks() -> dict[str, subprocess.CompletedProcess[str]]:
    """One `check-jsonschema` run per schema over all of its workflow files (it fails if any file fails)."""
    checker = Path(sys.executable).parent / "check-jsonschema"
    return {schema: subprocess.run([str(checker), "--builtin-schema", schema,
                                    *(str(paths.KIT_ROOT / workflow) for workflow, its in WORKFLOWS if its == schema)],
                                   capture_output=True, text=True)
            for schema in dict.fromkeys(schema for _, schema in WORKFLOWS)}


@pytest.mark.parametrize("workflow, schema", WORKFLOWS)
def test_workflow_files_are_valid_against_the_hosts_schemas(schema_checks, workflow, schema):
    run = schema_checks[schema]
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_instructor_workflows_run_the_roster_command_this_suite_tests():
    github = yaml.safe_load((paths.KIT_ROOT / ".github/workflows/grade-class.yml").read_text())
    gitlab = yaml.safe_load((paths.KIT_ROOT / ".gitlab-ci.yml").read_text())
    commands = [step.get("run", "") for step in github["jobs"]["grade"]["steps"]] + gitlab["grade-class"]["script"]
    roster = [command for command in commands if "grade-roster" in command]
    assert len(roster) == 2, "one grading command in each (a matrix of shards: see test_shards.py)"
    assert all(command.startswith("autograder grade-roster roster.csv --out grades") and "--jobs 2" in command
               for command in roster)


# -- authoritative grading from git ---------------------------------------------------------


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def push_student_repo(root: Path, name: str, source: str, template: Path) -> tuple[Path, Path]:
    """A bare "remote" and a working copy with the template and `source` as exercise 1, pushed."""
    remote, work = root / f"{name}.git", root / name
    git("init", "--quiet", "--bare", "--initial-branch=main", str(remote), cwd=root)
    shutil.copytree(template, work)
    (work / EX01).write_text(source)
    git("init", "--quiet", "--initial-branch=main", cwd=work)
    git("add", "-A", cwd=work)
    git("-c", "user.name=s", "-c", "user.email=s@x", "commit", "--quiet", "-m", "work", cwd=work)
    git("remote", "add", "origin", str(remote), cwd=work)
    git("push", "--quiet", "origin", "main", cwd=work)
    return remote, work


def test_grade_repo_grades_the_pushed_commit_and_regrades_a_fix(template, tmp_path):
    partial = make_skeleton(reference_source(), keep=frozenset({"add", "mul", "square"}))
    remote, work = push_student_repo(tmp_path, "alice", partial, template)
    first = run_cli("grade-repo", str(remote), "--out", str(tmp_path / "r1"), "--seed", "4", *EX01_ONLY)
    assert first.returncode == 0, first.stdout + first.stderr
    before = json.loads((tmp_path / "r1" / "results.json").read_text())
    assert before["extra_data"]["commit"] == git("rev-parse", "HEAD", cwd=work)
    assert 0 < before["score"] < before["max_score"]
    reproduce = shlex.split(before["extra_data"]["reproduce"])
    assert reproduce[:2] == ["autograder", "grade-repo"] and before["extra_data"]["commit"] in reproduce
    again = run_cli(*reproduce[1:], "--out", str(tmp_path / "again"))
    assert again.returncode == 0, again.stdout + again.stderr
    repeated = json.loads((tmp_path / "again" / "results.json").read_text())
    assert [(t["name"], t["score"]) for t in repeated["tests"]] == [(t["name"], t["score"]) for t in before["tests"]]
    (work / EX01).write_text(reference_source())
    git("-c", "user.name=s", "-c", "user.email=s@x", "commit", "--quiet", "-am", "finish", cwd=work)
    git("push", "--quiet", "origin", "main", cwd=work)
    run_cli("grade-repo", str(remote), "--out", str(tmp_path / "r2"), "--seed", "4", *EX01_ONLY)
    after = json.loads((tmp_path / "r2" / "results.json").read_text())
    assert after["score"] == after["max_score"] > before["score"]


def test_a_symlink_to_the_grader_s_solution_earns_nothing(template, tmp_path):
    remote, work = push_student_repo(tmp_path, "mallory", "placeholder", template)
    (work / EX01).unlink()
    (work / EX01).symlink_to(paths.SOLUTIONS_DIR / EX01)
    git("-c", "user.name=s", "-c", "user.email=s@x", "commit", "--quiet", "-am", "link", cwd=work)
    git("push", "--quiet", "origin", "main", cwd=work)
    run = run_cli("grade-repo", str(remote), "--out", str(tmp_path / "r"), "--seed", "4", *EX01_ONLY)
    assert run.returncode == 0
    assert json.loads((tmp_path / "r" / "results.json").read_text())["score"] == 0


def test_grade_roster_grades_a_class_resumes_and_keeps_one_failure_contained(template, tmp_path):
    sources = {"ann": reference_source(), "ben": make_skeleton(reference_source(), keep=frozenset({"add"})),
               "cat": make_skeleton(reference_source())}
    roster = tmp_path / "roster.csv"
    with roster.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "repo"])
        for student, source in sources.items():
            push_student_repo(tmp_path, student, source, template)
            writer.writerow([student, f"{student}.git"])
        writer.writerow(["dan", "no-such-repo.git"])
    out = tmp_path / "grades"
    first = run_cli("grade-roster", str(roster), "--out", str(out), *EX01_ONLY)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "3 graded, 0 unchanged" in first.stdout and "dan" in first.stdout
    table = {row["student"]: row for row in csv.DictReader((out / "grades.csv").open())}
    assert float(table["ann"]["score"]) == float(table["ann"]["max_score"]) > float(table["ben"]["score"]) > 0
    assert float(table["cat"]["score"]) == 0 and table["dan"]["status"].startswith("error")
    (out / "ben" / "results.json").unlink()  # as if the grader had died while grading ben
    second = run_cli("grade-roster", str(roster), "--out", str(out), *EX01_ONLY)
    assert "1 graded, 2 unchanged" in second.stdout, second.stdout


def test_a_one_exercise_grade_does_not_stand_in_for_a_wider_one(template, tmp_path):
    remote, work = push_student_repo(tmp_path, "eve", reference_source(), template)
    entry, out = RosterEntry("eve", str(remote), None), tmp_path / "grades"
    ex01 = [topic for topic in TOPICS if topic.filename == EX01]
    job = GradeRosterEntry(entry, out, topics=(EX01[:-3],))
    assert job.run() == "graded"
    assert job.run() == "unchanged"
    commit = git("rev-parse", "HEAD", cwd=work)
    assert already_graded(out / "eve", commit, graded_scope(ex01))
    assert not already_graded(out / "eve", commit, graded_scope(None)), "a full run must regrade eve"
    assert not already_graded(out / "eve", commit, graded_scope(ex01, include_hidden=False))
    assert not already_graded(out / "eve", "0" * 40, graded_scope(ex01))


# -- Gradescope -----------------------------------------------------------------------------


def test_the_gradescope_bundle_grades_a_submission_in_gradescope_s_layout(tmp_path):
    bundle = build_bundle(tmp_path / "bundle.zip")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        archive.extractall(root / "source")
    assert {"setup.sh", "run_autograder", "pyproject.toml"} <= set(names)
    assert not [name for name in names if name.startswith("tests/")]
    (root / "submission").mkdir()
    (root / "submission" / EX01).write_text(reference_source())
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable}
    run = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=environment, capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    ex01 = [test for test in results["tests"] if test["extra_data"]["topic"] == "ex01_forward_autodiff"]
    assert ex01 and all(test["status"] == "passed" for test in ex01)
    assert results["execution_time"] > 0 and "tests" in results
