"""nbgrader's own autograde against the kit's parallel loop, on the same batch of notebooks.

    python benchmarks/nbgrader_speed.py [--students 8] [--jobs 2]

Builds a course with exercise 1, submits the reference notebook for every
student, then times (a) `nbgrader autograde` over the whole batch (one student
after another, as nbgrader does) and (b) `autograder nbgrader-loop`'s autograde
stage with `--jobs` students at once (each kernel jailed, each autograde
reaped), in fresh copies of the same course, and (c) the loop's grading stage,
which grades each notebook's code with the kit's grader (each notebook's code
graded anew: a definition of each student's own makes every module different).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.channels.nbgrader_loop import _nbgrader, autograde_all, grade_notebooks  # noqa: E402
from autograder.authoring.notebook_builder import SOURCE_DIR, generate_release  # noqa: E402
from hardway.catalogue import topic_by_module  # noqa: E402

EX01 = "ex01_forward_autodiff"


def make_course(folder: Path, students: int) -> list[str]:
    shutil.copyfile(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    shutil.copytree(SOURCE_DIR / EX01, folder / "source" / EX01)
    generate_release(folder, [topic_by_module(EX01)])
    names = [f"student{index:02d}" for index in range(students)]
    for name in names:
        shutil.copytree(folder / "source" / EX01, folder / "submitted" / name / EX01)
        notebook = folder / "submitted" / name / EX01 / f"{EX01}.ipynb"
        notebook.write_text(notebook.read_text().replace(  # a definition of its own: code the grader keeps
            "import numbers", f"import numbers\\ndef student():\\n    return {name!r}", 1))
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        serial, parallel = Path(scratch) / "serial", Path(scratch) / "parallel"
        serial.mkdir()
        names = make_course(serial, args.students)
        shutil.copytree(serial, parallel)
        started = time.perf_counter()
        run = _nbgrader(serial, "autograde", EX01, "--create")
        nbgrader_seconds = time.perf_counter() - started
        if run.returncode != 0:
            raise SystemExit(run.stderr[-2000:])
        started = time.perf_counter()
        problems = autograde_all(parallel, EX01, names, args.jobs)
        kit_seconds = time.perf_counter() - started
        if problems:
            raise SystemExit(str(problems))
        started = time.perf_counter()
        scores, problems = grade_notebooks(parallel, EX01, names, 1, args.jobs)
        grade_seconds = time.perf_counter() - started
        if problems:
            raise SystemExit(str(problems))
    print(f"{args.students} notebooks (exercise 1: public tests in the kernels, public + hidden in the grader)")
    print(f"  nbgrader autograde, one after another: {nbgrader_seconds:6.1f} s "
          f"({nbgrader_seconds / args.students:.1f} s per notebook)")
    print(f"  autograder nbgrader-loop, {args.jobs} at once:   {kit_seconds:6.1f} s "
          f"({kit_seconds / args.students:.1f} s per notebook)")
    print(f"  then grading their code, {args.jobs} at once:    {grade_seconds:6.1f} s "
          f"({grade_seconds / args.students:.1f} s per notebook)")


if __name__ == "__main__":
    main()
