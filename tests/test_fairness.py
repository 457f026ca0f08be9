"""Fair grading: correct code earns full marks on every grading seed, whoever wrote it.

Three correct implementations of each of exercises 1-3 are graded with the public
and the hidden tests over many seeds: the reference solution, the alternative in
tests/alt_implementations (built differently on purpose) and a "natural" one in
tests/natural_implementations, written from the skeleton's docstrings and the
public tests alone, as a strong student would. Every seed must give the same
score, the maximum: a point lost here is a requirement the student was never
told, or a tolerance that depends on the draw.

The runs are in-process pytest runs (no jail, for speed), under the grader's own
settings (`autograder/grading.ini`), two at a time; `tests/points_recorder.py`
records each test's points and adds them up per seed. Only the runs that the
selection keeps are made (``-k ex02`` grades exercise 2 alone). Set
HARDWAY_FAIRNESS_SEEDS to try more seeds.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder import paths
from helpers import ALTERNATIVE
from points_recorder import Scores, exercise_tests, record_points, scores_by_seed, selected

NATURAL = Path(__file__).parent / "natural_implementations"
IMPLEMENTATIONS = {"reference": paths.SOLUTIONS_DIR, "alternative": ALTERNATIVE, "natural": NATURAL}
#: Seeds per exercise: the numpy exercises are cheap, the torch one is not.
SEEDS = {"ex01_forward_autodiff": 6, "ex02_gradient_descent": 10, "ex03_autograd_loops": 2}
RUNS = [(topic, name) for topic in SEEDS for name in IMPLEMENTATIONS]


def grade_over_seeds(topic: str, implementation: str, out: Path) -> Scores:
    """The scores by seed of one implementation of one exercise."""
    seeds = range(int(os.environ.get("HARDWAY_FAIRNESS_SEEDS", SEEDS[topic])))
    records = record_points(exercise_tests(topic), IMPLEMENTATIONS[implementation],
                            out / f"{topic}-{implementation}.json", seeds=seeds)
    return scores_by_seed(records, seeds)


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory) -> dict[tuple[str, str], Scores]:
    """The selected runs' scores by seed, two runs at a time."""
    out = tmp_path_factory.mktemp("fairness")
    wanted = [run for run in RUNS if run in selected(request, "topic", "implementation")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {run: pool.submit(grade_over_seeds, *run, out) for run in wanted}
        return {run: future.result() for run, future in futures.items()}


@pytest.mark.parametrize("topic, implementation", RUNS, ids=[f"{t.split('_')[0]}-{i}" for t, i in RUNS])
def test_every_seed_gives_full_marks(graded, topic, implementation):
    scores = graded[(topic, implementation)]
    table = ", ".join(f"seed {seed}: {earned:g}/{possible:g}" for seed, (earned, possible, _) in scores.items())
    print(f"{topic} {implementation}: {table}")
    assert scores and all(possible > 0 for _, possible, _ in scores.values()), f"nothing was graded: {table}"
    assert len({(earned, possible) for earned, possible, _ in scores.values()}) == 1, \
        f"the score depends on the seed: {table}"
    lost = {seed: failed for seed, (earned, possible, failed) in scores.items() if earned < possible}
    assert not lost, f"{implementation} loses points: {table}; failed: {lost}"
