"""Probes: test functions sent as source to where the student's code runs (`submission.call`).

A probe must behave the same in the student's own pytest process and in the
grader's jail, point a traceback at its real line in the test file, and be
refused, with a message to the test's author, when it needs something of the
test's process that would not be there.
"""

from __future__ import annotations

import os
import textwrap
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from autograder.sandbox import IsolatedSubmission, Limits
from hardway.catalogue import topic_by_module
from hardway.snippets import ProbeError, one_line, probe_source, raised
from hardway.submission import STUDENT_SNIPPET, InProcessSubmission, StudentCodeRaised, student_frames

EX01 = topic_by_module("ex01_forward_autodiff")

#: A stand-in for a student's module: one working function, one that raises.
STUDENT = '''
def double(x):
    return 2 * x


def broken(x):
    return x / 0
'''

LIMIT = 3  # test-side state that a probe must not use


def tripled(x: float) -> float:
    """A helper of the probe below: it travels with it."""
    return 3 * x


def double_and_triple(double: Callable[[float], float], x: float, also: float = 0.0) -> Any:
    """A probe: `double` is the student's function, `x` and `also` inputs; it uses a helper, np and raised."""
    import math

    return [double(x), tripled(x) + also, math.isfinite(x), np.float64(x).item(), raised(lambda: double(None))]


def call_broken(broken: Callable[[float], float], x: float) -> float:
    """A probe whose call into the student's code raises."""
    value = x + 1
    return broken(value)  # the line a traceback must point at


@pytest.fixture
def student_folder(tmp_path: Path) -> Path:
    (tmp_path / EX01.filename).write_text(STUDENT)
    return tmp_path


@pytest.fixture
def in_process(student_folder: Path):
    submission = InProcessSubmission(EX01, student_folder, module_name="probe_test_student")
    yield submission
    submission.close()


def test_a_probe_binds_inputs_and_the_students_functions_by_name(in_process):
    got = in_process.call(double_and_triple, x=2.0)
    assert got[:4] == [4.0, 6.0, True, 2.0] and got[4][0] == "TypeError"
    assert in_process.call(double_and_triple, x=2.0, also=0.5)[1] == 6.5


def test_the_source_holds_the_helper_then_the_probe_then_the_call():
    source = probe_source(double_and_triple, ["x"])
    assert source.index("def tripled") < source.index("def double_and_triple")
    assert source.rstrip().endswith("double_and_triple(double, x)")
    assert probe_source(double_and_triple, ["x", "also"]).rstrip().endswith("double_and_triple(double, x, also)")
    assert one_line(source) == (f"double_and_triple(double, x) (test_snippets_probes.py, line "
                                f"{double_and_triple.__code__.co_firstlineno})")


def test_a_traceback_through_a_probe_points_at_its_line_in_the_test_file(in_process):
    with pytest.raises(ZeroDivisionError) as caught:
        in_process.call(call_broken, x=1.0)
    frames = traceback.extract_tb(caught.value.__traceback__)
    here = [frame for frame in frames if frame.filename == __file__]
    assert [frame.name for frame in here][-1:] == ["call_broken"]
    assert here[-1].line == "return broken(value)  # the line a traceback must point at"
    assert frames[-1].name == "broken" and frames[-1].filename.endswith(EX01.filename)


def test_a_probes_frames_are_never_shown_as_the_students_code(in_process):
    """In a notebook the student's code has no file, so only the kit's and the test's frames are left out."""
    with pytest.raises(ZeroDivisionError) as caught:
        in_process.call(call_broken, x=1.0)
    assert getattr(caught.value, STUDENT_SNIPPET).startswith("# probe piece")
    shown = student_frames(caught.value, student_file=None)
    assert "call_broken" not in shown and "in broken" in shown


def test_the_jail_runs_the_same_probe_and_reports_where_it_is(student_folder):
    with IsolatedSubmission(EX01, student_folder, Limits(call_timeout_s=20.0)) as jailed:
        assert jailed.call(double_and_triple, x=2.0, also=1.0)[:4] == [4.0, 7.0, True, 2.0]
        with pytest.raises(StudentCodeRaised) as caught:
            jailed.call(call_broken, x=1.0)
    line = call_broken.__code__.co_firstlineno
    assert str(caught.value).startswith(f"call_broken(broken, x) (test_snippets_probes.py, line {line}) raised "
                                        "ZeroDivisionError")


# -- what a probe may not need -----------------------------------------------------------------------------


def uses_a_module_of_the_test(x: float) -> str:
    return os.path.join("folder", str(x))


def uses_a_constant_of_the_test(x: float) -> float:
    return x + LIMIT


def uses_an_undefined_name(x: float) -> float:
    return double(x)  # noqa: F821 - the mistake under test: the student's function must be a parameter


def with_a_computed_default(x: float, limit: float = float(LIMIT)) -> float:
    return x + limit


def with_star_arguments(*values: float) -> float:
    return sum(values)


def six_times(x: float) -> float:
    return 2 * tripled(x)


def with_a_parameter_named_like_a_helper(tripled: float) -> float:
    """The call `with_a_parameter_named_like_a_helper(tripled)` would pass the helper, not the input."""
    return six_times(tripled)


def closure_maker() -> Callable[[float], float]:
    offset = 2.0

    def shifted(x: float) -> float:
        return x + offset

    return shifted


@pytest.mark.parametrize("probe, inputs, words", [
    (closure_maker(), ["x"], "uses offset from the function around it"),
    (lambda x: x, ["x"], "top level"),
    (uses_a_module_of_the_test, ["x"], "uses os \\(module\\) from its module's globals"),
    (uses_a_constant_of_the_test, ["x"], "uses LIMIT \\(int\\)"),
    (uses_an_undefined_name, ["x"], "must be a parameter of the probe"),
    (with_a_computed_default, ["x"], "give defaults as literals"),
    (with_star_arguments, [], r"\*args or \*\*kwargs"),
    (with_a_parameter_named_like_a_helper, ["tripled"], "has the name of a function it uses"),
    (double_and_triple, ["x", "y"], "no parameter named y"),
    (print, [], "must be a function defined with def"),
], ids=["closure", "lambda", "module", "constant", "undefined", "default", "star", "clash", "unknown input",
        "builtin"])
def test_a_probe_that_needs_the_tests_process_is_refused_before_it_runs(probe, inputs, words):
    with pytest.raises(ProbeError, match=words):
        probe_source(probe, inputs)


def test_a_decorated_probe_is_refused(tmp_path):
    module = tmp_path / "decorated_probe.py"
    module.write_text(textwrap.dedent('''
        import functools

        @functools.lru_cache
        def cached(x):
            return x
    '''))
    namespace: dict[str, Any] = {"__name__": "decorated_probe", "__file__": str(module)}
    exec(compile(module.read_text(), str(module), "exec"), namespace)  # noqa: S102 - a test module written here
    with pytest.raises(ProbeError, match="must be a function defined with def"):
        probe_source(namespace["cached"], ["x"])
    namespace["plain"] = namespace["cached"].__wrapped__
    with pytest.raises(ProbeError, match="is decorated"):
        probe_source(namespace["plain"], ["x"])
