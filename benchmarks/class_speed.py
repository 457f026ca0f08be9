"""Grading a class: stock nbgrader, the kit's nbgrader loop and the kit's module channel, side by side.

    python benchmarks/class_speed.py [--students 100] [--notebook-students K] [--jobs 2] [--seed 1]
                                     [--skip-stock] [--skip-loop]

Builds a class of N students with all five exercises, a mix of complete work
(the reference), partial work (some tasks done, some with a mistake from
tests/mutants_exNN.py), untouched skeletons and hostile submissions (exercise
1 with an attack from tests/hostile.py), each both as modules in a git
repository and as the kit's release notebooks with the same code in their
answer cells. Then it times, on the same work:

1. **stock nbgrader**: `nbgrader autograde` of every assignment, one notebook
   after another, as an instructor runs it (a plain course configuration:
   nbgrader's own preprocessors, kernels unjailed, public tests in the kernel);
2. **the kit's nbgrader loop**: `autograder nbgrader-loop` for every
   assignment (jailed kernels, then the grader grades each notebook's code,
   public and hidden tests, then feedback and export), `--jobs` at a time;
3. **the kit's module channel**: `autograder grade-roster`, public and hidden
   tests in the jail, `--jobs` at a time, ending with grades.csv and the class
   report;

checks that the module channel and the notebook channel gave every student
the same points on every task (one seed for both), and prints the ratios, the
wall time per student, and the tests' own compute: the sum of the per-test
call durations the reports record (`duration_s`, pytest's time for each test's
call), what grading would cost if every process were already warm and nothing
ran twice. Last, the student loop: a student's `pytest` on one exercise's
public tests, a fresh process per exercise, torch import included.

The hostile submissions use only the attacks that are harmless outside a jail
(`bypass`, `malformed`), since stock nbgrader runs kernels unjailed on this
machine. Stock nbgrader takes several seconds per notebook on 2 cores; with
`--students 10` this run takes a quarter of an hour, and it prints the
per-student extrapolation to a class of 100. `--students 100
--notebook-students 10` grades the whole class as modules and its first ten
students as notebooks too, and compares the channels per student.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from autograder import paths  # noqa: E402
from autograder.authoring.notebook_builder import (NBGRADER_CONFIG, SOURCE_DIR, generate_release,  # noqa: E402
                                                   source_files)
from autograder.authoring.stubgen import find_regions, make_skeleton  # noqa: E402
from autograder.channels.student_repo import release_template  # noqa: E402
from autograder.class_report import read_graded  # noqa: E402
from hardway.catalogue import TOPICS, Topic  # noqa: E402
from hostile import hostile_source  # noqa: E402
from mutants import Mutant, all_mutants  # noqa: E402

#: The class's mix, repeated: 3 complete, 4 partial, 2 untouched and 1 hostile in every 10 students.
KINDS = ("complete", "partial", "untouched", "partial", "complete", "hostile", "partial", "complete", "untouched",
         "partial")
#: Attacks that do no harm outside a jail (stock nbgrader runs the kernels unjailed).
HARMLESS_ATTACKS = ("bypass", "malformed")
#: A partial student does each task with this chance, and makes a known mistake in one with this chance.
TASK_DONE, MISTAKE = 0.6, 0.5
EXTRAPOLATE_TO = 100

STOCK_CONFIG = '''c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "hardway"
c.Execute.kernel_name = "python3"
c.Execute.timeout = 120
'''


# -- the class ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """What one student did on one exercise: the tasks done, a mistake, an attack."""

    tasks: frozenset[str]
    mutant: Mutant | None = None
    attack: str | None = None


def reference(topic: Topic) -> str:
    return (paths.SOLUTIONS_DIR / topic.filename).read_text(encoding="utf-8")


def plan_class(students: int, seed: int) -> dict[str, dict[str, Work]]:
    """Each student's work on each exercise, the same for a given seed."""
    mutants: dict[str, list[Mutant]] = {}
    for mutant in all_mutants():
        mutants.setdefault(mutant.topic, []).append(mutant)
    plan: dict[str, dict[str, Work]] = {}
    for index in range(students):
        kind, chance = KINDS[index % len(KINDS)], random.Random(seed * 100_003 + index)
        name = f"{kind}{index:03d}"
        plan[name] = {}
        for topic in TOPICS:
            every = frozenset(topic.tasks)
            if kind == "complete":
                work = Work(every)
            elif kind == "untouched":
                work = Work(frozenset())
            elif kind == "hostile":
                attack = HARMLESS_ATTACKS[index // len(KINDS) % len(HARMLESS_ATTACKS)] if topic.number == 1 else None
                work = Work(frozenset(), attack=attack)
            else:
                done = frozenset(task for task in sorted(every) if chance.random() < TASK_DONE)
                wrong = [m for m in mutants.get(topic.module, []) if m.task in done]
                work = Work(done, chance.choice(wrong) if wrong and chance.random() < MISTAKE else None)
            plan[name][topic.module] = work
    return plan


def answer_source(topic: Topic, mutant: Mutant | None) -> str:
    return mutant.source() if mutant else reference(topic)


def kept_regions(source: str, tasks: frozenset[str]) -> frozenset[str]:
    return frozenset(region.qualname for region in find_regions(source) if region.task in tasks)


def attack_code(attack: str, out: Path) -> str:
    site = sysconfig.get_paths()["purelib"]
    return hostile_source("", attack, kit=str(paths.KIT_ROOT), out=str(out), site=site).lstrip()


def module_text(topic: Topic, work: Work, out: Path) -> str:
    """The student's exercise module: the tasks done, the mistake made, the attack appended."""
    source = answer_source(topic, work.mutant)
    text = make_skeleton(source, keep=kept_regions(source, work.tasks))
    return text + ("\n\n" + attack_code(work.attack, out) if work.attack else "")


def student_notebook(release: nbformat.NotebookNode, topic: Topic, work: Work, out: Path) -> nbformat.NotebookNode:
    """The release notebook with the student's code in its answer cells (and an attack in a cell of its own)."""
    from autograder.authoring.notebook_builder import build_notebook

    source = answer_source(topic, work.mutant)
    answers = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in build_notebook(topic, source).cells
               if cell.metadata.get("nbgrader", {}).get("solution")}
    notebook = nbformat.from_dict(json.loads(nbformat.writes(release)))
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = make_skeleton(answers[grade_id], keep=kept_regions(answers[grade_id], work.tasks))
    if work.attack:
        at = next(number for number, cell in enumerate(notebook.cells)
                  if cell.metadata.get("nbgrader", {}).get("grade_id") == "check-your-work")
        notebook.cells.insert(at, nbformat.v4.new_code_cell(attack_code(work.attack, out)))
    return notebook


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=s", "-c", "user.email=s@x", *args], cwd=cwd, check=True,
                   capture_output=True)


