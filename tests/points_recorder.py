"""A pytest plugin for the kit's own tests: record every graded test's points and outcome as JSON.

Loaded with ``-p points_recorder`` (this folder on ``PYTHONPATH``) into a pytest
run of an exercise's public and hidden tests. It writes, to the file named by
``HARDWAY_POINTS_OUT``, one entry per test: its node id, task, points (after
the device rule) and whether it passed (None when only collecting).
``HARDWAY_ONLY_TASKS`` (comma-separated task ids) keeps only those tasks'
tests, as ``autograder grade --task`` does. ``HARDWAY_SIMULATE_GPU=1`` makes
``torch.cuda.is_available()`` answer True before any test module is imported,
so the tests are parametrised as on a grader with a GPU.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from hardway.pytest_plugin import task_marker

if os.environ.get("HARDWAY_SIMULATE_GPU") == "1":
    import torch

    torch.cuda.is_available = lambda: True

_records: dict[str, dict[str, Any]] = {}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = {task for task in os.environ.get("HARDWAY_ONLY_TASKS", "").split(",") if task}
    if wanted:
        chosen = [item for item in items if (task_marker(item) or ("",))[0] in wanted]
        config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
        items[:] = chosen
    for item in items:
        marked = task_marker(item)
        if marked is not None:
            _records[item.nodeid] = {"task": marked[0], "points": marked[1], "passed": None}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    record = _records.get(report.nodeid)
    if record is None:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        record["passed"] = report.passed


def pytest_sessionfinish(session: pytest.Session) -> None:
    out = os.environ.get("HARDWAY_POINTS_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(_records, handle, indent=1)
