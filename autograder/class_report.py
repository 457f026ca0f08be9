"""The class report: one page an instructor reads after grading a class.

Made from a grades folder (`grades.csv` and each student's `results.json`, as
`grade-roster` and `merge-grades` leave them) and written beside them as
`class-report.html`, one self-contained file (the charts are PNGs drawn by
matplotlib and embedded), so it can be mailed or kept as a CI artifact:

* the score histogram of each exercise;
* each task's share of students with full points, some points, no points,
  and with the task not done yet (every failed test met a stub: this task's,
  or an earlier task's it builds on);
* the most frequent misconceptions: the hints that fired in failed tests
  (the `Hint:` line `hardway.expect` ends a message with), grouped by their
  text and counted by student;
* the slowest submissions, and those that crashed, hung or could not be graded.

Only the grader's own messages are read for hints, never what a student's
code printed (the part after "Your code printed:"), so a submission cannot
write lines into this report; every text in it is escaped.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import os
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from hardway.catalogue import TOPICS
from hardway.outcomes import task_key

REPORT_NAME = "class-report.html"
HINT_PREFIX = "Hint: "
#: Where results.json's output starts the student's printing (`results.TestResult.output`).
PRINTED_MARKER = "\n\nYour code printed:\n"
#: How the grader words a failure on a stub: the task's own, or an earlier one's (`hardway.pytest_plugin`).
NOT_DONE = ("not done yet", "this test needs Task")
#: The start of the grader's messages for code that did not run to an answer (written in
#: `autograder/sandbox/launcher.py` and `limits.py`), with what the report calls each.
TROUBLE = {"the process running your code": "crashed", "did not finish within": "timed out",
           "was used up": "ran out of time", "could not be imported": "did not import"}
#: Rows of each table.
LONGEST_LIST = 15


@dataclass
class Graded:
    """One student's grade as the report needs it."""

    student: str
    status: str
    score: float | None = None
    max_score: float | None = None
    seconds: float | None = None
    #: exercise -> (points, possible)
    topics: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: task -> (points, possible, every failed test met a stub (NOT_DONE))
    tasks: dict[str, tuple[float, float, bool]] = field(default_factory=dict)
    #: (task, hint) of every failed test that gave a hint
    hints: set[tuple[str, str]] = field(default_factory=set)
    #: what went wrong beyond wrong answers: "crashed (task 1.2)", ...
    trouble: list[str] = field(default_factory=list)


def message_part(output: str) -> str:
    """The grader's message in a test's output, without what the student's code printed."""
    return output.split(PRINTED_MARKER, 1)[0]


def hint_of(output: str) -> str | None:
    """The hint a failed test gave: the last `Hint:` line of its message (the one `expect.fail` appends)."""
    hints = [line[len(HINT_PREFIX):].strip() for line in message_part(output).splitlines()
             if line.startswith(HINT_PREFIX)]
    return hints[-1] if hints and hints[-1] else None


def trouble_of(output: str) -> str | None:
    """"crashed", "timed out", ... when the message says the code did not run to an answer, else None."""
    message = message_part(output)
    return next((kind for phrase, kind in TROUBLE.items() if phrase in message), None)


def read_graded(folder: Path, row: dict[str, str]) -> Graded:
    """A grades.csv row, with what the student's results.json (if any) adds."""
    graded = Graded(row.get("student", ""), row.get("status", ""))
    results = folder / graded.student / "results.json"
    if not graded.student or os.sep in graded.student or not results.is_file():
        return graded
    data = json.loads(results.read_text(encoding="utf-8"))
    graded.score, graded.max_score = float(data["score"]), float(data["max_score"])
    graded.seconds = float(data.get("execution_time", 0.0))
    graded.topics = {name: (float(total["score"]), float(total["max_score"]))
                     for name, total in data.get("extra_data", {}).get("topics", {}).items()}
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    failures: dict[str, list[str]] = defaultdict(list)
    for test in data.get("tests", []):
        task = str(test.get("number", "?"))
        totals[task][0] += float(test["score"])
        totals[task][1] += float(test["max_score"])
        if test.get("status") != "passed":
            output = str(test.get("output", ""))
            failures[task].append(output)
            hint = hint_of(output)
            if hint:
                graded.hints.add((task, hint))
            trouble = trouble_of(output)
            if trouble:
                graded.trouble.append(f"{trouble} (task {task})")
            if test.get("extra_data", {}).get("grader_error"):
                graded.trouble.append(f"grader error (task {task})")
    graded.tasks = {task: (points, possible, bool(failures[task]) and all(
        any(f"Task {task}: {words}" in message_part(output) for words in NOT_DONE) for output in failures[task]))
        for task, (points, possible) in totals.items()}
    graded.trouble = list(dict.fromkeys(graded.trouble))
    return graded


