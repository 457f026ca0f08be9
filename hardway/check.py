"""`python -m hardway.check`: a student's one-line check of their work.

Runs the public tests with real pytest (in-process, exactly like `pytest`) and
prints one row per task with the public points earned. In CI it can also write
a Markdown job summary (`--summary`, e.g. GitHub's `$GITHUB_STEP_SUMMARY`,
capped in size) and a JUnit report (`--junit`, e.g. for GitLab).

On GitHub Actions, everything the tests print is fenced with
`::stop-commands::`, so a submission that prints `::set-output` or
`::notice` cannot issue workflow commands.

The exit code is 0 whenever the tests ran, however many failed: unfinished
work is the normal state of a push, and the table shows the points. It is 1
only for an error the student must fix before any test can tell them
anything: an exercise module that does not import (or is missing, or breaks
the exercise's rules), a test file that cannot be collected, a wrong command
line. The authoritative grade comes later, from the instructor's grader with
its hidden tests; `hardway/points.py` says what those are worth per task.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

import pytest

from hardway.outcomes import Outcome, fence_safe, task_rows
from hardway.points import TASK_POINTS
from hardway.pytest_plugin import OutcomeRecorder

#: GitHub refuses job summaries over 1 MiB; stay far below it.
SUMMARY_LIMIT = 64 * 1024


def hidden_points(task: str) -> float:
    """What the grader's hidden tests of `task` are worth (0 for a task the table does not know)."""
    return TASK_POINTS.get(task, (0.0, 0.0))[1]


def totals_line(outcomes: list[Outcome]) -> str:
    """Public points earned, and what the grade of the same tasks is out of once hidden tests are added."""
    earned = sum(o.points for o in outcomes if o.passed)
    possible = sum(o.points for o in outcomes)
    hidden = sum(hidden_points(task) for task in {o.task for o in outcomes})
    return (f"{earned:g} / {possible:g} public points. The grade of these tasks is out of {possible + hidden:g}: "
            f"the grader also runs hidden tests worth {hidden:g} points, with new random inputs.")


def exit_status(code: int | pytest.ExitCode, outcomes: list[Outcome]) -> tuple[int, str]:
    """(exit code, why): 0 when the tests ran, whatever they found; 1 when the student must fix something first."""
    broken = sorted({o.task.split(".")[0] for o in outcomes if o.broken})
    if broken:
        which = ", ".join(f"exercise {number}" for number in broken)
        return 1, (f"Exit status 1: the module of {which} could not be run at all (see the first failure above); "
                   "fix that first.")
    if code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return 0, ("Exit status 0: the tests ran (unfinished tasks are expected while you work; "
                   "the points are above).")
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        return 1, "Exit status 1: no tests were found; run this from your repository's top folder."
    return 1, (f"Exit status 1: pytest could not run the tests ({pytest.ExitCode(code).name.lower().replace('_', ' ')}"
               "); read the error above.")


def markdown_summary(outcomes: list[Outcome], limit: int = SUMMARY_LIMIT, status: str = "") -> str:
    """A job summary: the task table, then the first failures, never longer than `limit` bytes."""
    lines = ["## Public tests", "", f"**{totals_line(outcomes)}**", ""]
    if status:
        lines += [status, ""]
    lines += ["| task | what | tests | public points | hidden points |", "|---|---|---|---|---|"]
    for row in task_rows(outcomes):
        lines.append(f"| {'✅' if row.done else '❌'} {row.task} | {row.title} | {row.passed}/{row.tests} "
                     f"| {row.earned:g}/{row.possible:g} | {hidden_points(row.task):g} |")
    text = "\n".join(lines) + "\n"
    failures = [o for o in outcomes if not o.passed]
    if failures:
        text += "\n### What to fix\n"
    for outcome in failures:
        block = f"\n**{outcome.name}** (task {outcome.task})\n\n```text\n{fence_safe(outcome.message)[:1500]}\n```\n"
        if len((text + block).encode()) > limit - 200:
            text += f"\n… and {len(failures) - failures.index(outcome)} more failing tests (run `pytest` locally).\n"
            break
        text += block
    return text


def default_tests() -> str:
    """`tests` in a student's repository (it holds test_exNN files); `exercises/tests` in the kit itself,
    whose own `tests` folder is the kit's long self-test suite."""
    if any(Path("tests").glob("test_ex[0-9][0-9]_*.py")) or not Path("exercises", "tests").is_dir():
        return "tests"
    return str(Path("exercises", "tests"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hardway.check", description="Run the public tests, task by task.")
    parser.add_argument("tests", nargs="?", default=None,
                        help="folder or file of public tests (default: tests/ if it holds test_exNN files, "
                             "else exercises/tests/)")
    parser.add_argument("--submission", metavar="DIR", default=None,
                        help="folder holding your exercise modules (default: the folder above the tests)")
    parser.add_argument("--summary", type=Path, help="append a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY)")
    parser.add_argument("--junit", type=Path, help="also write a JUnit XML report here")
    args = parser.parse_args(argv)

    recorder = OutcomeRecorder(writes_task_table=True)
    pytest_args = [args.tests or default_tests(), "-q", "-p", "no:cacheprovider"]
    if args.submission:
        pytest_args.append(f"--submission={args.submission}")
    if args.junit:
        pytest_args.append(f"--junitxml={args.junit}")
    fence = secrets.token_hex(16) if os.environ.get("GITHUB_ACTIONS") == "true" else None
    if fence:
        print(f"::stop-commands::{fence}", flush=True)
    try:
        code = pytest.main(pytest_args, plugins=[recorder])
    finally:
        if fence:
            print(f"::{fence}::", flush=True)
    status, why = exit_status(code, recorder.outcomes)
    print()
    for row in task_rows(recorder.outcomes):
        mark = "done " if row.done else "to do"
        print(f"{mark}  Task {row.task:<4} {row.passed:>2}/{row.tests:<2} tests  {row.earned:>4g}/{row.possible:<4g} "
              f"public points  +{hidden_points(row.task):>3g} hidden  {row.title}")
    if recorder.outcomes:
        print(totals_line(recorder.outcomes))
    print(why)
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(markdown_summary(recorder.outcomes, status=why))
    return status


if __name__ == "__main__":
    sys.exit(main())
