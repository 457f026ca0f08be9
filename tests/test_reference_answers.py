"""The reference's answers, remembered across a batch: kept only once given twice alike, given as fresh copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.reference_answers import RememberingReference
from hardway.catalogue import topic_by_module

EX01 = topic_by_module("ex01_forward_autodiff")
REFERENCE = '''
import random

CALLS = []


def double(values):
    CALLS.append(values)
    return [2 * value for value in values]


def draw():
    CALLS.append(None)
    return random.random()
'''


@pytest.fixture
def reference(tmp_path: Path) -> RememberingReference:
    (tmp_path / EX01.filename).write_text(REFERENCE)
    opened = RememberingReference(EX01, tmp_path, "remembering_reference_under_test")
    yield opened
    opened.close()


def test_an_answer_given_twice_alike_is_then_given_from_memory(reference):
    answers = [reference.run("double(values)", values=[1, 2]) for _ in range(5)]
    assert answers == [[2, 4]] * 5
    assert len(reference.module().CALLS) == 2  # asked, asked again to compare, then remembered


def test_a_question_whose_answers_differ_is_always_computed(reference):
    answers = [reference.run("draw()") for _ in range(4)]
    assert len(set(answers)) == 4 and len(reference.module().CALLS) == 4


def test_other_inputs_are_another_question(reference):
    for values in ([1], [2], [3]):
        assert reference.run("double(values)", values=values) == [2 * values[0]]
    assert len(reference.module().CALLS) == 3


def test_a_remembered_answer_is_a_fresh_copy_each_time(reference):
    for _ in range(3):
        reference.run("double(values)", values=[5])
    reference.run("double(values)", values=[5]).append("changed by a test")
    assert reference.run("double(values)", values=[5]) == [10]


def test_a_reference_in_another_folder_is_another_reference(reference, tmp_path: Path):
    for _ in range(3):
        reference.run("double(values)", values=[7])
    other = tmp_path / "other"
    other.mkdir()
    (other / EX01.filename).write_text(REFERENCE.replace("2 * value", "3 * value"))
    elsewhere = RememberingReference(EX01, other, "remembering_reference_elsewhere")
    try:
        assert elsewhere.run("double(values)", values=[7]) == [21]
    finally:
        elsewhere.close()
