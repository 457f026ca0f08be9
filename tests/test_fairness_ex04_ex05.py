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
(default 2) of them. Only the implementations and exercises that the
selection keeps are graded (``-k ex04`` grades exercise 4 alone);
`tests/points_recorder.py` records the points and adds them up per seed.
"""

from __future__ import annotations

import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder import paths
from helpers import ALTERNATIVE
from points_recorder import Scores, exercise_tests, of_topic, record_points, scores_by_seed, selected

HERE = Path(__file__).parent
NATURAL = HERE / "natural_implementations"
SEEDS = int(os.environ.get("HARDWAY_FAIRNESS_SEEDS", 6))
SLOW_SEEDS = int(os.environ.get("HARDWAY_FAIRNESS_SLOW_SEEDS", 2))
#: Tests too slow to run on every seed, by topic: they run on the first SLOW_SEEDS seeds only.
SLOW = {"ex05_checkpointing": "test_a_run_interrupted_twice_resumes_bit_for_bit"}
TOPICS = ["ex04_optimizers", "ex05_checkpointing"]
FOLDERS = {"reference": paths.SOLUTIONS_DIR, "alternative": ALTERNATIVE, "natural": NATURAL}


@pytest.fixture(scope="module")
def grades(request, tmp_path_factory) -> dict[tuple[str, str], list[Scores]]:
    """The selected implementations of both exercises graded over the seeds, two runs at a time.

    For each (exercise, implementation): the scores by seed of each run (all tests but the slow one over
    SEEDS seeds; the slow one over SLOW_SEEDS). One run grades both exercises of an implementation over
    SEEDS (their tests import only their own module), so pytest and torch start once for the two; each
    exercise's scores are added up from its own tests' records.
    """
    root = tmp_path_factory.mktemp("fairness")
    wanted = selected(request, "topic", "implementation")
    runs = []
    for name, folder in FOLDERS.items():
        topics = [topic for topic in TOPICS if (topic, name) in wanted]
        if topics:
            slow = [SLOW[topic] for topic in topics if topic in SLOW]
            runs.append((topics, name, folder, range(SEEDS), " and ".join(f"not {test}" for test in slow) or None))
        for topic in topics:
            if topic in SLOW:
                runs.append(([topic], name, folder, range(min(SLOW_SEEDS, SEEDS)), SLOW[topic]))

    def one(index: int) -> list[tuple[str, str, Scores]]:
        topics, name, folder, seeds, select = runs[index]
        records = record_points(exercise_tests(*topics), folder, root / f"{index}.json", seeds=seeds, select=select)
        return [(topic, name, scores_by_seed(of_topic(records, topic), seeds)) for topic in topics]

    found: dict[tuple[str, str], list[Scores]] = defaultdict(list)
    with ThreadPoolExecutor(2) as pool:
        for graded in pool.map(one, range(len(runs))):
            for topic, name, scores in graded:
                found[(topic, name)].append(scores)
    return found


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("implementation", list(FOLDERS))
def test_correct_code_gets_full_marks_on_every_seed(grades, topic, implementation):
    assert grades[(topic, implementation)], f"{implementation} {topic} was not graded"
    for by_seed in grades[(topic, implementation)]:
        assert by_seed and all(maximum > 0 for _, maximum, _ in by_seed.values())
        lost = {seed: (score, maximum, failed) for seed, (score, maximum, failed) in by_seed.items()
                if score < maximum}
        assert not lost, f"{implementation} {topic} loses points on some seeds: {lost}"
        # The same maximum on every seed too: no seed asks more questions than another.
        assert len({maximum for _, maximum, _ in by_seed.values()}) == 1
