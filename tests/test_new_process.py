"""A forked "new process" is as new as a new interpreter where the tests look: the module's globals, the
random generators, and nothing of the parent's code runs after the work.

Every child here is bounded: the slowest sleeps 30 s and is killed after 1 s.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from autograder import paths
from hardway.new_process import TORCH_DEFAULT_SEED, _new_interpreter, run_in_new_process
from hardway.testkit_ex05 import train_in_a_new_process

MODULE = '''
import random
import numpy as np
import torch

SEEN = []


def remember(value):
    SEEN.append(value)
    return list(SEEN)


def draws():
    return {"torch_seed": torch.initial_seed(), "torch": torch.rand(3).tolist(),
            "numpy": np.random.rand(3).tolist(), "python": [random.random() for _ in range(3)]}
'''


@pytest.fixture
def student_module(tmp_path: Path) -> Any:
    """A student's module, imported into this process the way the student's own pytest imports it."""
    path = tmp_path / "memory_module.py"
    path.write_text(MODULE)
    sys.path.insert(0, str(tmp_path))
    try:
        import memory_module

        yield memory_module
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("memory_module", None)


def test_the_module_is_imported_afresh_so_its_globals_start_empty(student_module):
    student_module.remember("from the first run")
    result, error = run_in_new_process(student_module.__file__, lambda module: module.remember("new"), script="")
    assert error is None and result == ["new"]
    assert student_module.SEEN == ["from the first run"]  # and the parent's copy is untouched


def test_every_generator_starts_as_in_a_new_interpreter(student_module):
    torch.manual_seed(5)
    np.random.seed(5)
    random.seed(5)
    parent = student_module.draws()
    torch.manual_seed(5)
    np.random.seed(5)
    random.seed(5)
    result, error = run_in_new_process(student_module.__file__, lambda module: module.draws(), script="")
    assert error is None
    assert result["torch_seed"] == TORCH_DEFAULT_SEED
    for generator in ("torch", "numpy", "python"):
        assert result[generator] != parent[generator], f"{generator}'s state came through the fork"


def test_a_crash_comes_back_as_its_traceback_and_the_parent_goes_on(student_module):
    def crash(module: Any) -> None:
        raise SystemExit("the student's code exited")

    result, error = run_in_new_process(student_module.__file__, crash, script="")
    assert result is None and "SystemExit: the student's code exited" in error


def test_the_child_ends_with_its_work_and_never_runs_the_callers_code(student_module, tmp_path: Path):
    run_in_new_process(student_module.__file__, lambda module: module.remember(1), script="")
    (tmp_path / f"after-{os.getpid()}").touch()  # a child that went on would leave its own marker before it ended
    assert [marker.name for marker in tmp_path.glob("after-*")] == [f"after-{os.getpid()}"]


def test_a_child_past_its_time_is_killed(student_module):
    started = time.monotonic()
    result, error = run_in_new_process(student_module.__file__, lambda module: time.sleep(30), script="",
                                       timeout_s=1)
    assert result is None and "longer than 1 s" in error
    assert time.monotonic() - started < 10


def test_a_fork_and_a_new_interpreter_resume_the_reference_alike(tmp_path: Path):
    """The exercise's real resume: forked, and in a new Python (the path taken where CUDA is initialised)."""
    module_file = str(paths.SOLUTIONS_DIR / "ex05_checkpointing.py")
    sys.path.insert(0, str(paths.SOLUTIONS_DIR))
    try:
        import ex05_checkpointing as reference

        path = str(tmp_path / "run.pt")
        reference.train_resumable(reference.make_small_mlp, reference.make_classification_data(30, 3), 4, path, 7,
                                  stop_after=2)
        (tmp_path / "copy.pt").write_bytes(Path(path).read_bytes())
        forked, error = train_in_a_new_process(module_file, path, 30, 3, 4, 7)
        assert error is None
        script = ("import json\nfrom ex05_checkpointing import make_classification_data, make_small_mlp, "
                  "train_resumable\n"
                  f"print(json.dumps(train_resumable(make_small_mlp, make_classification_data(30, 3), 4, "
                  f"{str(tmp_path / 'copy.pt')!r}, 7)))\n")
        interpreted, error = _new_interpreter(module_file, script, timeout_s=60)
        assert error is None
        assert forked == interpreted and len(forked) == 4
    finally:
        sys.path.remove(str(paths.SOLUTIONS_DIR))
        sys.modules.pop("ex05_checkpointing", None)
