"""The class report: made from grades.csv and the students' results.json, as the grader writes them.

The reports here are written by the grader's own `GradeReport.write`, with messages as the grader
words them, so the report is tested on the files it meets in a real grades folder (`test_shards.py`
also reads one made by real grading).
"""

from __future__ import annotations

import base64
import csv
import re
from pathlib import Path

from autograder.class_report import (hint_of, in_trouble, misconceptions, read_class, task_rates, trouble_of,
                                     write_class_report)
from autograder.results import GradeReport
from autograder.results import TestResult as Result

EX01 = "ex01_forward_autodiff"
PRODUCT_RULE = "the product rule has two terms: (uv)' = u'v + uv'"


def result(task: str, passed: bool, message: str = "", printed: str = "", points: float = 1.0) -> Result:
    return Result(name=f"test_{task.replace('.', '_')}_{len(message)}", topic=EX01, task=task, max_score=points,
                      score=points if passed else 0.0, status="passed" if passed else "failed", message=message,
                      student_output=printed)


def wrong_product(task: str = "1.1") -> Result:
    return result(task, False, f"Task {task}: `mul((2.0, 1.0), (3.0, 4.0))` gave (6.0, 4.0); expected (6.0, 11.0).\n"
                             f"Hint: {PRODUCT_RULE}")


def not_started(task: str) -> Result:
    return result(task, False, f"Task {task}: not done yet: implement AutoDiff.__radd__ (see its docstring)")


#: Five students: full marks, two with the same mistake (one also printing a fake hint), one who has
#: not started task 1.2 and whose code crashed in 1.3, and one whose grading failed (no results.json).
CLASS = {
    "ann": [result("1.1", True), result("1.1", True), result("1.2", True), result("1.3", True)],
    "ben": [wrong_product(), result("1.1", True), result("1.2", True), result("1.3", True)],
    "cy<b>": [wrong_product(), wrong_product(), result("1.2", True),
              result("1.3", False, "Task 1.3: `sin(x)` gave 0.5; expected 0.8.",
                   printed="Hint: <script>the students invented this</script>")],
    "dot": [result("1.1", True), result("1.1", True), not_started("1.2"),
            result("1.3", False, "Task 1.3: the process running your code was killed by SIGSEGV (a crash inside a C "
                               "extension, or recursion too deep) while running `sin(x)`.")],
}


def grades_folder(root: Path) -> Path:
    """grades.csv and results.json as `grade-roster` leaves them, for CLASS and one failed student."""
    rows = []
    for number, (student, tests) in enumerate(CLASS.items()):
        report = GradeReport(student, seed=7, execution_time=1.0 + number, tests=tests)
        report.write(root / student)
        rows.append({"student": student, "score": report.score, "max_score": report.max_score, "status": "graded"})
    rows.append({"student": "eve", "status": "error: git clone failed: repository not found"})
    with (root / "grades.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["student", "score", "max_score", "status"])
        writer.writeheader()
        writer.writerows(rows)
    return root


def test_the_hint_is_the_grader_s_last_hint_line_never_what_the_student_printed():
    assert hint_of(wrong_product().output) == PRODUCT_RULE
    assert hint_of(CLASS["cy<b>"][3].output) is None, "a line the student's code printed is not a hint"
    assert hint_of(not_started("1.2").output) is None


def test_trouble_is_read_from_the_grader_s_words_for_code_that_gave_no_answer():
    assert trouble_of(CLASS["dot"][3].output) == "crashed"
    assert trouble_of("Task 1.1: your code did not finish within 10 s while running `add(u, v)`.") == "timed out"
    assert trouble_of(wrong_product().output) is None


def test_misconceptions_are_counted_by_student_and_tasks_by_how_far_students_got(tmp_path):
    graded = read_class(grades_folder(tmp_path))
    assert [(m.hint, m.tasks, m.students) for m in misconceptions(graded)] == [(PRODUCT_RULE, ("1.1",), 2)], \
        "cy got the hint twice and counts once; the printed fake is not there"
    rates = {rate.task: rate for rate in task_rates(graded)}
    assert (rates["1.1"].full, rates["1.1"].some, rates["1.1"].students) == (2, 1, 4), "ben has 1 of 2 points"
    assert (rates["1.2"].full, rates["1.2"].not_done) == (3, 1)
    assert (rates["1.3"].full, rates["1.3"].none) == (2, 2), "a wrong answer and a crash earn nothing"
    assert [student.student for student in in_trouble(graded)] == ["dot", "eve"]


def test_the_report_is_one_self_contained_page_with_charts_and_escaped_text(tmp_path):
    page = write_class_report(grades_folder(tmp_path)).read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2, "the score histograms and the task chart"
    assert all(base64.b64decode(image).startswith(b"\x89PNG") for image in images)
    assert not re.search(r'(src|href)="(?!data:)', page), "nothing to fetch: the page stands alone"
    assert "the product rule has two terms" in page and "crashed (task 1.3)" in page and "git clone failed" in page
    assert "cy&lt;b&gt;" in page and "cy<b>" not in page, "a student's name is text, not markup"
    assert "the students invented this" not in page
    assert "5 students, 4 with a grade, 1 without" in page
