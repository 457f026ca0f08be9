"""A class graded in two shards and merged gives the grades.csv of one run; the merge refuses a broken set.

The class (exercise 1 only, so each grade is quick): the reference, a mistake the tests name (one term
of the product rule), the untouched skeleton, and a roster row that cannot be graded. The split and
the merge's refusals are checked on the real shard folders, and the instructor workflows run the same
commands as a matrix of shards and a merge job.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from autograder import paths
from autograder.authoring.stubgen import make_skeleton
from autograder.channels.shards import MANIFEST, MergeError, Shard, merge_grades
from helpers import EX01, reference_source, run_cli
from mutants import all_mutants

SEED = "5"
EX01_ONLY = ("--topic", "ex01_forward_autodiff", "--seed", SEED, "--jobs", "2")
PRODUCT_RULE = next(m for m in all_mutants() if m.name == "tuple product rule with one term")


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=s", "-c", "user.email=s@x", *args], cwd=cwd, check=True,
                   capture_output=True)


def student_repository(root: Path, name: str, source: str) -> Path:
    work = root / name
    work.mkdir()
    (work / EX01).write_text(source)
    git("init", "--quiet", "--initial-branch=main", cwd=work)
    git("add", EX01, cwd=work)
    git("commit", "--quiet", "-m", "work", cwd=work)
    return work


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, Path]:
    """One run of the class, its two shards and their merge (the runs whose outputs the tests read)."""
    root = tmp_path_factory.mktemp("class")
    sources = {"ann": reference_source(), "ben": PRODUCT_RULE.source(), "dot": make_skeleton(reference_source())}
    roster = root / "roster.csv"
    with roster.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "repo"])
        for name, source in sources.items():
            writer.writerow([name, str(student_repository(root, name, source))])
        writer.writerow(["eve", "no-such-repo"])
    folders = {name: root / name for name in ("one", "shard1", "shard2", "merged")}
    for name, extra in (("one", ()), ("shard1", ("--shard", "1/2")), ("shard2", ("--shard", "2/2"))):
        run = run_cli("grade-roster", str(roster), "--out", str(folders[name]), *EX01_ONLY, *extra, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
    merged = run_cli("merge-grades", str(folders["merged"]), str(folders["shard1"]), str(folders["shard2"]))
    assert merged.returncode == 0, merged.stdout + merged.stderr
    return folders


def test_a_shard_is_every_n_th_student_by_name_whatever_the_roster_s_order():
    students = [f"s{number:03d}" for number in range(11)][::-1]
    shares = [Shard(index, 3).choose(students) for index in (1, 2, 3)]
    assert sorted(sum(shares, [])) == sorted(students), "every student in exactly one shard"
    assert [len(share) for share in shares] == [4, 4, 3]
    assert shares[0] == ["s009", "s006", "s003", "s000"], "in the roster's order"
    assert Shard(2, 3).choose(sorted(students)) == sorted(shares[1])


@pytest.mark.parametrize("spec", ["0/2", "3/2", "1/0", "2", "a/b", "-1/2"])
def test_a_wrong_shard_is_refused_with_the_form_to_use(spec):
    with pytest.raises(ValueError, match="i/N|between 1 and"):
        Shard.parse(spec)


def test_two_shards_merged_give_the_grades_csv_of_one_run(graded):
    one = (graded["one"] / "grades.csv").read_text()
    assert (graded["merged"] / "grades.csv").read_text() == one
    rows = {row["student"]: row for row in csv.DictReader(one.splitlines())}
    assert float(rows["ann"]["score"]) == float(rows["ann"]["max_score"]) > float(rows["ben"]["score"]) > 0
    assert float(rows["dot"]["score"]) == 0 and rows["eve"]["status"].startswith("error: ")
    for student in ("ann", "ben", "dot"):
        merged = json.loads((graded["merged"] / student / "results.json").read_text())
        alone = json.loads((graded["one"] / student / "results.json").read_text())
        assert [(t["name"], t["score"]) for t in merged["tests"]] == [(t["name"], t["score"]) for t in alone["tests"]]


def test_each_shard_graded_only_its_students(graded):
    manifests = [json.loads((graded[name] / MANIFEST).read_text()) for name in ("shard1", "shard2")]
    assert [m["shard"] for m in manifests] == ["1/2", "2/2"]
    for name, manifest in zip(("shard1", "shard2"), manifests, strict=True):
        folders = {path.name for path in graded[name].iterdir() if path.is_dir()}
        assert folders == set(manifest["students"]) & {"ann", "ben", "dot"}


def test_the_class_report_names_the_mistake_the_tests_recognised(graded):
    for name in ("one", "merged"):
        page = (graded[name] / "class-report.html").read_text()
        assert "the product rule has two terms" in page and "4 students, 3 with a grade" in page


def copy_shard(source: Path, destination: Path, **manifest_changes: object) -> Path:
    shutil.copytree(source, destination)
    manifest = json.loads((destination / MANIFEST).read_text())
    (destination / MANIFEST).write_text(json.dumps({**manifest, **manifest_changes}))
    return destination


def test_the_merge_refuses_a_missing_shard_naming_its_students(graded, tmp_path):
    with pytest.raises(MergeError, match=r"in no shard given \(.*\); missing shard\(s\): 2/2") as refused:
        merge_grades(tmp_path / "out", [graded["shard1"]])
    missing = json.loads((graded["shard2"] / MANIFEST).read_text())["students"]
    assert all(student in str(refused.value) for student in missing)
    assert not (tmp_path / "out").exists(), "nothing is written from a broken set"


def test_the_merge_refuses_a_shard_given_twice_or_overlapping_students(graded, tmp_path):
    with pytest.raises(MergeError, match="given twice"):
        merge_grades(tmp_path / "out", [graded["shard1"], graded["shard1"], graded["shard2"]])
    students = json.loads((graded["shard1"] / MANIFEST).read_text())["students"]
    relabelled = copy_shard(graded["shard1"], tmp_path / "third", shard="2/2")
    with pytest.raises(MergeError, match=f"student '{re.escape(students[0])}' is in two shards|given twice"):
        merge_grades(tmp_path / "out", [graded["shard1"], relabelled])


def test_the_merge_refuses_shards_of_different_rosters_or_splits(graded, tmp_path):
    other_roster = copy_shard(graded["shard2"], tmp_path / "other", roster=["zoe"])
    with pytest.raises(MergeError, match="different rosters"):
        merge_grades(tmp_path / "out", [graded["shard1"], other_roster])
    other_split = copy_shard(graded["shard2"], tmp_path / "split", shard="2/3")
    with pytest.raises(MergeError, match="merge the shards of one split"):
        merge_grades(tmp_path / "out", [graded["shard1"], other_split])
    with pytest.raises(MergeError, match="no shard.json"):
        merge_grades(tmp_path / "out", [graded["one"]])


def test_merge_grades_on_the_command_line_says_what_is_wrong(graded, tmp_path):
    run = run_cli("merge-grades", str(tmp_path / "out"), str(graded["shard2"]))
    assert run.returncode == 2 and "missing shard(s): 1/2" in " ".join(run.stdout.split())


# -- the instructor workflows ------------------------------------------------------------------


def shard_count(command: str, placeholder: str) -> int:
    match = re.search(rf"--shard {re.escape(placeholder)}/(\S+)", command)
    assert match, f"the grading command shards the class: {command}"
    return int(match[1]) if match[1].isdigit() else -1


def test_the_github_workflow_grades_a_matrix_of_shards_then_merges_them():
    workflow = yaml.safe_load((paths.KIT_ROOT / ".github/workflows/grade-class.yml").read_text())
    grade, merge = workflow["jobs"]["grade"], workflow["jobs"]["merge"]
    command = next(step["run"] for step in grade["steps"] if "grade-roster" in step.get("run", ""))
    count = shard_count(command, "${{ matrix.shard }}")
    assert grade["strategy"]["matrix"]["shard"] == list(range(1, count + 1)), "one job per shard, 1 to N"
    assert grade["strategy"]["fail-fast"] is False, "one shard's failure does not cancel the others"
    upload = next(step for step in grade["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["name"] == "grades-shard-${{ matrix.shard }}"
    assert merge["needs"] == "grade"
    download = next(step for step in merge["steps"] if step.get("uses", "").startswith("actions/download-artifact"))
    assert download["with"] == {"pattern": "grades-shard-*", "path": "shards"}
    assert any(step.get("run") == "autograder merge-grades grades shards/grades-shard-*" for step in merge["steps"])


def test_the_gitlab_pipeline_grades_parallel_shards_then_merges_them():
    pipeline = yaml.safe_load((paths.KIT_ROOT / ".gitlab-ci.yml").read_text())
    grade, merge = pipeline["grade-class"], pipeline["merge-grades"]
    command = next(line for line in grade["script"] if "grade-roster" in line)
    assert "--shard $CI_NODE_INDEX/$CI_NODE_TOTAL" in command and grade["parallel"] >= 2
    assert "--out grades-shard-$CI_NODE_INDEX" in command
    assert grade["artifacts"]["paths"] == ["grades-shard-$CI_NODE_INDEX/"]
    assert merge["needs"] == ["grade-class"] and merge["rules"] == grade["rules"]
    assert "autograder merge-grades grades grades-shard-*" in merge["script"]