def build_modules(root: Path, plan: dict[str, dict[str, Work]], grades: Path) -> Path:
    """A git repository per student with the five modules, and the roster."""
    roster = root / "roster.csv"
    with roster.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "repo"])
        for student, works in plan.items():
            repository = root / "repos" / student
            repository.mkdir(parents=True)
            for topic in TOPICS:
                (repository / topic.filename).write_text(module_text(topic, works[topic.module], grades))
            git("init", "--quiet", "--initial-branch=main", cwd=repository)
            git("add", ".", cwd=repository)
            git("commit", "--quiet", "-m", "work", cwd=repository)
            writer.writerow([student, str(repository)])
    return roster


def build_courses(root: Path, plan: dict[str, dict[str, Work]]) -> tuple[Path, Path, Path]:
    """The kit's course (its config: jailed kernels), the students' notebooks for it, and a stock copy with
    the notebooks already in submitted/ and a plain nbgrader configuration."""
    course, downloads, stock = root / "course", root / "downloads", root / "stock"
    course.mkdir()
    shutil.copyfile(NBGRADER_CONFIG, course / "nbgrader_config.py")
    for topic in TOPICS:
        for path, text in source_files(topic).items():
            target = course / "source" / path.relative_to(SOURCE_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    generate_release(course)
    shutil.copytree(course, stock)
    (stock / "nbgrader_config.py").write_text(STOCK_CONFIG)
    for topic in TOPICS:
        release = nbformat.read(course / "release" / topic.module / f"{topic.module}.ipynb", as_version=4)
        for student, works in plan.items():
            notebook = student_notebook(release, topic, works[topic.module], root / "loop-out")
            for folder in (downloads / topic.module / student, stock / "submitted" / student / topic.module):
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(notebook, folder / f"{topic.module}.ipynb")
    return course, downloads, stock


# -- the runs ----------------------------------------------------------------------------------------


def timed(command: list[str], cwd: Path, log: Path) -> float:
    """Run `command`, its output into `log`; its wall time. A failure stops the benchmark with the log's end."""
    started = time.perf_counter()
    run = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    log.write_text(run.stdout + run.stderr)
    if run.returncode != 0:
        said = (run.stdout + run.stderr)[-3000:]
        raise SystemExit(f"{' '.join(command[:6])} failed ({run.returncode}); see {log}:\n{said}")
    return seconds


def run_stock(stock: Path, logs: Path) -> float:
    return sum(timed([sys.executable, "-m", "nbgrader", "autograde", topic.module, "--create"], stock,
                     logs / f"stock-{topic.module}.log") for topic in TOPICS)


def run_loop(course: Path, downloads: Path, jobs: int, seed: int, logs: Path) -> float:
    return sum(timed([sys.executable, "-m", "autograder", "nbgrader-loop", str(course), topic.module,
                      "--collect-from", str(downloads / topic.module), "--jobs", str(jobs), "--seed", str(seed)],
                     ROOT, logs / f"loop-{topic.module}.log") for topic in TOPICS)


def run_modules(roster: Path, grades: Path, jobs: int, seed: int, logs: Path) -> float:
    return timed([sys.executable, "-m", "autograder", "grade-roster", str(roster), "--out", str(grades),
                  "--jobs", str(jobs), "--seed", str(seed), "--force"], ROOT, logs / "grade-roster.log")


def student_loop(root: Path) -> dict[str, float]:
    """A student's `pytest` on each exercise's public tests, in the student template with the reference's code
    in it (so every test runs to the end), with no pytest plugin but the kit's: a student's environment has
    only the template's requirements, not the kit's test tools (hypothesis, xdist, anyio), which would add
    their own imports to every run."""
    template = root / "student-template"
    release_template(template)
    for topic in TOPICS:
        shutil.copyfile(paths.SOLUTIONS_DIR / topic.filename, template / topic.filename)
    walls = {}
    for topic in TOPICS:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               f"tests/{paths.public_tests(topic).name}"], cwd=template, capture_output=True,
                              text=True, env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
        walls[topic.module] = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"the reference failed its public tests in the template:\n{done.stdout[-3000:]}")
    return walls


