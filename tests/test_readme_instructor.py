"""The instructor's nbgrader commands, run exactly as the README writes them, on a fresh course folder.

The README's bash block under "Releasing and grading with nbgrader" is run
line by line with bash, from a fresh folder standing for the kit's checkout
(its `.venv` links to the kit's own), with the virtual environment's bin/
not on PATH, as after the Quickstart. Before the first `nbgrader-loop`, two
students' notebooks are put where the README says: alice's with every answer
of the reference, and the student the README regrades with `--student` (bob)
with the notebook as released. The test then checks what an instructor looks
for: the table at the end of each run, `grades.csv` with a column per task
and a status, and the kit's folder left without any course data.
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from autograder.task_points import task_points
from hardway.catalogue import topic_by_module
from test_nbgrader import EX01, NOTEBOOK, student_notebook
from test_readme_journeys import README, VENV, bash_block

pytestmark = pytest.mark.skipif(not (VENV / "bin" / "autograder").exists(),
                                reason="needs the kit's virtual environment")


def run(folder: Path, command: str) -> subprocess.CompletedProcess[str]:
    """One README line in a shell whose PATH lacks the kit's virtual environment (nothing activated)."""
    path = os.pathsep.join(folder for folder in os.environ.get("PATH", "").split(os.pathsep)
                           if Path(folder).resolve() != (VENV / "bin").resolve())
    return subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL, env={**os.environ, "PATH": path, "COLUMNS": "200"})


def test_the_instructors_nbgrader_commands_work_verbatim_on_a_fresh_course(tmp_path):
    commands = bash_block(README.read_text(), "Releasing and grading with nbgrader")
    kit = tmp_path / "kit"
    kit.mkdir()
    (kit / ".venv").symlink_to(VENV)
    init = next(command for command in commands if " course-init " in command)
    course = (kit / shlex.split(init)[-1]).resolve()
    assert not course.is_relative_to(kit), "the course folder should lie outside the kit's checkout"
    loops = [command for command in commands if " nbgrader-loop " in command]
    regrade = next(command for command in loops if "--student" in command)
    untouched = shlex.split(regrade)[shlex.split(regrade).index("--student") + 1]
    collect = next(command for command in loops if "--collect-from" in command)
    downloads = (kit / shlex.split(collect)[shlex.split(collect).index("--collect-from") + 1]).resolve()

    outputs = {}
    for command in commands:
        if command == collect:
            release = nbformat.read(course / "release" / EX01 / NOTEBOOK, as_version=4)
            source = nbformat.read(course / "source" / EX01 / NOTEBOOK, as_version=4)
            for student, answered in (("alice", None), (untouched, set())):
                (downloads / student).mkdir(parents=True)
                nbformat.write(student_notebook(release, source, answered), downloads / student / NOTEBOOK)
        started = time.perf_counter()
        result = run(kit, command)
        print(f"{time.perf_counter() - started:5.1f} s  {command}")
        outputs[command] = result.stdout + result.stderr
        assert result.returncode == 0, f"`{command}` exited {result.returncode}:\n{outputs[command][-3000:]}"
        assert "Traceback" not in outputs[command] and "WARNING" not in outputs[command], outputs[command][-3000:]

    total = sum(points.total for points in task_points(topic_by_module(EX01)).values())
    for command, students in ((collect, ("alice", untouched)), (regrade, (untouched,))):
        table = {match.group(1): match.groups()[1:] for match in re.finditer(
            r"^\W*(\w+)\W+(\d+) / (\d+)\W+(\w[^│┃]*?)\s*[│┃]?$", outputs[command], flags=re.M)}
        assert sorted(table) == sorted(students), outputs[command]
        assert table[untouched] == ("0", f"{total:g}", "graded")
    assert "alice" in outputs[collect] and f"{total:g} / {total:g}" in outputs[collect]
    rows = {row["student_id"]: row for row in csv.DictReader((course / "grades.csv").open())
            if row["assignment"] == EX01}
    assert float(rows["alice"]["score"]) == total and float(rows[untouched]["score"]) == 0
    assert rows["alice"]["task 1.5"] != "" and rows[untouched]["task 1.1"] == "0"
    assert rows["alice"]["status"] == rows[untouched]["status"] == "graded"
    assert rows["alice"]["timestamp"] and rows[untouched]["timestamp"]
    assert sorted(path.name for path in kit.iterdir()) == [".venv"], "course data landed in the kit's folder"
