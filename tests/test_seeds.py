"""Tolerances are fair: correct solutions pass the hidden tests on every seed.

The hidden tests draw new inputs for each grading seed. Here both the reference
and a correct solution written differently (tests/alt_implementations) run them
for many seeds in one pytest process (in-process mode; values still take the
same plain-data round trip as in the sandbox). The numpy exercises are cheap
and get more seeds than the torch ones; set HARDWAY_SEEDS to try more on every
exercise: `HARDWAY_SEEDS=100 pytest tests/test_seeds.py`.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from autograder import paths
from hardway.catalogue import TOPICS
from helpers import ALTERNATIVE

SEEDS = {topic.module: int(os.environ.get("HARDWAY_SEEDS", 3 if "torch" in topic.preload else 20)) for topic in TOPICS}


@pytest.mark.parametrize("topic", TOPICS, ids=lambda topic: topic.module)
@pytest.mark.parametrize("folder", [paths.SOLUTIONS_DIR, ALTERNATIVE], ids=["reference", "alternative"])
def test_correct_solutions_pass_every_hidden_test_on_every_seed(folder, topic):
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(paths.hidden_tests(topic)), str(paths.public_tests(topic)), "-q",
         "-p", "no:cacheprovider", "-W", "ignore", "--submission", str(folder),
         f"--grading-seeds=0:{SEEDS[topic.module]}"],
        cwd=paths.KIT_ROOT, capture_output=True, text=True, timeout=1800,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert " failed" not in run.stdout and " passed" in run.stdout
