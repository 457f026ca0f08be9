"""Taking a submission in: the grader reads only regular files the student wrote, copied without following links."""

from __future__ import annotations

import os

import pytest

from autograder import paths
from autograder.intake import MAX_MODULE_BYTES, locate_modules, take_in
from hardway.catalogue import topic_by_module
from helpers import EX01, reference_source, results, run_cli, write_submission

TOPIC = topic_by_module("ex01_forward_autodiff")


def test_a_folder_symlinked_to_the_solutions_is_not_followed(tmp_path):
    (tmp_path / "exercises").symlink_to(paths.SOLUTIONS_DIR, target_is_directory=True)
    assert locate_modules(tmp_path) == tmp_path
    intake = take_in(tmp_path, [TOPIC])
    assert list(intake.folder.iterdir()) == []
    assert "was not found" in intake.refused[TOPIC.module]


def test_a_module_that_is_a_link_is_refused_with_a_reason(tmp_path):
    (tmp_path / EX01).symlink_to(paths.SOLUTIONS_DIR / EX01)
    intake = take_in(tmp_path, [TOPIC])
    assert "symbolic link" in intake.refused[TOPIC.module]


def test_a_fifo_and_an_oversized_file_are_refused_without_blocking(tmp_path):
    fifo, big = tmp_path / "fifo", tmp_path / "big"
    for folder in (fifo, big):
        folder.mkdir()
    os.mkfifo(fifo / EX01)
    (big / EX01).write_bytes(b"#" * (MAX_MODULE_BYTES + 1))
    assert "not a regular file" in take_in(fifo, [TOPIC]).refused[TOPIC.module]
    assert "MiB" in take_in(big, [TOPIC]).refused[TOPIC.module]


def test_a_checkout_keeps_its_modules_in_exercises(tmp_path):
    write_submission(tmp_path / "exercises", reference_source())
    intake = take_in(tmp_path, [TOPIC])
    assert (intake.folder / EX01).read_text() == reference_source() and intake.refused == {}


@pytest.mark.slow
def test_grading_a_symlinked_folder_and_a_utf7_file_earns_nothing(tmp_path):
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "exercises").symlink_to(paths.SOLUTIONS_DIR, target_is_directory=True)
    # UTF-7 hides `exec` and a torch import from a checker that reads UTF-8.
    utf7 = write_submission(tmp_path / "utf7", "# coding: utf-7\nimport numpy\n+AGU-xec('import torch')\n")
    out = tmp_path / "out"
    run = run_cli("grade", str(linked), str(utf7), "--topic", "ex01_forward_autodiff", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert results(out, "linked")["score"] == 0
    graded = results(out, "utf7")
    assert graded["score"] == 0 and "declares the coding 'utf-7'" in graded["tests"][0]["output"]
