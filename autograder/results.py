"""A graded submission as data, and the files it is written to.

* ``results.json`` in Gradescope's autograder schema (score, execution_time,
  tests with name/score/max_score/status/output/visibility), each test also
  tagged with its topic and task id, and the seed that reproduces the run;
* ``junit.xml`` for CI systems that show test reports;
* ``summary.md``, a readable page for a student or a CI job summary.
"""

from __future__ import annotations

import json
import os
import shlex
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from hardway.catalogue import TOPICS, topic_of_task
from hardway.outcomes import UNMARKED, Outcome, fence_safe, task_key, task_title

#: How much text one test's output may hold in the reports.
OUTPUT_LIMIT = 4000


@dataclass
class TestResult:
    name: str
    topic: str
    task: str
    max_score: float
    score: float
    status: str  # "passed" or "failed"
    message: str = ""
    student_output: str = ""
    hidden: bool = False
    duration_s: float = 0.0
    grader_error: bool = False

    @classmethod
    def of(cls, outcome: Outcome, *, hidden: bool) -> TestResult:
        """The grader's view of an outcome, with Gradescope's names (score, max_score, status)."""
        topic = UNMARKED if outcome.task == UNMARKED else topic_of_task(outcome.task).module
        return cls(name=outcome.name, topic=topic, task=outcome.task, max_score=outcome.points, score=outcome.earned,
                   status="passed" if outcome.passed else "failed", message=outcome.message,
                   student_output=outcome.output, hidden=hidden, duration_s=outcome.duration_s,
                   grader_error=outcome.grader_error)

    @property
    def output(self) -> str:
        text = self.message
        if self.student_output.strip():
            text += ("\n\n" if text else "") + "Your code printed:\n" + self.student_output.strip()
        return text if len(text) <= OUTPUT_LIMIT else text[: OUTPUT_LIMIT - 20] + "\n[... cut short ...]"


@dataclass
class TaskGrade:
    """What the grader gave one task: points, the most possible, and the tests that failed."""

    points: float
    possible: float
    failed: list[str] = field(default_factory=list)


