"""The jail, proved with hostile submissions graded in a batch between two honest ones.

For every class of attack (write, read, outlive, signal, fill, bypass, malformed
reply, stall; see `hostile.py`), graded by the real `autograder grade` and by
`grade-roster --jobs 2`:

* the hostile submission earns nothing it did not compute, and the honest ones
  keep full marks;
* the kit's checkout, its venv and site-packages are unchanged afterwards;
* no process the submission started is still alive, the output folder holds
  only the grader's reports, the grader's secrets appear in none of them;
* the grader exits 0, and a stalling submission finishes within its budget.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from autograder import paths
from autograder.sandbox import NAMESPACES, isolation_mode, why_no_namespaces
from helpers import EX01, reference_source, run_cli, write_submission
from hostile import ATTACKS, DAEMON_MARKER, SECRET, hostile_source

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    isolation_mode() != NAMESPACES, reason=f"the jail cannot be made here: {why_no_namespaces()}")]

REPORTS = {"results.json", "junit.xml", "summary.md"}
#: Folders of the checkout that tools rewrite as they please (and git ignores); the venv is checked on its own.
CACHES = {"__pycache__", ".git", ".venv", ".ruff_cache", ".mypy_cache", ".pytest_cache", ".hypothesis"}
BUDGET_S = 12
CALL_TIMEOUT_S = 3


def snapshot(root: Path, *, content: bool) -> dict[str, tuple]:
    """Every file under `root` (Python's own bytecode caches aside): its bytes' hash or its inode facts.

    `content=False` records size and ctime, which any write changes and no
    process can set back, so the big venv is checked without reading it.
    """
    import hashlib

    facts = {}
    for folder, directories, files in os.walk(root):
        directories[:] = [d for d in directories if d not in CACHES]
        for name in files + directories:
            path = Path(folder, name)
            info = path.lstat()
            if content and path.is_file() and not path.is_symlink():
                facts[str(path)] = (hashlib.sha256(path.read_bytes()).hexdigest(),)
            else:
                facts[str(path)] = (info.st_size, info.st_ctime_ns, info.st_mode)
    return facts


def living_daemons() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and DAEMON_MARKER.encode() in (entry / "cmdline").read_bytes():
                found.append(entry.name)
        except OSError:
            pass
    return found


def build_class(root: Path, out: Path, attacks: list[str]) -> list[Path]:
    skeleton = (paths.EXERCISES_DIR / EX01).read_text()
    site = sysconfig.get_paths()["purelib"]
    folders = [write_submission(root / "honest_before", reference_source())]
    for attack in attacks:
        source = hostile_source(skeleton, attack, kit=str(paths.KIT_ROOT), out=str(out), site=site)
        folders.append(write_submission(root / attack, source))
    folders.append(write_submission(root / "honest_after", reference_source()))
    return folders


@pytest.fixture(scope="module")
def kit_before() -> tuple[dict, dict]:
    return snapshot(paths.KIT_ROOT, content=True), snapshot(Path(sys.prefix), content=False)


@pytest.fixture(scope="module")
def batch(tmp_path_factory, kit_before) -> tuple[subprocess.CompletedProcess[str], Path, dict[str, float]]:
    """The whole catalogue graded in one run of `autograder grade --jobs 2`, with a secret in the environment."""
    root, out = tmp_path_factory.mktemp("class"), tmp_path_factory.mktemp("out")
    folders = build_class(root, out, list(ATTACKS))
    os.environ["HARDWAY_TEST_SECRET"] = SECRET
    try:
        started = time.monotonic()
        run = run_cli("grade", *map(str, folders), "--topic", "ex01_forward_autodiff", "--jobs", "2",
                      "--timeout", str(CALL_TIMEOUT_S), "--budget", str(BUDGET_S), "--out", str(out), timeout=600)
        wall = time.monotonic() - started
    finally:
        del os.environ["HARDWAY_TEST_SECRET"]
    time.sleep(3)  # long enough for a surviving daemon to act (it waits 2 s)
    return run, out, {"wall": wall}


def scores(out: Path) -> dict[str, dict]:
    return {folder.name: json.loads((folder / "results.json").read_text()) for folder in out.iterdir()}


def test_the_grader_exits_0_and_honest_submissions_keep_full_marks(batch):
    run, out, _ = batch
    assert run.returncode == 0, run.stderr[-3000:]
    graded = scores(out)
    for honest in ("honest_before", "honest_after"):
        assert graded[honest]["score"] == graded[honest]["max_score"] > 0, [
            t["output"] for t in graded[honest]["tests"] if t["score"] == 0]


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_hostile_submission_earns_nothing_it_did_not_compute(batch, attack):
    _, out, _ = batch
    result = scores(out)[attack]
    assert result["score"] == 0, [t["name"] for t in result["tests"] if t["score"]]
    assert result["extra_data"]["isolation"] == NAMESPACES
    assert not any(test["extra_data"]["grader_error"] for test in result["tests"]), attack


def test_the_kit_its_venv_and_site_packages_are_unchanged(batch, kit_before):
    kit, venv = kit_before
    assert snapshot(paths.KIT_ROOT, content=True) == kit
    assert snapshot(Path(sys.prefix), content=False) == venv
    assert not Path("/tmp/owned").exists()


def test_no_process_of_a_submission_survives_grading(batch):
    assert living_daemons() == []


def test_the_output_folder_holds_only_the_grader_s_reports_and_no_secret(batch):
    _, out, _ = batch
    solution_line = "return (left[0] * right[0], left[1] * right[0] + left[0] * right[1])"
    for folder in out.iterdir():
        assert {path.name for path in folder.iterdir()} == REPORTS, folder
        for report in folder.iterdir():
            text = report.read_text()
            assert SECRET not in text and "READ THE REFERENCE" not in text
            assert solution_line not in text


def test_a_forbidden_library_is_simply_not_there(batch):
    _, out, _ = batch
    printed = json.dumps(scores(out)["bypass"])
    assert "TORCH IS ABSENT" in printed and "TORCH WAS IMPORTED" not in printed


def test_malformed_replies_cost_the_test_not_the_grader(batch):
    _, out, _ = batch
    messages = " ".join(t["output"] for t in scores(out)["malformed"]["tests"])
    assert "the process running your code sent" in messages
    assert "more than 4 MiB" in messages


@pytest.mark.parametrize("attack", ["stall", "stall_import"])
def test_a_stalling_submission_finishes_within_its_budget(batch, attack):
    _, out, _ = batch
    result = scores(out)[attack]
    # The budget counts time spent waiting on the student's code; starting the grader and the tests is extra.
    assert result["execution_time"] < BUDGET_S + 15
    assert any("grading time" in test["output"] for test in result["tests"])


def test_grade_roster_with_two_jobs_keeps_the_walls(tmp_path, kit_before):
    """The same walls when a class is graded from repositories, two students at a time."""
    root, out = tmp_path / "repos", tmp_path / "grades"
    folders = build_class(root, out, ["outlive", "signal", "write"])
    rows = ["student,repo"]
    for folder in folders:
        for command in (["init", "-q", "-b", "main"], ["add", "."],
                        ["-c", "user.name=s", "-c", "user.email=s@x", "commit", "-q", "-m", "work"]):
            subprocess.run(["git", *command], cwd=folder, check=True, capture_output=True)
        rows.append(f"{folder.name},{folder}")
    (tmp_path / "roster.csv").write_text("\n".join(rows) + "\n")
    run = run_cli("grade-roster", str(tmp_path / "roster.csv"), "--out", str(out), "--jobs", "2",
                  "--topic", "ex01_forward_autodiff", "--timeout", str(CALL_TIMEOUT_S), timeout=600)
    time.sleep(3)
    assert run.returncode == 0, run.stderr[-3000:]
    graded = {folder.name: json.loads((out / folder.name / "results.json").read_text()) for folder in folders}
    assert graded["honest_before"]["score"] == graded["honest_after"]["score"] == graded["honest_after"]["max_score"]
    assert all(graded[attack]["score"] == 0 for attack in ("outlive", "signal", "write"))
    assert living_daemons() == []
    kit, venv = kit_before
    assert snapshot(paths.KIT_ROOT, content=True) == kit
    assert snapshot(Path(sys.prefix), content=False) == venv
    shutil.rmtree(root)
