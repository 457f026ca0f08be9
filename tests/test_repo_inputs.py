"""Repository URLs, refs and student names come from a roster or a command line: they are untrusted.

git reads an argument starting with `-` as an option (`--upload-pack=CMD` runs
CMD) and `name::address` as a transport helper (`ext::CMD` runs CMD). Each test
below hands the grader such a string, with a command that would create a marker
file, and checks that nothing ran and that the message says what to do instead.
Real git and real temporary repositories throughout; nothing is mocked.
"""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest

from autograder.channels.repos import (CloneError, RepoInputError, _git, check_repository, check_ref, clone_commit,
                              grade_repo, read_roster, resolve_commit)
from helpers import EX01, reference_source, run_cli

EX01_ONLY = ("--topic", "ex01_forward_autodiff")


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", "-c", "user.name=s", "-c", "user.email=s@x", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout.strip()


def bare_remote(root: Path, name: str, source: str = "x = 1\n", *, head: str = "main") -> Path:
    """A bare "remote" whose branch `main` holds `source` as exercise 1, a branch `feature` and a tag `v1`.

    Its HEAD names the branch `head`, which need not exist (as when a course's remote defaults to `master`).
    """
    work, remote = root / f"{name}-work", root / f"{name}.git"
    work.mkdir()
    (work / EX01).write_text(source)
    git("init", "--quiet", "--initial-branch=main", cwd=work)
    git("add", EX01, cwd=work)
    git("commit", "--quiet", "-m", "work", cwd=work)
    git("tag", "-a", "v1", "-m", "release", cwd=work)
    git("switch", "--quiet", "-c", "feature", cwd=work)
    git("commit", "--quiet", "--allow-empty", "-m", "more", cwd=work)
    git("init", "--quiet", "--bare", f"--initial-branch={head}", str(remote), cwd=root)
    git("push", "--quiet", "--follow-tags", str(remote), "main", "feature", cwd=work)
    return remote


def one_line(text: str) -> str:
    """The CLI's output with rich's line wrapping undone."""
    return " ".join(text.split())


# -- a class roster -----------------------------------------------------------------------


def test_hostile_roster_rows_run_nothing_and_the_honest_row_is_still_graded(tmp_path):
    bare_remote(tmp_path, "ann", reference_source())
    marker = tmp_path / "pwned"
    rows = [  # (student, repo, ref), from line 2 of the file on, and what the student's status must say
        (("ann", "ann.git", ""), "graded"),
        (("mallory", f"--upload-pack=touch {marker};://x", ""), "roster.csv:3: repo '--upload-pack"),
        (("eve", f"ext::sh -c touch% {marker}", ""), "'ext' transport helper"),
        (("nell", f"https://example.com/x.git\n--upload-pack=touch {marker}", ""), "control character"),
        (("bob", "ann.git", f"--upload-pack=touch {marker}"), "starts with '-'"),
        (("carl", "ann.git", "main..feature"), "ref 'main..feature' is not a valid branch or tag name"),
        (("dan", "no-such-folder", ""), "is not a repository URL or folder"),
        (("-rf", "ann.git", ""), "must not start with '-'"),
        (("ann", "ann.git", ""), "'ann' already has a row"),
        (("markup", "x[/]y", ""), "is not a repository URL or folder"),
    ]
    roster = tmp_path / "roster.csv"
    with roster.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "repo", "ref"])
        writer.writerows(row for row, _ in rows)
    out = tmp_path / "grades"
    run = run_cli("grade-roster", str(roster), "--out", str(out), "--jobs", "1", *EX01_ONLY)
    assert not marker.exists(), "a roster row ran a command on the grading host"
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 graded, 0 unchanged since their last grade, 9 failed" in one_line(run.stdout)
    table = list(csv.DictReader((out / "grades.csv").open()))
    assert len(table) == len(rows)
    assert float(table[0]["score"]) == float(table[0]["max_score"]) > 0
    for (_, expected), graded in zip(rows, table, strict=True):
        assert expected in graded["status"], graded
    assert table[1]["status"].startswith(f"error: {roster}:3: repo '--upload-pack=")
    assert "use https://, ssh://, git@host:path or a local folder" in table[1]["status"]
    assert table[7]["student"] == f"{roster}:10"  # '-rf': reported under its line (nell's took two)
    assert sorted(path.name for path in out.iterdir()) == ["ann", "class-report.html", "grades.csv"]