# -- what they gave ----------------------------------------------------------------------------------


def module_scores(grades: Path, students: list[str]) -> dict[tuple[str, str], float]:
    """(student, task) -> points, from each student's results.json."""
    return {(student, task): points for student in students
            for task, (points, _, _) in read_graded(grades, {"student": student}).tasks.items()}


def notebook_scores(course: Path) -> dict[tuple[str, str], float]:
    """(student, task) -> points, from the loop's record of what the grader gave each notebook's code."""
    scores = {}
    for topic in TOPICS:
        record = json.loads((course / f"grader-{topic.module}.json").read_text())
        for student, notebooks in record.get("scores", {}).items():
            for task, grade in notebooks.get(topic.module, {}).items():
                scores[student, task] = grade["points"]
    return scores


def tests_compute(grades: Path, students: list[str]) -> float:
    """The sum of every test's call duration in the students' reports."""
    return sum(test["extra_data"]["duration_s"] for student in students
               for test in json.loads((grades / student / "results.json").read_text())["tests"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1, help="the class's make-up and the grading seed")
    parser.add_argument("--skip-stock", action="store_true", help="leave out stock nbgrader (the slowest)")
    parser.add_argument("--skip-loop", action="store_true", help="leave out the kit's nbgrader loop")
    parser.add_argument("--notebook-students", type=int, default=None, metavar="K",
                        help="grade only the first K students as notebooks (stock nbgrader and the loop take "
                             "half a minute a student); the channels are compared per student")
    parser.add_argument("--keep", type=Path, default=None, help="build and grade in this (new) folder, and keep it")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="hardway-class-") as scratch:
        root = args.keep or Path(scratch)
        logs, grades = root / "logs", root / "grades"
        logs.mkdir()
        plan = plan_class(args.students, args.seed)
        students = list(plan)
        kinds = {kind: sum(name.startswith(kind) for name in students) for kind in dict.fromkeys(KINDS)}
        print(f"A class of {args.students} students x {len(TOPICS)} exercises: "
              + ", ".join(f"{count} {kind}" for kind, count in kinds.items()) + "; building it ...", flush=True)
        roster = build_modules(root, plan, grades)
        on_notebooks = dict(list(plan.items())[:args.notebook_students])
        course, downloads, stock = build_courses(root, on_notebooks)
        walls: dict[str, float] = {}
        if not args.skip_stock:
            print("stock nbgrader autograde, one notebook after another ...", flush=True)
            walls["stock nbgrader autograde"] = run_stock(stock, logs)
        if not args.skip_loop:
            print(f"autograder nbgrader-loop, {args.jobs} at once ...", flush=True)
            walls["kit: nbgrader-loop (notebooks)"] = run_loop(course, downloads, args.jobs, args.seed, logs)
        print(f"autograder grade-roster, {args.jobs} at once ...", flush=True)
        walls["kit: grade-roster (modules)"] = run_modules(roster, grades, args.jobs, args.seed, logs)
        compute = tests_compute(grades, students)
        report(args, walls, compute, grades, course, students, list(on_notebooks))
        print("student loop: pytest on one exercise's public tests in the student template (a fresh process, "
              "torch's import included)")
        for module, seconds in student_loop(root).items():
            print(f"  {module:<24} {seconds:5.1f} s")