def read_class(folder: Path) -> list[Graded]:
    """Every row of `folder/grades.csv`, with its student's results."""
    with (folder / "grades.csv").open(newline="", encoding="utf-8") as handle:
        return [read_graded(folder, row) for row in csv.DictReader(handle)]


# -- what the report says ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskRate:
    task: str
    full: int
    some: int
    none: int
    not_done: int
    students: int


def task_rates(graded: list[Graded]) -> list[TaskRate]:
    """Per task: how many students earned all its points, some, none (having tried), or had not done it yet."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for student in graded:
        for task, (points, possible, not_done) in student.tasks.items():
            counts[task]["students"] += 1
            if possible and points >= possible:
                counts[task]["full"] += 1
            elif points > 0:
                counts[task]["some"] += 1
            else:
                counts[task]["not_done" if not_done else "none"] += 1
    return [TaskRate(task, c["full"], c["some"], c["none"], c["not_done"], c["students"])
            for task, c in sorted(counts.items(), key=lambda item: task_key(item[0]))]


@dataclass(frozen=True)
class Misconception:
    hint: str
    tasks: tuple[str, ...]
    students: int


def misconceptions(graded: list[Graded], limit: int = LONGEST_LIST) -> list[Misconception]:
    """The hints that fired, most students first: each is a mistake the tests recognised."""
    students: Counter[str] = Counter()
    tasks: dict[str, set[str]] = defaultdict(set)
    for student in graded:
        for hint in {hint for _, hint in student.hints}:
            students[hint] += 1
        for task, hint in student.hints:
            tasks[hint].add(task)
    ranked = sorted(students.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [Misconception(hint, tuple(sorted(tasks[hint], key=task_key)), count) for hint, count in ranked]


def slowest(graded: list[Graded], limit: int = LONGEST_LIST) -> list[Graded]:
    timed = [student for student in graded if student.seconds is not None]
    return sorted(timed, key=lambda student: -(student.seconds or 0.0))[:limit]


def in_trouble(graded: list[Graded]) -> list[Graded]:
    """Students whose grading failed, or whose code crashed, hung or did not import somewhere."""
    return [student for student in graded if student.score is None or student.trouble]


# -- charts ------------------------------------------------------------------------------------------


def _png(figure: object) -> str:
    """A matplotlib Figure as an <img> with the PNG inside."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")  # type: ignore[attr-defined]
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="chart" src="data:image/png;base64,{encoded}">'


def histogram_chart(graded: list[Graded]) -> str | None:
    """One histogram of scores per exercise that anyone was graded on."""
    from matplotlib.figure import Figure  # no pyplot: no global state, no window
    from matplotlib.ticker import MaxNLocator

    shown = [topic for topic in TOPICS if any(topic.module in student.topics for student in graded)]
    if not shown:
        return None
    figure = Figure(figsize=(3.2 * len(shown), 2.6))
    for number, topic in enumerate(shown, start=1):
        axes = figure.add_subplot(1, len(shown), number)
        scores = [student.topics[topic.module] for student in graded if topic.module in student.topics]
        top = max(possible for _, possible in scores)
        axes.hist([points for points, _ in scores], bins=10, range=(0, top or 1), color="#4878a8", edgecolor="white")
        axes.set_title(f"ex{topic.number:02d}", fontsize=10)
        axes.set_xlabel(f"points (of {top:g})", fontsize=8)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.tick_params(labelsize=7)
    figure.axes[0].set_ylabel("students", fontsize=8)
    return _png(figure)


