"""Tolerances are fair: correct solutions pass the hidden tests on every seed.

The hidden tests draw new inputs for each grading seed. Here both the reference
and a correct solution written differently (tests/alt_implementations) run them
for many seeds in one pytest process (in-process mode; values still take the
same plain-data round trip as in the sandbox). Set HARDWAY_SEEDS to try more:
`HARDWAY_SEEDS=500 pytest tests/test_seeds.py`.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from autograder import paths
from helpers import ALTERNATIVE

SEEDS = int(os.environ.get("HARDWAY_SEEDS", "20"))


@pytest.mark.parametrize("folder", [paths.SOLUTIONS_DIR, ALTERNATIVE], ids=["reference", "alternative"])
def test_correct_solutions_pass_every_hidden_test_on_every_seed(folder):
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(paths.HIDDEN_TESTS_DIR), str(paths.PUBLIC_TESTS_DIR), "-q",
         "-p", "no:cacheprovider", "-W", "ignore", "--submission", str(folder), f"--grading-seeds=0:{SEEDS}"],
        cwd=paths.KIT_ROOT, capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert " failed" not in run.stdout and " passed" in run.stdout