def report(args: argparse.Namespace, walls: dict[str, float], compute: float, grades: Path, course: Path,
           students: list[str], on_notebooks: list[str]) -> None:
    count = len(students)
    print(f"\n{count} students x {len(TOPICS)} exercises ({len(on_notebooks)} of them also as notebooks), "
          f"{args.jobs} jobs")
    modules = "kit: grade-roster (modules)"
    graded = {name: count if name == modules else len(on_notebooks) for name in walls}
    per_student = {name: seconds / graded[name] for name, seconds in walls.items()}
    width = max(len(name) for name in walls)
    for name, seconds in walls.items():
        print(f"  {name:<{width}} {seconds:8.1f} s for {graded[name]:3d}  {per_student[name]:6.2f} s per student  "
              f"(for {EXTRAPOLATE_TO} students: {per_student[name] * EXTRAPOLATE_TO / 60:5.1f} min)")
    for name in walls:
        if name != modules:
            print(f"  {name} / grade-roster, per student: {per_student[name] / per_student[modules]:5.1f}x")
    print(f"  the tests' own compute (sum of test call durations): {compute:.1f} s, {compute / count:.2f} s per "
          f"student; grade-roster's cost ({args.jobs} jobs x wall) is {args.jobs * walls[modules] / compute:.1f}x that")
    if "kit: nbgrader-loop (notebooks)" in walls:
        by_notebook = notebook_scores(course)
        by_module = {key: points for key, points in module_scores(grades, students).items()
                     if key[0] in on_notebooks}
        differ = sorted(key for key in by_module if by_notebook.get(key) != by_module[key])
        print(f"  per-task scores, module channel vs notebook channel: {len(by_module) - len(differ)} of "
              f"{len(by_module)} agree" + ("" if not differ else ": differ at " + ", ".join(
                  f"{student} task {task} ({by_module[student, task]:g} vs {by_notebook.get((student, task))})"
                  for student, task in differ[:10])))
    scores = [float(row["score"]) for row in csv.DictReader((grades / "grades.csv").open()) if row.get("score")]
    if scores:
        print(f"  class scores: median {statistics.median(scores):g}, from {min(scores):g} to {max(scores):g}; "
              f"class report: {grades / 'class-report.html'}")


if __name__ == "__main__":
    main()
