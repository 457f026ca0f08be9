"""Fixtures for the hidden tests: the reference solution, run in the grader's own process."""

from __future__ import annotations

from typing import Iterator

import pytest

from autograder import paths
from autograder.reference_answers import RememberingReference
from hardway.catalogue import topic_of_task
from hardway.pytest_plugin import task_marker
from hardway.submission import InProcessSubmission


@pytest.fixture(scope="session")
def _references() -> Iterator[dict[str, InProcessSubmission]]:
    opened: dict[str, InProcessSubmission] = {}
    yield opened
    for reference in opened.values():
        reference.close()


@pytest.fixture
def reference(request: pytest.FixtureRequest, _references: dict[str, InProcessSubmission]) -> InProcessSubmission:
    """The reference solution of this test's exercise (trusted code, never the student's)."""
    marked = task_marker(request.node)
    assert marked is not None, "hidden tests need a @pytest.mark.task marker"
    topic = topic_of_task(marked[0])
    if topic.module not in _references:
        _references[topic.module] = RememberingReference(topic, paths.SOLUTIONS_DIR, f"reference_{topic.module}")
    return _references[topic.module]
