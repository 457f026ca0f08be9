"""The students' commands, run exactly as the READMEs write them, in a fresh folder.

Each test reads a README's bash block, runs its lines one by one with bash in
a new folder laid out as the README assumes (the kit's `exercises/`, or a
released student repository), and checks what a student would look for: a
stub's failure names its task, a filled-in task turns `done`, the summary
shows points. So a command that stops working, or a README that drifts from
the code, fails here.

Two things are not run as written, and each is checked instead: the install
line (it needs the network and minutes; the test checks it is the
Quickstart's, or the template's `requirements.txt`, and links the kit's own
`.venv` in its place), and the torch exercises are left out of the folder so
that each test stays under half a minute (their commands are the same).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import paths
from autograder.authoring.stubgen import make_skeleton
from autograder.channels.student_repo import release_template, student_paths
from helpers import EX01, reference_source

README = paths.KIT_ROOT / "README.md"
VENV = Path(sys.prefix)
#: The exercises copied into the fresh folders: the numpy ones, quick to test.
QUICK = ("ex01_forward_autodiff", "ex02_gradient_descent")
#: The reference's functions that make up task 1.1.
TASK_1_1 = frozenset({"add", "mul", "square"})

pytestmark = pytest.mark.skipif(not (VENV / "bin" / "pytest").exists(), reason="needs the kit's virtual environment")


def bash_block(text: str, section: str, nth: int = 0) -> list[str]:
    """The command lines of the `nth` bash block under the heading `section` (comments dropped)."""
    body = re.split(rf"^#+ {re.escape(section)}\n", text, flags=re.M)[1]
    body = re.split(r"^## ", body, flags=re.M)[0]
    block = re.findall(r"```bash\n(.*?)```", body, flags=re.S)[nth]
    return [re.sub(r"\s+#\s.*$", "", line).strip() for line in block.splitlines() if line.strip()]


def run(folder: Path, command: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """One README line, as a student's shell runs it (stdin closed, so `--pdb` returns at once)."""
    return subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, env={**os.environ, **environment})


def assert_ran(command: str, result: subprocess.CompletedProcess[str], allowed: tuple[int, ...] = (0, 1)) -> str:
    output = result.stdout + result.stderr
    assert result.returncode in allowed, f"`{command}` exited {result.returncode}:\n{output[-3000:]}"
    assert "No module named" not in output and "command not found" not in output, f"`{command}`:\n{output[-3000:]}"
    return output


def test_the_students_commands_work_verbatim_in_a_fresh_copy_of_the_kit(tmp_path):
    commands = bash_block(README.read_text(), "For students")
    install, *steps = commands
    quickstart = bash_block(README.read_text(), "Quickstart")[0]
    assert quickstart.startswith(install + " && "), "the students' install line should be the Quickstart's"
    (tmp_path / "exercises" / "tests").mkdir(parents=True)
    for module in QUICK:
        shutil.copyfile(paths.EXERCISES_DIR / f"{module}.py", tmp_path / "exercises" / f"{module}.py")
        tests = f"test_{module}.py"
        shutil.copyfile(paths.PUBLIC_TESTS_DIR / tests, tmp_path / "exercises" / "tests" / tests)
    (tmp_path / ".venv").symlink_to(VENV)  # what the install line makes

    outputs = {}
    for command in steps:
        pdb = "--pdb" in command
        outputs[command] = assert_ran(command, run(tmp_path, command), (0, 1, 2) if pdb else (0, 1))
    first = next(command for command in steps if command.startswith(".venv/bin/pytest ") and " -" not in command)
    assert "Task 1.1: not done yet: implement add (see its docstring)" in outputs[first]
    assert re.search(r"to do +Task 1\.1 ", outputs[first])
    pdb = next(command for command in steps if "--pdb" in command)
    assert f"exercises/{EX01}(" in outputs[pdb], "pdb should stop in the student's module"
    check = next(command for command in steps if "hardway.check" in command)
    assert "public points" in outputs[check] and "hidden" in outputs[check] and "Exit status 0" in outputs[check]
    assert "Task 2.1" in outputs[check], "the check should cover every exercise in exercises/tests"
    elsewhere = next(command for command in steps if "--submission" in command)
    folder = elsewhere.split("--submission", 1)[1].split()[0]
    assert (tmp_path / folder / EX01).exists(), "the README should put a module in the --submission folder first"

    (tmp_path / "exercises" / EX01).write_text(make_skeleton(reference_source(), keep=TASK_1_1))
    again = assert_ran(first, run(tmp_path, first))
    assert re.search(r"done +Task 1\.1 ", again) and re.search(r"to do +Task 1\.2 ", again), again[-2000:]


def test_the_template_readme_commands_work_verbatim_in_a_fresh_student_repository(tmp_path):
    repository = tmp_path / "hw"
    release_template(repository)
    for path in [*repository.glob("ex*.py"), *(repository / "tests").glob("test_ex*.py")]:
        if not path.name.removeprefix("test_").startswith(QUICK):
            path.unlink()
    readme = (repository / "README.md").read_text()
    assert bash_block(readme, "Set up once") == ["python3 -m venv .venv && .venv/bin/pip install -r requirements.txt"]
    (repository / ".venv").symlink_to(VENV)
    steps = bash_block(readme, "Work on a task")
    student_machine = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # the kit is not installed there
    outputs = {command: assert_ran(command, run(repository, command, **student_machine),
                                   (0, 1, 2) if "--pdb" in command else (0, 1)) for command in steps}
    first = steps[0]
    assert "Task 1.1: not done yet: implement add" in outputs[first] and re.search(r"to do +Task 1\.1 ", outputs[first])
    check = next(command for command in steps if "hardway.check" in command)
    assert "hidden" in outputs[check] and "Exit status 0" in outputs[check] and "Task 2.1" in outputs[check]
    (repository / EX01).write_text(student_paths(make_skeleton(reference_source(), keep=TASK_1_1)))
    again = assert_ran(first, run(repository, first, **student_machine))
    assert re.search(r"done +Task 1\.1 ", again) and re.search(r"to do +Task 1\.2 ", again), again[-2000:]
