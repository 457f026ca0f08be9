"""Recorded expectations stay true: each public test's RECORDED block is what the reference answers today.

A public test that cannot work out an expected value by hand compares with the
reference solution's answer to the very same call, recorded in the test file
(`autograder/authoring/recorded_expectations.py`). Recorded values go stale when the reference or a
case changes; then this test fails until `autograder record-expectations` runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder import paths
from autograder.authoring.recorded_expectations import plain, record, recorded_in, render, same
from hardway.catalogue import TOPICS


@pytest.mark.parametrize("topic", TOPICS, ids=lambda topic: topic.module)
def test_recorded_answers_match_the_reference(topic):
    answers = record(topic)
    if answers is None:
        pytest.skip(f"{paths.public_tests(topic).name} records nothing")
    assert same(recorded_in(paths.public_tests(topic)), answers), (
        f"{paths.public_tests(topic).name}: RECORDED is stale; run `autograder record-expectations`")


def test_a_recorded_block_reads_back_as_what_was_recorded():
    answers = {"a path": (np.array([[0.0, 1.5], [2.25, 1e-300]]), 3, [0.1, 0.2]), "flags": (True, None, "text")}
    namespace = {"np": np}
    exec(render(answers), namespace)  # noqa: S102 - the recorder's own output, read back
    assert same(namespace["RECORDED"], answers)
    assert not same(namespace["RECORDED"], {**answers, "flags": (False, None, "text")})
    assert plain(np.float64(2.5)) == 2.5 and type(plain(np.float64(2.5))) is float
