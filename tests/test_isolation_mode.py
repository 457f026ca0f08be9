"""Where the jail cannot be made, authoritative grading refuses, unless the instructor accepts the weaker mode."""

from __future__ import annotations

import pytest

from helpers import reference_source, results, run_cli, write_submission


@pytest.fixture
def no_namespaces(monkeypatch):
    """A `bwrap` that always fails, as on a machine where user namespaces are forbidden."""
    monkeypatch.setenv("HARDWAY_BWRAP", "/bin/false")


@pytest.mark.slow
def test_grade_refuses_without_the_jail_and_says_why(no_namespaces, tmp_path):
    submission = write_submission(tmp_path / "alice", reference_source())
    run = run_cli("grade", str(submission), "--topic", "ex01_forward_autodiff", "--out", str(tmp_path / "out"))
    assert run.returncode == 3
    assert "jail cannot be made" in run.stdout and "--allow-process-isolation" in run.stdout
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_an_explicit_flag_grades_with_process_isolation_and_says_so_everywhere(no_namespaces, tmp_path):
    submission = write_submission(tmp_path / "alice", reference_source())
    out = tmp_path / "out"
    run = run_cli("grade", str(submission), "--topic", "ex01_forward_autodiff", "--out", str(out),
                  "--allow-process-isolation")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "process isolation only" in run.stderr
    graded = results(out.parent, "out")
    assert graded["extra_data"]["isolation"] == "process" and graded["score"] == graded["max_score"]
    assert "Isolation: process" in (out / "summary.md").read_text()