def task_chart(rates: list[TaskRate]) -> str | None:
    """Stacked bars per task: the shares of students with full points, some, none, and not done yet."""
    from matplotlib.figure import Figure

    if not rates:
        return None
    figure = Figure(figsize=(max(6.0, 0.32 * len(rates)), 3.0))
    axes = figure.add_subplot()
    names = [rate.task for rate in rates]
    bottom = [0.0] * len(rates)
    for kind, color, label in (("full", "#3a923a", "full points"), ("some", "#e0b030", "some points"),
                               ("none", "#c8463c", "no points"), ("not_done", "#bbbbbb", "not done yet")):
        share = [getattr(rate, kind) / rate.students for rate in rates]
        axes.bar(names, share, bottom=bottom, color=color, label=label)
        bottom = [below + part for below, part in zip(bottom, share, strict=True)]
    axes.set_ylim(0, 1)
    axes.set_ylabel("share of students", fontsize=8)
    axes.tick_params(axis="x", labelrotation=90, labelsize=7)
    axes.tick_params(axis="y", labelsize=7)
    axes.legend(fontsize=7, ncols=4, loc="lower left", bbox_to_anchor=(0, 1.0))
    return _png(figure)


# -- the page ----------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>" if rows else "<p>None.</p>"


def _summary(graded: list[Graded]) -> str:
    scored = [student for student in graded if student.score is not None]
    line = f"{len(graded)} students, {len(scored)} with a grade, {len(graded) - len(scored)} without."
    if scored:
        percents = [100 * (student.score or 0) / student.max_score for student in scored if student.max_score]
        if percents:
            line += (f" Score: median {statistics.median(percents):.0f} %, mean {statistics.mean(percents):.0f} %;"
                     f" {sum(p >= 100 for p in percents)} at full marks, {sum(p == 0 for p in percents)} at 0.")
    return f"<p>{html.escape(line)}</p>"


STYLE = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;color:#222}"
         "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:0.2em 0.6em;"
         "text-align:left;vertical-align:top}th{background:#f0f0f0}img{max-width:100%}")


def render(graded: list[Graded], title: str) -> str:
    """The report's HTML."""
    rates = task_rates(graded)
    sections = [f"<h1>{html.escape(title)}</h1>", _summary(graded),
                "<h2>Scores per exercise</h2>", histogram_chart(graded) or "<p>No grades yet.</p>",
                "<h2>Tasks</h2>", task_chart(rates) or "<p>No grades yet.</p>",
                _table(["task", "full points", "some points", "no points", "not done yet", "students"],
                       [[rate.task, f"{rate.full} ({100 * rate.full / rate.students:.0f} %)", str(rate.some),
                         str(rate.none), str(rate.not_done), str(rate.students)] for rate in rates]),
                "<h2>Most frequent misconceptions</h2>",
                "<p>The hints that fired in failed tests, by the number of students who got each.</p>",
                _table(["students", "tasks", "hint"], [[str(m.students), ", ".join(m.tasks), m.hint]
                                                       for m in misconceptions(graded)]),
                "<h2>Crashed, hung or not graded</h2>",
                _table(["student", "status", "what happened"],
                       [[s.student, s.status, "; ".join(s.trouble) or "no grade"] for s in in_trouble(graded)]),
                "<h2>Slowest submissions</h2>",
                _table(["student", "grading time", "score"],
                       [[s.student, f"{s.seconds:.1f} s", f"{s.score:g} / {s.max_score:g}"] for s in slowest(graded)])]
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>{''.join(sections)}</body></html>\n")


def write_class_report(folder: Path, title: str | None = None) -> Path:
    """Write `folder/class-report.html` from `folder/grades.csv` and the students' results; return its path."""
    graded = read_class(folder)
    path = folder / REPORT_NAME
    temporary = path.with_suffix(".html.tmp")
    temporary.write_text(render(graded, title or f"Class report: {folder.resolve().name}"), encoding="utf-8")
    os.replace(temporary, path)
    return path