def test_rows_without_a_usable_name_or_repo_are_reported_under_their_line(tmp_path):
    bare_remote(tmp_path, "ann")
    roster = tmp_path / "roster.csv"
    roster.write_text("student,repo\n../escape,ann.git\n,ann.git\n.hidden,ann.git\nben,\nann,ann.git\n")
    found = [(entry.student, entry.problem) for entry in read_roster(roster)]
    assert [student for student, _ in found] == [f"{roster}:2", f"{roster}:3", f"{roster}:4", "ben", "ann"]
    assert [problem.split(": ", 1)[1] if problem else None for _, problem in found] == [
        "student name '../escape' must not contain path separators or '..'",
        "the row has no student name: fill in the student column",
        "student name '.hidden' must not start with '-' or '.': start it with a letter or digit",
        "the row has no repo: use https://, ssh://, git@host:path or a local folder",
        None]


def test_a_roster_without_its_header_row_says_so(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("ann,ann.git\nben,ben.git\n")
    with pytest.raises(ValueError, match=r"roster.csv:1: the header row `student,repo\[,ref\]` is missing"):
        read_roster(roster)
    roster.write_text("")
    with pytest.raises(ValueError, match="the file is empty"):
        read_roster(roster)


def test_a_roster_header_may_have_a_byte_order_mark_and_spaces(tmp_path):
    bare_remote(tmp_path, "ann")
    roster = tmp_path / "roster.csv"
    roster.write_text("\ufeffStudent, repo\nann,ann.git\n", encoding="utf-8")
    assert [(entry.student, entry.repo, entry.problem) for entry in read_roster(roster)] == [
        ("ann", str(tmp_path / "ann.git"), None)]


# -- one repository, from Python and from the command line ----------------------------------


@pytest.mark.parametrize("ref, says", [
    ("--upload-pack=touch {marker}", "starts with '-', which git would read as an option"),
    ("--output={marker}", "starts with '-'"),
    ("-bad", "starts with '-'"),
    ("main..feature", "is not a valid branch or tag name"),
    ("HEAD@{{1}}", "is not a valid branch or tag name"),
    ("main\n--upload-pack=touch {marker}", "contains a control character"),
])
def test_a_hostile_or_malformed_ref_never_reaches_git(tmp_path, ref, says):
    remote, marker = bare_remote(tmp_path, "ann"), tmp_path / "pwned"
    ref = ref.format(marker=marker)
    with pytest.raises(RepoInputError, match=says):
        resolve_commit(str(remote), ref)
    with pytest.raises(RepoInputError, match=says):
        clone_commit(str(remote), ref, tmp_path / "checkout")
    with pytest.raises(RepoInputError, match=says):
        grade_repo(str(remote), ref)
    assert not marker.exists() and not (tmp_path / "checkout").exists()


@pytest.mark.parametrize("repo, says", [
    ("--upload-pack=touch {marker};://x", "starts with '-', which git would read as an option"),
    ("-", "starts with '-'"),
    ("ext::sh -c touch% {marker}", "'ext' transport helper"),
    ("fd::7", "'fd' transport helper"),
    ("ftp://example.com/x.git", "uses the 'ftp' scheme"),
    ("https://example.com/x.git\n--upload-pack=touch {marker}", "contains a control character"),
    ("https://example.com/x .git", "contains a space"),
    ("ssh://-oProxyCommand=touch%20{marker}/x", "has no usable host name"),
    ("ssh://example.com:-oProxyCommand=x/y", "has a port that is not a number"),
    ("git@-oProxyCommand=x:y", "is not a repository URL or folder"),
    ("file://", "names no folder"),
    ("no-such-folder", "there is no folder"),
    ("ann-work/" + EX01, "is a file, not a repository folder"),
])
def test_a_repository_git_could_misread_never_reaches_git(tmp_path, monkeypatch, repo, says):
    bare_remote(tmp_path, "ann")
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "pwned"
    repo = repo.format(marker=marker)
    with pytest.raises(RepoInputError, match=says):
        check_repository(repo, tmp_path)
    with pytest.raises(RepoInputError, match=says):
        resolve_commit(repo)
    with pytest.raises(RepoInputError, match=says):
        grade_repo(repo)
    assert not marker.exists()


@pytest.mark.parametrize("repo", [
    "https://github.com/ann/hw.git", "http://git.example.org:8080/ann/hw", "ssh://git@example.com:2222/ann/hw.git",
    "git://example.com/ann/hw.git", "file:///srv/git/ann.git", "git@github.com:ann/hw.git",
])
def test_ordinary_repository_urls_pass_unchanged(repo):
    assert check_repository(repo, Path("/nowhere")) == repo


def test_a_local_folder_is_resolved_from_the_base_folder(tmp_path):
    remote = bare_remote(tmp_path, "ann")
    assert check_repository("ann.git", tmp_path) == str(remote)
    assert check_repository(str(remote), Path("/nowhere")) == str(remote)


@pytest.mark.parametrize("ref", ["HEAD", "main", "refs/heads/feature", "v1", "release/2024-spring"])
def test_ordinary_refs_pass_unchanged(ref):
    assert check_ref(ref) == ref
    assert check_ref("A" * 40) == "a" * 40


def test_any_branch_or_tag_of_the_remote_is_checked_out(tmp_path):
    remote = bare_remote(tmp_path, "ann")
    feature, main = (git("rev-parse", name, cwd=tmp_path / "ann-work") for name in ("feature", "main"))
    assert clone_commit(str(remote), "feature", tmp_path / "a") == feature
    assert clone_commit(str(remote), "v1", tmp_path / "b") == main
    assert clone_commit(str(remote), None, tmp_path / "c") == main


def test_a_head_naming_a_missing_branch_gets_a_hint(tmp_path):
    remote = bare_remote(tmp_path, "ann", head="master")
    with pytest.raises(CloneError, match=r"has no ref 'HEAD'.*Pass --ref BRANCH.*set the repository's default"):
        resolve_commit(str(remote))
    with pytest.raises(CloneError, match=r"has no ref 'nope': check the branch or tag name"):
        resolve_commit(str(remote), "nope")
    assert resolve_commit(str(remote), "main") == git("rev-parse", "main", cwd=tmp_path / "ann-work")


def test_grade_repo_on_the_command_line_refuses_a_hostile_url_and_ref(tmp_path):
    remote, marker = bare_remote(tmp_path, "ann"), tmp_path / "pwned"
    url = run_cli("grade-repo", *EX01_ONLY, "--", f"--upload-pack=touch {marker};://x")
    assert not marker.exists(), "the URL ran a command on the grading host"
    assert url.returncode == 2, url.stdout + url.stderr
    assert "starts with '-', which git would read as an option" in one_line(url.stdout)
    ref = run_cli("grade-repo", str(remote), f"--ref=--upload-pack=touch {marker}", *EX01_ONLY)
    assert ref.returncode == 2, ref.stdout + ref.stderr
    assert "ref '--upload-pack=touch" in one_line(ref.stdout)
    assert not marker.exists(), "the ref ran a command on the grading host"


# -- defence in depth ---------------------------------------------------------------------


def test_the_grader_s_git_refuses_ext_even_where_the_user_s_config_allows_every_protocol(tmp_path, monkeypatch):
    allow_all = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "protocol.allow", "GIT_CONFIG_VALUE_0": "always"}
    plain_marker, marker = tmp_path / "plain", tmp_path / "pwned"
    subprocess.run(["git", "ls-remote", "--", f"ext::sh -c touch% {plain_marker}"], capture_output=True,
                   env={**os.environ, **allow_all}, timeout=60)
    assert plain_marker.exists(), "the hole this guards against: with such a config, plain git runs ext:: commands"
    for name, value in allow_all.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(CloneError, match="transport 'ext' not allowed"):
        _git("ls-remote", "--", f"ext::sh -c touch% {marker}", "HEAD")  # past every check, straight to git
    assert not marker.exists()
