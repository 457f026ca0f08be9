"""Fair grading of exercises 4 and 5: correct code gets full marks on every grading seed.

Three correct implementations of each exercise are graded by the public and
hidden tests over many grading seeds (in-process, as `tests/test_fairness.py`
does, under the grader's own ``grading.ini``): the reference solution, the
deliberately different alternative (`tests/alt_implementations`) and a
"natural" one written from the skeleton's docstrings and public tests alone
(`tests/natural_implementations`). Every seed must give every one of them the
full score: a requirement the grader checks that the docstrings and public
tests do not state, or a case that only some seeds draw, shows up here as a
seed that loses points.

The seeds: ``HARDWAY_FAIRNESS_SEEDS`` (default 6) for every test, except the
one that resumes training in a new process three times per seed (several
seconds each), which runs for the first ``HARDWAY_FAIRNESS_SLOW_SEEDS``
(default 2) of them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder import paths
from hardway.catalogue import topic_by_module
from helpers import ALTERNATIVE

HERE = Path(__file__).parent
NATURAL = HERE / "natural_implementations"
SEEDS = int(os.environ.get("HARDWAY_FAIRNESS_SEEDS", 6))
SLOW_SEEDS = int(os.environ.get("HARDWAY_FAIRNESS_SLOW_SEEDS", 2))
#: Tests too slow to run on every seed, by topic: they run on the first SLOW_SEEDS seeds only.
SLOW = {"ex05_checkpointing": "test_a_run_interrupted_twice_resumes_bit_for_bit"}
TOPICS = ["ex04_optimizers", "ex05_checkpointing"]
FOLDERS = {"reference": paths.SOLUTIONS_DIR, "alternative": ALTERNATIVE, "natural": NATURAL}


def graded(topic: str, folder: Path, out: Path, seeds: int, select: str | None) -> dict[str, dict]:
    """Each test's task, points and outcome, from one in-process pytest run over `seeds` grading seeds."""
    topic_files = [paths.public_tests(topic_by_module(topic)), paths.hidden_tests(topic_by_module(topic))]
    arguments = [sys.executable, "-m", "pytest", *map(str, topic_files), "-c", str(paths.GRADING_INI),
                 "--rootdir", str(paths.KIT_ROOT), "--import-mode=importlib", "-p", "no:cacheprovider",
                 "-p", "points_recorder", "-q", "--submission", str(folder), f"--grading-seeds=0:{seeds}"]
    if select:
        arguments += ["-k", select]
    env = dict(os.environ, HARDWAY_POINTS_OUT=str(out), PYTHONPATH=os.pathsep.join(
        [str(HERE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep), OMP_NUM_THREADS="1")
    run = subprocess.run(arguments, cwd=paths.KIT_ROOT, capture_output=True, text=True, timeout=900, env=env)
    assert out.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(out.read_text())


def scores_by_seed(records: dict[str, dict], seeds: int) -> dict[int, tuple[float, float, list[str]]]:
    """(score, maximum, failed tests) for each seed; a test without a seed counts towards every seed."""
    result: dict[int, list] = {seed: [0.0, 0.0, []] for seed in range(seeds)}
    for nodeid, record in records.items():
        found = re.search(r"[\[-]seed(\d+)[\]-]", nodeid)
        for seed in [int(found.group(1))] if found else range(seeds):
            if seed not in result:
                continue
            result[seed][1] += record["points"]
            if record["passed"]:
                result[seed][0] += record["points"]
            elif record["points"]:
                result[seed][2].append(nodeid)
    return {seed: (score, maximum, failed) for seed, (score, maximum, failed) in result.items()}


Scores = dict[int, tuple[float, float, list[str]]]


@pytest.fixture(scope="module")
def grades(tmp_path_factory) -> dict[tuple[str, str], list[Scores]]:
    """Every implementation of both exercises graded over the seeds, two runs at a time.

    For each (exercise, implementation): the scores by seed of each run (all tests but the slow one over
    SEEDS seeds; the slow one over SLOW_SEEDS).
    """
    root = tmp_path_factory.mktemp("fairness")
    runs = []
    for topic in TOPICS:
        for name, folder in FOLDERS.items():
            slow = SLOW.get(topic)
            runs.append((topic, name, folder, SEEDS, f"not {slow}" if slow else None))
            if slow:
                runs.append((topic, name, folder, min(SLOW_SEEDS, SEEDS), slow))

    def one(index: int) -> tuple[str, str, Scores]:
        topic, name, folder, seeds, select = runs[index]
        return topic, name, scores_by_seed(graded(topic, folder, root / f"{index}.json", seeds, select), seeds)

    found: dict[tuple[str, str], list[Scores]] = defaultdict(list)
    with ThreadPoolExecutor(2) as pool:
        for topic, name, scores in pool.map(one, range(len(runs))):
            found[(topic, name)].append(scores)
    return found


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("implementation", list(FOLDERS))
def test_correct_code_gets_full_marks_on_every_seed(grades, topic, implementation):
    for by_seed in grades[(topic, implementation)]:
        assert by_seed and all(maximum > 0 for _, maximum, _ in by_seed.values())
        lost = {seed: (score, maximum, failed) for seed, (score, maximum, failed) in by_seed.items()
                if score < maximum}
        assert not lost, f"{implementation} {topic} loses points on some seeds: {lost}"
        # The same maximum on every seed too: no seed asks more questions than another.
        assert len({maximum for _, maximum, _ in by_seed.values()}) == 1
