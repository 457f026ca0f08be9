"""Fixtures shared by the kit's tests of itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder import paths
from autograder.demo import make_partial_example
from helpers import ALTERNATIVE


@pytest.fixture(scope="session")
def example_submissions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The reference, the untouched skeleton, a partial one and a differently written correct one."""
    root = tmp_path_factory.mktemp("submissions")
    partial = root / "partial"
    partial.mkdir()
    make_partial_example(partial)
    folders = {"reference": root / "reference", "skeleton": root / "skeleton", "partial": partial,
               "alternative": root / "alternative"}
    shutil.copytree(paths.SOLUTIONS_DIR, folders["reference"])
    shutil.copytree(paths.EXERCISES_DIR, folders["skeleton"], ignore=shutil.ignore_patterns("tests", "__pycache__"))
    shutil.copytree(ALTERNATIVE, folders["alternative"], ignore=shutil.ignore_patterns("__pycache__"))
    return folders
