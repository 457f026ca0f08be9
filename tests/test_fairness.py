"""Fair grading: correct code earns full marks on every grading seed, whoever wrote it.

Three correct implementations of each of exercises 1-3 are graded with the public
and the hidden tests over many seeds: the reference solution, the alternative in
tests/alt_implementations (built differently on purpose) and a "natural" one in
tests/natural_implementations, written from the skeleton's docstrings and the
public tests alone, as a strong student would. Every seed must give the same
score, the maximum: a point lost here is a requirement the student was never
told, or a tolerance that depends on the draw.

The runs are in-process pytest runs (no jail, for speed), under the grader's own
settings (`autograder/grading.ini`), two at a time; `tests/fairness_plugin.py`
adds up the points per seed. Set HARDWAY_FAIRNESS_SEEDS to try more seeds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder import paths
from hardway.catalogue import topic_by_module
from helpers import ALTERNATIVE

NATURAL = Path(__file__).parent / "natural_implementations"
IMPLEMENTATIONS = {"reference": paths.SOLUTIONS_DIR, "alternative": ALTERNATIVE, "natural": NATURAL}
#: Seeds per exercise: the numpy exercises are cheap, the torch one is not.
SEEDS = {"ex01_forward_autodiff": 6, "ex02_gradient_descent": 10, "ex03_autograd_loops": 2}
RUNS = [(topic, name) for topic in SEEDS for name in IMPLEMENTATIONS]


def grade_over_seeds(topic: str, implementation: str, out: Path) -> tuple[dict[str, list[float]], str]:
    """{seed: [points earned, points possible]} for one implementation of one exercise, and pytest's output."""
    seeds = int(os.environ.get("HARDWAY_FAIRNESS_SEEDS", SEEDS[topic]))
    scores = out / f"{topic}-{implementation}.json"
    exercise = topic_by_module(topic)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(paths.public_tests(exercise)), str(paths.hidden_tests(exercise)),
         "-c", str(paths.GRADING_INI), "--rootdir", str(paths.KIT_ROOT), "--import-mode=importlib",
         "-p", "no:cacheprovider", "-p", "fairness_plugin", "-q", "--submission", str(IMPLEMENTATIONS[implementation]),
         f"--grading-seeds=0:{seeds}"],
        cwd=paths.KIT_ROOT, capture_output=True, text=True, timeout=900,
        env={**os.environ, "HARDWAY_SEED_SCORES": str(scores),
             "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])},
    )
    if not scores.exists():
        raise AssertionError(f"no scores from the run:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    return json.loads(scores.read_text()), run.stdout


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[tuple[str, str], tuple[dict[str, list[float]], str]]:
    out = tmp_path_factory.mktemp("fairness")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {run: pool.submit(grade_over_seeds, *run, out) for run in RUNS}
        return {run: future.result() for run, future in futures.items()}


@pytest.mark.parametrize("topic, implementation", RUNS, ids=[f"{t.split('_')[0]}-{i}" for t, i in RUNS])
def test_every_seed_gives_full_marks(graded, topic, implementation):
    scores, output = graded[(topic, implementation)]
    table = ", ".join(f"seed {seed}: {earned:g}/{possible:g}" for seed, (earned, possible) in sorted(
        scores.items(), key=lambda item: int(item[0])))
    print(f"{topic} {implementation}: {table}")
    assert len({tuple(score) for score in scores.values()}) == 1, f"the score depends on the seed: {table}"
    earned, possible = next(iter(scores.values()))
    assert earned == possible, f"{implementation} loses points: {table}\n{output[-4000:]}"
