"""A pytest plugin for tests/test_fairness.py: the score that each grading seed gives.

Loaded with ``-p fairness_plugin`` (tests/ on the path). After the run it writes
JSON to the file named by HARDWAY_SEED_SCORES: for each seed, the points earned
and the points possible, counting the tests that draw no random inputs under
every seed.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from typing import Any, Iterator

import pytest

from hardway.pytest_plugin import task_marker

_runs: list[tuple[int | None, float, bool]] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    marked = task_marker(item)
    if marked and (report.when == "call" or (report.when == "setup" and not report.passed)):
        seed = getattr(getattr(item, "callspec", None), "params", {}).get("grading_seed")
        _runs.append((seed, marked[1], report.passed))
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = os.environ.get("HARDWAY_SEED_SCORES")
    if not target:
        return
    seeds = sorted({seed for seed, _, _ in _runs if seed is not None}) or [None]
    scores: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for seed, points, passed in _runs:
        for counted in seeds if seed is None else [seed]:
            scores[str(counted)][0] += points if passed else 0.0
            scores[str(counted)][1] += points
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(dict(scores), handle)
