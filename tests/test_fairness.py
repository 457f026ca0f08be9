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
from points_recorder import Scores, exercise_tests, of_topic, record_points, scores_by_seed, selected

NATURAL = Path(__file__).parent / "natural_implementations"
IMPLEMENTATIONS = {"reference": paths.SOLUTIONS_DIR, "alternative": ALTERNATIVE, "natural": NATURAL}
#: Seeds per exercise: the numpy exercises are cheap, the torch one is not.
SEEDS = {"ex01_forward_autodiff": 6, "ex02_gradient_descent": 10, "ex03_autograd_loops": 2}
RUNS = [(topic, name) for topic in SEEDS for name in IMPLEMENTATIONS]


def seeds_of(topic: str) -> range:
    return range(int(os.environ.get("HARDWAY_FAIRNESS_SEEDS", SEEDS[topic])))


def grade_over_seeds(topics: list[str], implementation: str, out: Path) -> dict[str, Scores]:
    """The scores by seed of one implementation of each exercise in `topics`, from one pytest run.

    The run draws as many seeds as the exercise with the most; a test of another exercise under a seed
    beyond that exercise's own is deselected (and would not be counted: `scores_by_seed` keeps its seeds).
    """
    top = max(len(seeds_of(topic)) for topic in topics)
    beyond = [f"({topic} and ({' or '.join(f'[seed{n}] or [seed{n}- or -seed{n}] or -seed{n}-' for n in extra)}))"
              for topic in topics if (extra := range(len(seeds_of(topic)), top))]
    records = record_points(exercise_tests(*topics), IMPLEMENTATIONS[implementation], out / f"{implementation}.json",
                            seeds=range(top), select=" and ".join(f"not {term}" for term in beyond) or None)
    return {topic: scores_by_seed(of_topic(records, topic), seeds_of(topic)) for topic in topics}


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory) -> dict[tuple[str, str], Scores]:
    """The selected runs' scores by seed: one pytest run per implementation (pytest and torch start once for
    its exercises), two at a time."""
    out = tmp_path_factory.mktemp("fairness")
    wanted = selected(request, "topic", "implementation")
    topics = {name: [topic for topic in SEEDS if (topic, name) in wanted] for name in IMPLEMENTATIONS}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(grade_over_seeds, chosen, name, out) for name, chosen in topics.items() if chosen}
        return {(topic, name): scores for name, future in futures.items() for topic, scores in future.result().items()}


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
