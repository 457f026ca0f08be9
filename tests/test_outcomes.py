"""The rules every report of a test's outcome shares (hardway/outcomes.py), and the one hook that records it."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from hardway.catalogue import TOPICS
from hardway.outcomes import UNMARKED, Outcome, fence_safe, task_key, task_rows, task_title, with_task
from hardway.pytest_plugin import OutcomeRecorder


def test_task_ids_sort_by_number_not_text() -> None:
    assert sorted(["1.10", "2.1", "1.9", UNMARKED, "1.2"], key=task_key) == [UNMARKED, "1.2", "1.9", "1.10", "2.1"]


def test_a_task_title_comes_from_the_catalogue_and_an_unknown_id_has_none() -> None:
    topic = TOPICS[0]
    first = next(iter(topic.tasks))
    assert task_title(first) == topic.tasks[first]
    assert task_title(UNMARKED) == "" and task_title("99.1") == ""


def test_the_task_prefix_is_added_only_inside_a_task() -> None:
    assert with_task("1.2", "not done yet") == "Task 1.2: not done yet"
    assert with_task("", "not done yet") == "not done yet"


def test_fence_safe_text_cannot_close_a_markdown_fence() -> None:
    assert "```" not in fence_safe("a ``` b ````")


def test_task_rows_sum_each_task_in_task_order() -> None:
    outcomes = [Outcome("a", "1.10", 2.0, True), Outcome("b", "1.9", 1.0, False), Outcome("c", "1.10", 3.0, False)]
    rows = task_rows(outcomes)
    assert [row.task for row in rows] == ["1.9", "1.10"]
    ten = rows[1]
    assert (ten.passed, ten.tests, ten.earned, ten.possible, ten.done) == (1, 2, 2.0, 5.0, False)


def test_one_recorder_keeps_every_test_once_with_its_task_points_and_message(tmp_path: Path) -> None:
    """A test's call and a failed setup each make one outcome; the message is the report the plugin explained."""
    task = next(iter(TOPICS[0].tasks))
    tests = tmp_path / "test_marked.py"
    tests.write_text(textwrap.dedent(f"""
        import pytest

        @pytest.fixture
        def broken_fixture():
            raise RuntimeError("setup went wrong")

        @pytest.mark.task("{task}", points=2)
        def test_passes():
            pass

        @pytest.mark.task("{task}", points=3)
        def test_fails():
            raise NotImplementedError("Task {task}: implement it")

        @pytest.mark.task("{task}")
        def test_setup_fails(broken_fixture):
            pass

        def test_unmarked():
            pass
    """), encoding="utf-8")
    recorder = OutcomeRecorder()
    pytest.main([str(tests), "-c", os.devnull, "--rootdir", str(tmp_path), "-p", "no:cacheprovider",
                 "-p", "no:terminal"], plugins=[recorder])
    got = {outcome.name: outcome for outcome in recorder.outcomes}
    assert sorted(got) == ["test_fails", "test_passes", "test_setup_fails", "test_unmarked"]
    assert (got["test_passes"].passed, got["test_passes"].points, got["test_passes"].message) == (True, 2.0, "")
    assert not got["test_fails"].passed and got["test_fails"].points == 3.0
    assert got["test_fails"].message == f"Task {task}: not done yet: implement it"
    assert not got["test_setup_fails"].passed and "setup went wrong" in got["test_setup_fails"].message
    assert (got["test_unmarked"].task, got["test_unmarked"].points) == (UNMARKED, 0.0)
