"""The kit's code passes its linter and its type check (configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing():
    """Style and bug patterns: the rule set is `[tool.ruff.lint]` in pyproject.toml."""
    checked = run_tool("ruff", "check", "--no-cache", ".")
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]


def test_mypy_finds_no_type_errors_in_the_kit():
    """The public half (hardway/) and the grader (autograder/), as `[tool.mypy]` in pyproject.toml says."""
    checked = run_tool("mypy")
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]
