"""`python -m hardway.check`: a student's one-line check of their work.

Runs the public tests with real pytest (in-process, exactly like `pytest`) and
prints one row per task with the public points earned. In CI it can also write
a Markdown job summary (`--summary`, e.g. GitHub's `$GITHUB_STEP_SUMMARY`,
capped in size) and a JUnit report (`--junit`, e.g. for GitLab).

On GitHub Actions, everything the tests print is fenced with
`::stop-commands::`, so a submission that prints `::set-output` or
`::notice` cannot issue workflow commands. The exit code is 0 when every
public test passes and 1 otherwise; the authoritative grade comes later, from
the instructor's grader with its hidden tests.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hardway.catalogue import topic_of_task
from hardway.pytest_plugin import task_marker

#: GitHub refuses job summaries over 1 MiB; stay far below it.
SUMMARY_LIMIT = 64 * 1024


@dataclass
class Outcome:
    name: str
    task: str
    points: float
    passed: bool
    message: str


class OutcomeRecorder:
    """A pytest plugin object that keeps each test's task, points, result and message."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: sees the report after the plugin explained it
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if report.when == "call" or (report.failed and report.when == "setup"):
            task, points = task_marker(item) or ("?", 0.0)
            self.outcomes.append(Outcome(item.name, task, points, report.passed,
                                         "" if report.passed else str(report.longreprtext)))
        return report


def task_table(outcomes: list[Outcome]) -> list[tuple[str, str, int, int, float, float]]:
    """(task, title, passed, tests, points earned, points possible) per task, in task order."""
    rows: dict[str, list[Any]] = {}
    for outcome in outcomes:
        row = rows.setdefault(outcome.task, [0, 0, 0.0, 0.0])
        row[0] += outcome.passed
        row[1] += 1
        row[2] += outcome.points if outcome.passed else 0.0
        row[3] += outcome.points
    ordered = sorted(rows, key=lambda task: [int(part) for part in task.split(".") if part.isdigit()])
    return [(task, _title(task), *rows[task]) for task in ordered]


def _title(task: str) -> str:
    try:
        return topic_of_task(task).tasks[task]
    except KeyError:
        return ""


def markdown_summary(outcomes: list[Outcome], limit: int = SUMMARY_LIMIT) -> str:
    """A job summary: the task table, then the first failures, never longer than `limit` bytes."""
    earned = sum(o.points for o in outcomes if o.passed)
    possible = sum(o.points for o in outcomes)
    lines = ["## Public tests", "", f"**{earned:g} / {possible:g}** public points. "
             "Your grade also includes hidden tests, run by your instructor.", "",
             "| task | what | tests | points |", "|---|---|---|---|"]
    for task, title, passed, total, got, top in task_table(outcomes):
        lines.append(f"| {'✅' if passed == total else '❌'} {task} | {title} | {passed}/{total} | {got:g}/{top:g} |")
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


def fence_safe(text: str) -> str:
    """Text that cannot close a Markdown code fence or open a new one."""
    return text.replace("```", "'''")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hardway.check", description="Run the public tests, task by task.")
    parser.add_argument("tests", nargs="?", default="tests", help="folder of public tests (default: tests)")
    parser.add_argument("--summary", type=Path, help="append a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY)")
    parser.add_argument("--junit", type=Path, help="also write a JUnit XML report here")
    args = parser.parse_args(argv)

    recorder = OutcomeRecorder()
    pytest_args = [args.tests, "-q", "-p", "no:cacheprovider"]
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
    for task, title, passed, total, got, top in task_table(recorder.outcomes):
        mark = "done " if passed == total else "to do"
        print(f"{mark}  Task {task:<4} {passed:>2}/{total:<2} tests  {got:>4g}/{top:<4g} points  {title}")
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(markdown_summary(recorder.outcomes))
    return 0 if code == pytest.ExitCode.OK else 1


if __name__ == "__main__":
    sys.exit(main())
