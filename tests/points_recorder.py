"""The kit's own tests' one way to grade a submission in-process and read each test's points and outcome.

Two halves, one for each side of a pytest subprocess:

* the plugin, loaded with ``-p points_recorder`` (this folder on ``PYTHONPATH``)
  into a pytest run of an exercise's public and hidden tests. It writes, to the
  file named by ``HARDWAY_POINTS_OUT``, one entry per graded test: its node id,
  task, points (after the device rule) and whether it passed (None when only
  collecting). ``HARDWAY_ONLY_TASKS`` (comma-separated task ids) keeps only
  those tasks' tests, as ``autograder grade --task`` does.
  ``HARDWAY_SIMULATE_GPU=1`` makes ``torch.cuda.is_available()`` answer True
  before any test module is imported, so the tests are parametrised as on a
  grader with a GPU;
* `record_points`, which starts that run (under the grader's own
  ``grading.ini``) and reads the file back, and `scores_by_seed`, which adds
  the points up per grading seed. tests/test_fairness.py,
  tests/test_fairness_ex04_ex05.py and tests/test_device_rule.py use them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograder import paths
from hardway.catalogue import topic_by_module
from hardway.pytest_plugin import task_marker

if os.environ.get("HARDWAY_SIMULATE_GPU") == "1":
    import torch

    torch.cuda.is_available = lambda: True

#: What one run recorded: node id -> {"task": "4.3", "points": 2.0, "passed": True / False / None}.
Records = dict[str, dict[str, Any]]
#: For each grading seed: (points earned, points possible, the node ids of the failed tests that carry points).
Scores = dict[int, tuple[float, float, list[str]]]

# -- the plugin, in the pytest run that grades ---------------------------------------------------------------

_records: Records = {}


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


# -- the kit's tests' side: start a run, read what it recorded -----------------------------------------------


def record_points(test_files: list[Path], folder: Path, out: Path, *, seeds: range | int = 5,
                  select: str | None = None, tasks: str = "", gpu: bool = False, collect_only: bool = False,
                  timeout: float = 900) -> Records:
    """Each test's task, points and outcome, from one in-process pytest run of `test_files` on the code in `folder`.

    The run is graded as the grader grades (its ``grading.ini``; under the one grading seed `seeds`, or
    every test under each seed of a range) but without the jail, for speed. `select` is a ``-k`` expression;
    `tasks` keeps only those tasks' tests; `gpu` collects the tests as a grader with a GPU would.
    """
    arguments = [sys.executable, "-m", "pytest", *map(str, test_files), "-c", str(paths.GRADING_INI), "--rootdir",
                 str(paths.KIT_ROOT), "--import-mode=importlib", "-p", "no:cacheprovider", "-p", "points_recorder",
                 "-q", "--submission", str(folder)]
    if isinstance(seeds, int):
        arguments += ["--grading-seed", str(seeds)]
    else:
        arguments.append(f"--grading-seeds={seeds.start}:{seeds.stop}")
    if select:
        arguments += ["-k", select]
    if collect_only:
        arguments.append("--collect-only")
    env = dict(os.environ, HARDWAY_POINTS_OUT=str(out), HARDWAY_SIMULATE_GPU="1" if gpu else "0",
               HARDWAY_ONLY_TASKS=tasks, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]).rstrip(
                   os.pathsep))
    run = subprocess.run(arguments, cwd=paths.KIT_ROOT, capture_output=True, text=True, timeout=timeout, env=env)
    assert out.exists(), f"no points recorded by the run:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return json.loads(out.read_text())


def scores_by_seed(records: Records, seeds: range) -> Scores:
    """(points earned, points possible, failed tests) for each seed; a test without a seed counts towards every seed."""
    result: dict[int, tuple[float, float, list[str]]] = {seed: (0.0, 0.0, []) for seed in seeds}
    for nodeid, record in records.items():
        found = re.search(r"[\[-]seed(\d+)[\]-]", nodeid)
        for seed in [int(found.group(1))] if found else seeds:
            if seed not in result:
                continue
            earned, possible, failed = result[seed]
            if not record["passed"] and record["points"]:
                failed.append(nodeid)
            result[seed] = (earned + (record["points"] if record["passed"] else 0.0), possible + record["points"],
                            failed)
    return result


def of_topic(records: Records, topic: str) -> Records:
    """The records of `topic`'s own test files (of a run that graded several exercises)."""
    files = {path.relative_to(paths.KIT_ROOT).as_posix() for path in exercise_tests(topic)}
    return {nodeid: record for nodeid, record in records.items() if nodeid.split("::")[0] in files}


def exercise_tests(*topics: str) -> list[Path]:
    """The public and the hidden test files of each exercise in `topics` (module names), in that order."""
    return [find(topic_by_module(topic)) for topic in topics for find in (paths.public_tests, paths.hidden_tests)]


def selected(request: pytest.FixtureRequest, *names: str) -> set[tuple[Any, ...]]:
    """The values of the parameters `names` in the tests of the requesting module that this session runs.

    A module-scoped fixture that grades many submissions grades only what `-k` (or a node id) left
    selected: ``-k ex04`` then costs the runs of exercise 4 alone, while a full run still grades all.
    """
    return {tuple(item.callspec.params[name] for name in names) for item in request.session.items
            if item.module is request.module and hasattr(item, "callspec")  # type: ignore[attr-defined]
            and all(name in item.callspec.params for name in names)}
