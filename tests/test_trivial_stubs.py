"""No points for nothing: a submission that does not implement its tasks earns 0 from every test.

A "trivial stub" is the reference solution with every answer (each
``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region, the same regions the
skeleton is cut from) replaced by one line that does nothing useful:
``return None`` (which is what ``pass`` does too), ``return 0.0``, ``return``
of the first argument (``self`` for a method), ``return []`` or ``return {}``.
Unlike the skeleton, these run without raising, so a test that only checks a
side condition ("the inputs are unchanged", "the mode is put back") would
award them points. Every test must fail them, and with a teaching message: a
test that crashes on an odd answer is a grader error, which blames the grader
for the student's code.

The public tests run in-process, as a student runs them (real pytest with
``--submission``), and the hidden tests with them, at one fixed seed; one real
sandboxed grade confirms that the grader sees the same.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from autograder import paths
from autograder.grading import grade
from autograder.authoring.stubgen import _functions, find_regions
from hardway.catalogue import TOPICS
from hardway.expect import ExpectationFailed
from hardway.submission import SubmissionError

pytestmark = pytest.mark.slow

SEED = 20_240_611

Function = ast.FunctionDef | ast.AsyncFunctionDef


def _first_argument(function: Function) -> str:
    parameters = [argument.arg for argument in function.args.posonlyargs + function.args.args]
    return f"return {parameters[0]}" if parameters else "return None"


#: Each kind of trivial answer: the one line that replaces a solution region in `function`.
KINDS: dict[str, Callable[[Function], str]] = {
    "return None": lambda function: "return None",
    "return 0.0": lambda function: "return 0.0",
    "return the first argument": _first_argument,
    "return []": lambda function: "return []",
    "return {}": lambda function: "return {}",
}


def trivial_module(source: str, kind: str) -> str:
    """`source` (a reference solution) with every solution region replaced by the trivial line of `kind`."""
    lines = source.splitlines()
    functions = dict(_functions(ast.parse(source)))
    output: list[str] = []
    position = 0
    for region in find_regions(source):
        function = functions[region.qualname]
        body = "pass" if function.name == "__init__" else KINDS[kind](function)  # __init__ must return None
        output += [*lines[position : region.begin - 1], region.indent + body]
        position = region.end
    output += lines[position:]
    return "\n".join(output) + "\n"


def write_trivial_submission(folder: Path, kind: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for topic in TOPICS:
        solution = paths.SOLUTIONS_DIR / topic.filename
        (folder / topic.filename).write_text(trivial_module(solution.read_text(encoding="utf-8"), kind))
    return folder


# -- running the tests in-process -----------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    passed: bool
    taught: bool  # failed with a message for the student (not a crash of the test itself)
    message: str


SNIPPET_NOTE = "(while running the test snippet:"


def _taught(error: BaseException) -> bool:
    """Whether a failure is one the grader reports to the student, not a grader error.

    In-process, the student's own exception comes back as itself, marked with a note
    naming the snippet; in the sandbox it is a `StudentCodeRaised` (a SubmissionError).
    """
    if isinstance(error, (ExpectationFailed, SubmissionError, AssertionError)):
        return True
    return any(note.startswith(SNIPPET_NOTE) for note in getattr(error, "__notes__", ()))


class Recorder:
    """A pytest plugin that keeps every test's outcome."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Outcome] = {}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
        report = yield
        if report.when == "call" or report.failed:
            error = call.excinfo.value if call.excinfo is not None else None
            taught = error is not None and _taught(error)
            if item.nodeid not in self.outcomes or not report.passed:
                self.outcomes[item.nodeid] = Outcome(report.passed, taught, str(error)[:300] if error else "")
        return report


def all_test_files() -> list[str]:
    return [str(path) for topic in TOPICS for path in (paths.public_tests(topic), paths.hidden_tests(topic))
            if path.exists()]


@cache
def audit(kind: str, root: Path) -> dict[str, Outcome]:
    """Every public and hidden test's outcome on the trivial stub of `kind`, run in-process."""
    folder = write_trivial_submission(root / kind.replace(" ", "_").strip("[]{}") / "submission", kind)
    recorder = Recorder()
    exit_code = pytest.main([*all_test_files(), "--submission", str(folder), "--grading-seed", str(SEED),
                             "--rootdir", str(paths.KIT_ROOT), "--import-mode=importlib",
                             "-o", "addopts=", "-p", "no:cacheprovider", "-p", "no:terminal"], plugins=[recorder])
    assert exit_code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), exit_code
    return recorder.outcomes


@pytest.fixture(scope="module")
def audit_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("trivial_stubs")


# -- the audit ----------------------------------------------------------------------------------


def test_a_trivial_module_keeps_everything_but_the_answers():
    source = (paths.SOLUTIONS_DIR / "ex01_forward_autodiff.py").read_text(encoding="utf-8")
    stub = trivial_module(source, "return the first argument")
    assert "### BEGIN SOLUTION" not in stub and "raise NotImplementedError" not in stub
    assert "        return self\n" in stub and "def add(left: Dual, right: Dual) -> Dual:" in stub
    assert "return left\n" in stub
    compile(stub, "ex01_forward_autodiff.py", "exec")


@pytest.mark.parametrize("kind", KINDS)
def test_a_trivial_stub_earns_nothing_and_is_told_why(kind, audit_root):
    outcomes = audit(kind, audit_root)
    assert len(outcomes) > 150, "the public and hidden tests of every exercise ran"
    points_for_nothing = sorted(name for name, outcome in outcomes.items() if outcome.passed)
    assert points_for_nothing == [], f"these tests pass for a module that only does `{kind}`"
    crashed = {name: outcome.message for name, outcome in outcomes.items() if not outcome.passed and not outcome.taught}
    assert crashed == {}, f"these tests crashed on `{kind}` instead of failing with a message for the student"


def test_the_sandboxed_grade_of_a_trivial_stub_is_zero_with_no_grader_error(audit_root):
    kind = "return the first argument"
    in_process = audit(kind, audit_root)
    folder = write_trivial_submission(audit_root / "graded" / "submission", kind)
    report = grade(folder, seed=SEED, topics=list(TOPICS))
    assert len(report.tests) == len(in_process)
    assert [test.name for test in report.tests if test.score > 0] == []
    assert [(test.name, test.message) for test in report.tests if test.grader_error] == []
    assert report.score == 0.0 < report.max_score
