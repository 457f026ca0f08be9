"""The `autograder` command.

Exit codes (every subcommand):

* 0: done (for `grade`: every submission was graded, whatever its score);
* 1: `grade --fail-under P` and some submission scored below P percent,
  or `generate-exercises --check` found a stale skeleton;
* 2: the command line was wrong (a missing folder, an unknown topic);
* 3: the grader itself failed (a bug in the kit or a test), so a score may be wrong.

The heavy modules (pytest, torch through the grader, nbgrader) are imported
inside the subcommand that needs them, so `autograder --help` answers at once.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder import demo, paths
from autograder.batch import EXECUTORS_HELP
from hardway.catalogue import TOPICS, Topic, topic_by_module
from hardway.outcomes import task_title

if TYPE_CHECKING:
    from autograder.channels.nbgrader_loop import LoopReport
    from autograder.results import GradeReport

EXIT_OK, EXIT_BELOW_THRESHOLD, EXIT_USAGE, EXIT_GRADER_ERROR = 0, 1, 2, 3

console = Console(highlight=False)


def kit_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hardway")
    except PackageNotFoundError:
        return "unknown (not installed: run `pip install -e .` in the kit)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="Grade hardway exercise submissions.")
    parser.add_argument("--version", action="version", version=f"autograder (hardway) {kit_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    grade_cmd = commands.add_parser("grade", help="grade submission folders with the public and hidden tests")
    grade_cmd.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION_DIR")
    grade_cmd.add_argument("--out", type=Path, default=None,
                           help="write results.json, junit.xml and summary.md here (one subfolder per submission "
                                "when grading several)")
    grade_cmd.add_argument("--seed", type=int, default=None, help="grading seed (default: fresh; recorded in results)")
    grade_cmd.add_argument("--topic", action="append", default=None, help="grade only this exercise (repeatable)")
    grade_cmd.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                           help="wall-clock limit for one call into the student's code (default: per exercise, 10 s)")
    grade_cmd.add_argument("--task", action="append", default=None, help="grade only this task, e.g. 1.2 (repeatable)")
    grade_cmd.add_argument("--public-only", action="store_true", help="skip the hidden tests")
    grade_cmd.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    grade_cmd.add_argument("--executor", default="local", metavar="ENGINE", help=EXECUTORS_HELP)
    grade_cmd.add_argument("--fail-under", type=float, default=None, metavar="PERCENT",
                           help="exit with status 1 if a submission scores below PERCENT")
    grade_cmd.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                           help="wall-clock time all of one submission's code may take (default: the sum of its "
                                "exercises' budgets); the tests left when it runs out score 0")

    demo_cmd = commands.add_parser("demo", help="grade the bundled examples: reference, untouched skeleton, partial")
    demo_cmd.add_argument("--out", type=Path, default=Path("grading-results"))
    demo_cmd.add_argument("--seed", type=int, default=None)

    repo_cmd = commands.add_parser("grade-repo", help="clone one student's commit (as data) and grade it")
    repo_cmd.add_argument("repo", help="a git URL or a local repository path")
    repo_cmd.add_argument("--ref", default=None, help="commit, branch or tag (default: the remote's HEAD)")
    repo_cmd.add_argument("--out", type=Path, default=None)
    repo_cmd.add_argument("--seed", type=int, default=None)
    repo_cmd.add_argument("--topic", action="append", default=None)
    repo_cmd.add_argument("--timeout", type=float, default=None, metavar="SECONDS")

    roster_cmd = commands.add_parser("grade-roster", help="grade every repository in a class roster CSV")
    roster_cmd.add_argument("roster", type=Path, help="CSV with columns student,repo[,ref]")
    roster_cmd.add_argument("--out", type=Path, default=Path("grades"))
    roster_cmd.add_argument("--jobs", type=int, default=2, help="students graded at once (default 2)")
    roster_cmd.add_argument("--force", action="store_true", help="regrade students whose commit was already graded")
    roster_cmd.add_argument("--topic", action="append", default=None)
    roster_cmd.add_argument("--timeout", type=float, default=None, metavar="SECONDS")
    roster_cmd.add_argument("--seed", type=int, default=None,
                            help="every student's grading seed (default: a fresh one each; recorded in results)")
    roster_cmd.add_argument("--executor", default="local", metavar="ENGINE", help=EXECUTORS_HELP)
    roster_cmd.add_argument("--shard", default=None, metavar="I/N",
                            help="grade only shard I of N (students sorted by name, every N-th from the I-th); "
                                 "then `autograder merge-grades` joins the shards")

    merge_cmd = commands.add_parser("merge-grades", help="join the output folders of `grade-roster --shard i/N` "
                                    "runs into one grades folder: grades.csv and the class report")
    merge_cmd.add_argument("out", type=Path, metavar="OUT", help="the class's grades folder (made if missing)")
    merge_cmd.add_argument("shards", nargs="+", type=Path, metavar="SHARD_DIR", help="every shard's output folder")

    for command in (grade_cmd, repo_cmd, roster_cmd):
        command.add_argument("--allow-process-isolation", action="store_true",
                             help="grade even where the namespace jail cannot be made (weaker: see the README)")

    template_cmd = commands.add_parser("release-template", help="build the student starter repository")
    template_cmd.add_argument("destination", type=Path)

    zip_cmd = commands.add_parser("gradescope-zip", help="build a Gradescope autograder bundle")
    zip_cmd.add_argument("--out", type=Path, default=Path("hardway-gradescope.zip"))
    zip_cmd.add_argument("--allow-process-isolation", action="store_true",
                         help="let run_autograder grade where the namespace jail cannot be made (weaker)")

    notebooks_cmd = commands.add_parser("notebooks", help="write source/ from the modules and release/ with nbgrader")
    notebooks_cmd.add_argument("--check", action="store_true", help="only report stale notebooks (exit 1 if any)")

    init_cmd = commands.add_parser("course-init", help="make an nbgrader course folder: the kit's nbgrader_config.py "
                                   "and source/, the release and the gradebook")
    init_cmd.add_argument("course", type=Path, metavar="COURSE_DIR", help="a new (or empty) folder, outside the kit")

    loop_cmd = commands.add_parser("nbgrader-loop", help="collect, autograde (in parallel), feedback and export "
                                   "with real nbgrader")
    loop_cmd.add_argument("course", type=Path, metavar="COURSE_DIR",
                          help="the nbgrader course folder (holds nbgrader_config.py; see `course-init`)")
    loop_cmd.add_argument("assignment", help="e.g. ex01_forward_autodiff")
    loop_cmd.add_argument("--collect-from", type=Path, default=None,
                          help="a folder of student folders, each holding that student's notebook")
    loop_cmd.add_argument("--student", action="append", default=None, metavar="NAME",
                          help="only this student (repeatable): regrade them, keep everyone else's grades")
    loop_cmd.add_argument("--jobs", type=int, default=2, help="students autograded at once (default 2)")
    loop_cmd.add_argument("--executor", default="local", metavar="ENGINE",
                          help="where the grader grades the notebooks' code: " + EXECUTORS_HELP.split(": ", 1)[1])
    loop_cmd.add_argument("--seed", type=int, default=None, help="the grading seed (default: a new one)")

    gen_cmd = commands.add_parser("generate-exercises", help="write exercises/ from solutions/ (stubs for answers)")
    gen_cmd.add_argument("--check", action="store_true", help="only report stale skeletons (exit 1 if any)")

    record_cmd = commands.add_parser("record-expectations",
                                     help="write the reference's answers to the public tests' fixed cases into them")
    record_cmd.add_argument("--topic", action="append", default=None, metavar="MODULE",
                            help="only this exercise (repeatable)")
    record_cmd.add_argument("--check", action="store_true", help="only report stale recordings (exit 1 if any)")
    return parser


def print_report(report: GradeReport, label: str) -> None:
    table = Table(title=f"{label}: {report.score:g} / {report.max_score:g} points", title_justify="left")
    table.add_column("task")
    table.add_column("what")
    table.add_column("points", justify="right")
    for task, (score, top) in report.by_task().items():
        style = "green" if score == top else ("yellow" if score else "red")
        table.add_row(task, task_title(task), f"[{style}]{score:g} / {top:g}[/]")
    console.print(table)
    failed = [test for test in report.tests if test.status != "passed"]
    for test in failed[:3]:
        console.print(f"  [red]✗[/] {test.name}: {test.message.splitlines()[0] if test.message else ''}")
    if len(failed) > 3:
        console.print(f"  ... and {len(failed) - 3} more failing tests (see summary.md)")
    console.print(f"  seed {report.seed}, {report.execution_time:.2f} s\n")


def run_grade(args: argparse.Namespace) -> int:
    try:
        topics = chosen_topics(args.topic)
    except KeyError as error:
        console.print(f"[red]autograder: {error.args[0]}[/]")
        return EXIT_USAGE
    missing = [str(path) for path in args.submissions if not path.is_dir()]
    if missing:
        console.print(f"[red]autograder: not a folder: {', '.join(missing)}. Pass the folder that holds the "
                      "student's exercise files.[/]")
        return EXIT_USAGE
    several = len(args.submissions) > 1
    tasks = frozenset(args.task) if args.task else None
    unknown = sorted(task for task in tasks or () if not any(task in topic.tasks for topic in TOPICS))
    if unknown:
        console.print(f"[red]autograder: no such task: {', '.join(unknown)} (tasks look like 1.2)[/]")
        return EXIT_USAGE
    from autograder.batch import GradeFolder, make_executor, run_batch

    jobs = [GradeFolder(submission, (args.out / submission.resolve().name if several else args.out) if args.out
                        else None, args.seed, tuple(topics) if topics else None, not args.public_only, args.timeout,
                        tasks, args.budget)
            for submission in args.submissions]
    try:
        executor = make_executor(args.jobs if several else 1, inline_when_one=True, engine=args.executor)
    except (ValueError, RuntimeError) as error:  # a wrong --executor, Dask missing or its scheduler unreachable
        console.print(f"[red]autograder: {escape(str(error))}[/]")
        return EXIT_USAGE
    with executor:
        outcomes = run_batch(executor, jobs, show_progress=several, console=console,
                             note=lambda outcome: f"graded {escape(outcome.label)}")
    status = EXIT_OK
    for job, outcome in zip(jobs, outcomes, strict=True):
        if outcome.value is None:
            console.print(f"[red]autograder: grading {escape(outcome.label)} failed: {escape(outcome.error or '')}[/]")
            status = EXIT_GRADER_ERROR
            continue
        report = outcome.value
        print_report(report, str(job.submission))
        if report.grader_errors:
            status = EXIT_GRADER_ERROR
        elif args.fail_under is not None and report.score < report.max_score * args.fail_under / 100:
            status = max(status, EXIT_BELOW_THRESHOLD)
    return status


def run_demo(args: argparse.Namespace) -> int:
    paths.require_checkout()
    console.print(f"Grading {len(demo.DESCRIPTIONS)} example submissions, {len(TOPICS)} exercises each, with the "
                  "public and hidden tests (about 20 s per example on 2 cores; the torch exercises take longest).")
    from autograder.grading import GraderCrashed, grade

    with tempfile.TemporaryDirectory(prefix="hardway-partial-") as scratch:
        examples = demo.example_folders(Path(scratch))
        summary = Table(title="hardway demo: the bundled example submissions", title_justify="left")
        for column in ("submission", *[f"ex{topic.number:02d}" for topic in TOPICS], "score", "time"):
            summary.add_column(column, justify="left" if column == "submission" else "right")
        status = EXIT_OK
        for number, (name, folder) in enumerate(examples.items(), start=1):
            doing = f"[{number}/{len(examples)}] grading {name} ({demo.DESCRIPTIONS[name]})"
            try:
                with console.status(f"{doing} ..."):
                    report = grade(folder, seed=args.seed, allow_process_isolation=True)  # the kit's own examples
            except GraderCrashed as error:
                console.print(f"[red]autograder: grading the {name} example failed: {error}[/]")
                return EXIT_GRADER_ERROR
            console.print(f"{doing}: {report.score:g} / {report.max_score:g} points in "
                          f"{report.execution_time:.1f} s")
            report.submission = name
            report.write(args.out / name)
            topics = report.by_topic()
            summary.add_row(name, *[f"{topics[t.module][0]:g}/{topics[t.module][1]:g}" if t.module in topics else "-"
                                    for t in TOPICS],
                            f"{report.score:g} / {report.max_score:g}", f"{report.execution_time:.1f} s")
            status = EXIT_GRADER_ERROR if report.grader_errors else status
    console.print(summary)
    console.print(f"Reports (results.json, junit.xml, summary.md) are in {args.out}/<submission>/.")
    return status


def run_generate(args: argparse.Namespace) -> int:
    from autograder.authoring.stubgen import StubError, generate
    from autograder.task_points import write_points_module

    try:
        stale = generate(paths.SOLUTIONS_DIR, paths.EXERCISES_DIR, check=args.check)
    except StubError as error:
        console.print(f"[red]autograder: {error}[/]")
        return EXIT_USAGE
    stale += write_points_module(TOPICS, check=args.check)
    return report_generated(stale, args.check, "Run `autograder generate-exercises` after editing solutions/ "
                            "or the points of a test (never edit exercises/ or hardway/points.py by hand).",
                            "exercises/ and hardway/points.py are up to date with solutions/ and the tests")


def run_record_expectations(args: argparse.Namespace) -> int:
    from autograder.authoring.recorded_expectations import RecordingError, record_all

    try:
        topics = [topic_by_module(name) for name in args.topic] if args.topic else None
    except KeyError as error:
        console.print(f"[red]autograder: unknown topic {error}[/]")
        return EXIT_USAGE
    try:
        stale = record_all(topics, check=args.check)
    except RecordingError as error:
        console.print(f"[red]autograder: {error}[/]")
        return EXIT_GRADER_ERROR
    return report_generated(stale, args.check, "Run `autograder record-expectations` after changing a public "
                            "test's CASES or the reference solution (never edit a RECORDED block by hand).",
                            "the recorded expectations in the public tests match the reference solution")


def report_generated(stale: list[Path], check: bool, advice: str, up_to_date: str) -> int:
    """Say which generated files were written (or, with `check`, are stale) and choose the exit code."""
    for path in stale:
        console.print(f"{path.relative_to(paths.KIT_ROOT)} {'is stale' if check else 'written'}")
    if check and stale:
        console.print(advice)
        return EXIT_BELOW_THRESHOLD
    if not stale:
        console.print(up_to_date)
    return EXIT_OK


def chosen_topics(names: list[str] | None) -> list[Topic] | None:
    """The topics named on the command line (None: all); KeyError names an unknown one."""
    return [topic_by_module(name) for name in names] if names else None


def run_grade_repo(args: argparse.Namespace) -> int:
    from autograder.grading import GraderCrashed
    from autograder.channels.repos import CloneError, RepoInputError, grade_repo

    try:
        report = grade_repo(args.repo, args.ref, out=args.out, seed=args.seed, topics=chosen_topics(args.topic),
                            call_timeout_s=args.timeout)
    except KeyError as error:
        console.print(f"[red]autograder: {error.args[0]}[/]")
        return EXIT_USAGE
    except RepoInputError as error:
        console.print(f"[red]autograder: {escape(str(error))}[/]")
        return EXIT_USAGE
    except CloneError as error:
        console.print(f"[red]autograder: could not fetch {escape(args.repo)}: {escape(str(error))}. "
                      f"Check the URL or path and the ref.[/]")
        return EXIT_USAGE
    except GraderCrashed as error:
        console.print(f"[red]autograder: grading failed: {error}[/]")
        return EXIT_GRADER_ERROR
    print_report(report, report.submission)
    return EXIT_GRADER_ERROR if report.grader_errors else EXIT_OK


def run_grade_roster(args: argparse.Namespace) -> int:
    paths.require_checkout()
    from autograder.channels.repos import grade_roster
    from autograder.channels.shards import Shard
    from autograder.dask_executor import DaskUnavailable

    try:
        chosen_topics(args.topic)
        shard = Shard.parse(args.shard) if args.shard else None
        statuses = grade_roster(args.roster, args.out, jobs=args.jobs, force=args.force, topics=args.topic,
                                call_timeout_s=args.timeout, seed=args.seed, shard=shard, executor=args.executor)
    except (KeyError, ValueError, FileNotFoundError, DaskUnavailable) as error:
        console.print(f"[red]autograder: {error.args[0] if error.args else error}[/]")
        return EXIT_USAGE
    failed = {student: status for student, status in statuses.items() if status.startswith("error")}
    counts = {kind: sum(s == kind for s in statuses.values()) for kind in ("graded", "unchanged")}
    console.print(f"{counts['graded']} graded, {counts['unchanged']} unchanged since their last grade, "
                  f"{len(failed)} failed. Class table: {args.out / 'grades.csv'}")
    for student, status in sorted(failed.items()):
        console.print(f"  [red]{escape(student)}[/]: {escape(status)}")  # a roster cell is text, not markup
    if args.shard:
        console.print(f"This is shard {args.shard}: join every shard's folder with `autograder merge-grades OUT "
                      "SHARD_DIR...`.")
    return EXIT_OK


def run_merge_grades(args: argparse.Namespace) -> int:
    from autograder.channels.shards import MergeError, merge_grades

    try:
        students = merge_grades(args.out, args.shards)
    except MergeError as error:
        console.print(f"[red]autograder: merge-grades: {escape(str(error))}[/]")
        return EXIT_USAGE
    console.print(f"Merged {len(args.shards)} shards: {len(students)} students. Class table: "
                  f"{args.out / 'grades.csv'}; class report: {args.out / 'class-report.html'}")
    return EXIT_OK


def run_release_template(args: argparse.Namespace) -> int:
    paths.require_checkout()
    from autograder.channels.student_repo import release_template

    try:
        files = release_template(args.destination)
    except FileExistsError as error:
        console.print(f"[red]autograder: {error}[/]")
        return EXIT_USAGE
    console.print(f"Wrote the student template ({len(files)} files) to {args.destination}. "
                  "Commit it to a fresh repository and share that with your class.")
    return EXIT_OK


def run_gradescope_zip(args: argparse.Namespace) -> int:
    paths.require_checkout()
    from autograder.channels.gradescope import build_bundle

    bundle = build_bundle(args.out, allow_process_isolation=args.allow_process_isolation)
    console.print(f"Wrote {bundle} ({bundle.stat().st_size // 1024} KiB). Upload it as the assignment's autograder "
                  "on Gradescope (Ubuntu base image); setup.sh installs the kit.")
    return EXIT_OK


def run_notebooks(args: argparse.Namespace) -> int:
    paths.require_checkout()
    from autograder.authoring.notebook_builder import release_notebooks, write_source

    stale = write_source(check=args.check) + release_notebooks(check=args.check)
    return report_generated(stale, args.check, "Run `autograder notebooks` after changing solutions/ or the tests.",
                            "source/ and release/ are up to date")


def run_course_init(args: argparse.Namespace) -> int:
    paths.require_checkout()
    from autograder.authoring.notebook_builder import init_course

    try:
        assignments = init_course(args.course)
    except FileExistsError as error:
        console.print(f"[red]autograder: {escape(str(error))}[/]")
        return EXIT_USAGE
    except RuntimeError as error:
        console.print(f"[red]autograder: course-init failed: {escape(str(error))}[/]")
        return EXIT_GRADER_ERROR
    console.print(f"Made the course {args.course}: nbgrader_config.py, source/ and release/ for "
                  f"{len(assignments)} assignments ({', '.join(assignments)}), all in its gradebook.")
    console.print(f"Hand out {args.course / 'release'}/<assignment>/ (the notebook and its public tests). Put "
                  f"each student's notebook in {args.course / 'downloads'}/<student>/<assignment>.ipynb, then run "
                  f"`autograder nbgrader-loop {args.course} <assignment> --collect-from {args.course / 'downloads'}`.")
    return EXIT_OK


def run_nbgrader_loop(args: argparse.Namespace) -> int:
    if not (args.course / "nbgrader_config.py").exists():
        console.print(f"[red]autograder: {escape(str(args.course))} has no nbgrader_config.py; pass the course "
                      "folder (make one with `autograder course-init COURSE_DIR`).[/]")
        return EXIT_USAGE
    if args.collect_from is not None and not args.collect_from.is_dir():
        console.print(f"[red]autograder: --collect-from {escape(str(args.collect_from))} is not a folder.[/]")
        return EXIT_USAGE
    from autograder.batch import check_engine
    from autograder.channels.nbgrader_loop import LoopError, run_loop

    try:
        check_engine(args.executor)  # now, not after the autograde stage
    except ValueError as error:
        console.print(f"[red]autograder: {escape(str(error))}[/]")
        return EXIT_USAGE
    if args.course.absolute().resolve() == paths.KIT_ROOT:
        console.print("Note: the course is the kit's checkout; its data (gradebook.db, submitted/, ...) is ignored "
                      "by git, but a course folder of its own (`autograder course-init COURSE_DIR`) keeps it apart.")
    try:
        report = run_loop(args.course, args.assignment, collect_from=args.collect_from, jobs=args.jobs,
                          seed=args.seed, students=args.student, executor=args.executor)
    except LoopError as error:
        if error.report is not None:
            print_loop_problems(error.report)
        console.print(f"[red]autograder: the nbgrader loop stopped at its {escape(str(error))}[/]")
        return EXIT_GRADER_ERROR
    for note in report.notes:
        console.print(f"Note: {escape(note)}")
    print_loop_table(report, args.assignment)
    console.print(f"{len(report.graded)} of {len(report.students)} students graded (seed {report.seed}), "
                  f"{len(report.feedback)} feedback files, grades in {report.grades_csv}.")
    console.print("Time per stage: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.seconds.items()))
    return EXIT_OK


def print_loop_problems(report: LoopReport) -> None:
    for student, problem in sorted(report.problems.items()):
        console.print(f"  [red]{escape(student)}[/]: {escape(problem)}")


def print_loop_table(report: LoopReport, assignment: str) -> None:
    """One row per student of the run: score out of the most possible, and status (graded, or why not)."""
    table = Table(title=f"{assignment}: grades", title_justify="left")
    table.add_column("student", overflow="fold")
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("status", overflow="fold")
    rows = {row["student_id"]: row for row in report.rows}
    for student in report.students:
        row = rows.get(student, {})
        score = f"{float(row['score']):g} / {float(row['max_score']):g}" if row.get("score") else "-"
        status = report.status(student)
        style = "green" if status == "graded" else ("yellow" if status.startswith("graded") else "red")
        table.add_row(escape(student), score, f"[{style}]{escape(status)}[/]")
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "allow_process_isolation", False):
        from autograder.grading import ALLOW_PROCESS_ISOLATION

        os.environ[ALLOW_PROCESS_ISOLATION] = "1"  # also reaches the worker processes of --jobs and rosters
    handlers = {"grade": run_grade, "demo": run_demo, "generate-exercises": run_generate,
                "grade-repo": run_grade_repo, "grade-roster": run_grade_roster, "merge-grades": run_merge_grades,
                "release-template": run_release_template, "gradescope-zip": run_gradescope_zip,
                "notebooks": run_notebooks, "nbgrader-loop": run_nbgrader_loop, "course-init": run_course_init,
                "record-expectations": run_record_expectations}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())