@dataclass
class GradeReport:
    submission: str
    seed: int
    execution_time: float = 0.0
    tests: list[TestResult] = field(default_factory=list)
    sandbox_starts: dict[str, int] = field(default_factory=dict)
    #: Where the submission came from (repository, commit), merged into results.json's extra_data.
    metadata: dict[str, str] = field(default_factory=dict)
    #: How the student's code was isolated: "namespaces" (the jail) or "process" (a plain child process).
    isolation: str = "namespaces"

    @property
    def score(self) -> float:
        return round(sum(test.score for test in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(test.max_score for test in self.tests), 6)

    @property
    def grader_errors(self) -> int:
        return sum(test.grader_error for test in self.tests)

    @property
    def reproduce(self) -> str:
        """The command that grades the same work again with the same seed, so with the same random inputs.

        A submission fetched from git is named by its repository and commit (`grade-repo`); a folder by its path.
        """
        graded = list(self.by_topic())
        options = "" if {topic.module for topic in TOPICS} <= set(graded) else "".join(
            f" --topic {shlex.quote(topic)}" for topic in graded)
        repository, commit = self.metadata.get("repository"), self.metadata.get("commit")
        if repository and commit:
            return f"autograder grade-repo {shlex.quote(repository)} --ref {commit} --seed {self.seed}{options}"
        if self.tests and not any(test.hidden for test in self.tests):
            options += " --public-only"
        return f"autograder grade {shlex.quote(self.submission)} --seed {self.seed}{options}"

    def _totals(self, group: Callable[[TestResult], str]) -> dict[str, tuple[float, float]]:
        """group -> (score, max score), in the order the groups first appear."""
        totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for test in self.tests:
            totals[group(test)][0] += test.score
            totals[group(test)][1] += test.max_score
        return {name: (score, top) for name, (score, top) in totals.items()}

    def by_task(self) -> dict[str, tuple[float, float]]:
        """task id -> (score, max score), in task order."""
        totals = self._totals(lambda test: test.task)
        return {task: totals[task] for task in sorted(totals, key=task_key)}

    def task_grades(self) -> dict[str, TaskGrade]:
        """task id -> its grade, with the names of its failed tests (a hidden one says so)."""
        failed: dict[str, list[str]] = {}
        for test in self.tests:
            if test.status != "passed":
                failed.setdefault(test.task, []).append(test.name + (" (hidden)" if test.hidden else ""))
        return {task: TaskGrade(points, possible, failed.get(task, []))
                for task, (points, possible) in self.by_task().items()}

    def by_topic(self) -> dict[str, tuple[float, float]]:
        """topic module -> (score, max score), in the order the topics were graded."""
        return self._totals(lambda test: test.topic)

    # -- Gradescope ---------------------------------------------------------------------

    def to_gradescope(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.execution_time, 3),
            "output": self.headline(),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": [
                {
                    "name": test.name,
                    "number": test.task,
                    "score": test.score,
                    "max_score": test.max_score,
                    "status": test.status,
                    "output": test.output,
                    "visibility": "after_published" if test.hidden else "visible",
                    "tags": [test.topic, f"task {test.task}"] + (["hidden"] if test.hidden else []),
                    "extra_data": {"topic": test.topic, "task": test.task, "hidden": test.hidden,
                                   "duration_s": round(test.duration_s, 4), "grader_error": test.grader_error},
                }
                for test in self.tests
            ],
            "extra_data": {
                "submission": self.submission,
                "seed": self.seed,
                "isolation": self.isolation,
                "reproduce": self.reproduce,
                "topics": {topic: {"score": s, "max_score": m} for topic, (s, m) in self.by_topic().items()},
                "sandbox_starts": self.sandbox_starts,
                **self.metadata,
            },
        }

    def headline(self) -> str:
        line = f"Score {self.score:g} / {self.max_score:g} (grading seed {self.seed})."
        if self.grader_errors:
            line += f" {self.grader_errors} test(s) hit an error in the grader itself: please tell your instructor."
        if self.isolation != "namespaces":
            line += (f" Isolation: {self.isolation} (the student's code ran without the namespace jail; "
                     "see the README's section on the jail).")
        return line

    # -- JUnit --------------------------------------------------------------------------

    def to_junit(self) -> str:
        suites = ElementTree.Element("testsuites", name="hardway", tests=str(len(self.tests)),
                                     failures=str(sum(t.status != "passed" for t in self.tests)),
                                     time=f"{self.execution_time:.3f}")
        for topic in dict.fromkeys(test.topic for test in self.tests):
            members = [test for test in self.tests if test.topic == topic]
            suite = ElementTree.SubElement(suites, "testsuite", name=topic, tests=str(len(members)),
                                           failures=str(sum(t.status != "passed" for t in members)))
            for test in members:
                case = ElementTree.SubElement(suite, "testcase", classname=f"{topic}.task_{test.task}",
                                              name=test.name, time=f"{test.duration_s:.4f}")
                properties = ElementTree.SubElement(case, "properties")
                for key, value in (("task", test.task), ("points", f"{test.score:g}/{test.max_score:g}"),
                                   ("hidden", str(test.hidden).lower())):
                    ElementTree.SubElement(properties, "property", name=key, value=value)
                if test.status != "passed":
                    failure = ElementTree.SubElement(case, "failure", message=test.message.splitlines()[0][:300]
                                                     if test.message else "failed")
                    failure.text = test.output
        ElementTree.indent(suites)
        return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"

    # -- Markdown -------------------------------------------------------------------------

    def to_markdown(self) -> str:
        lines = [f"# Grading report: {self.submission}", "", self.headline(), "",
                 "| task | what | points |", "|---|---|---|"]
        for task, (score, top) in self.by_task().items():
            mark = "✅" if score == top else ("🟡" if score > 0 else "❌")
            lines.append(f"| {mark} {task} | {task_title(task)} | {score:g} / {top:g} |")
        failed = [test for test in self.tests if test.status != "passed"]
        if failed:
            lines += ["", "## What to fix", ""]
            for test in failed:
                hidden = " (hidden test)" if test.hidden else ""
                lines += [f"### Task {test.task}: {test.name}{hidden}, 0 / {test.max_score:g}", "", "```text",
                          fence_safe(test.output), "```", ""]
        lines += ["", f"Reproduce: `{self.reproduce}`",
                  f"Isolation: {self.isolation}", ""]
        return "\n".join(lines)

    def write(self, directory: Path) -> dict[str, Path]:
        """Write the three reports, each atomically, results.json last (its presence means complete)."""
        directory.mkdir(parents=True, exist_ok=True)
        files = {"junit.xml": self.to_junit(), "summary.md": self.to_markdown(),
                 "results.json": json.dumps(self.to_gradescope(), indent=2) + "\n"}
        written = {}
        for name, text in files.items():
            temporary = directory / f".{name}.tmp"
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, directory / name)
            written[name] = directory / name
        return written

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
