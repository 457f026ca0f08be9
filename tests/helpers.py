"""Helpers for the kit's tests of itself: build submissions, run the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from autograder import paths

EX01 = "ex01_forward_autodiff.py"
ALTERNATIVE = Path(__file__).parent / "alt_implementations"


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the installed `autograder` command as a user would (a new process).

    On a timeout the command's whole process group goes, worker processes included.
    """
    with subprocess.Popen([sys.executable, "-m", "autograder", *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, cwd=cwd or paths.KIT_ROOT, start_new_session=True) as run:
        try:
            stdout, stderr = run.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            raise
    return subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr)


def reference_source() -> str:
    return (paths.SOLUTIONS_DIR / EX01).read_text()


def write_submission(folder: Path, source: str, name: str = EX01, **extra_files: str) -> Path:
    """A submission folder holding `source` as the module `name` (plus any extra files)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(source)
    for name, text in extra_files.items():
        target = folder / name.replace("__", "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return folder


def results(out: Path, name: str) -> dict:
    return json.loads((out / name / "results.json").read_text())
