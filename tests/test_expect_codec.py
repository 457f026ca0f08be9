"""The trusted side of a test: snippets see the test's names, and every `expect`
comparison is safe for every value the plain-data codec can give back.

A test compares what a student's code returned (rebuilt by `hardway.plaindata`)
with what it expected. Whatever came back, the outcome must be one of two
things: the expectation holds, or it fails with the task's teaching message
(`ExpectationFailed`). Any other exception would be reported as the grader's
own failure ("tell your instructor"), blaming honest code on the grader.

Every value below is made by a real round trip through the codec, the way the
grader sees a student's result.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any, Callable

import numpy as np
import pytest

from hardway import expect, plaindata
from hardway.catalogue import topic_by_module
from hardway.expect import ExpectationFailed
from hardway.plaindata import Opaque, TensorRecord
from hardway.snippets import run_snippet
from hardway.submission import InProcessSubmission

TASK = "1.5"


class AutoDiff:
    """A student's object: it travels only as a description (an `Opaque`)."""

    def __repr__(self) -> str:
        return "AutoDiff(1.5, 1.0)"


def _leaves() -> dict[str, Any]:
    """One of each kind of value the codec rebuilds, before its round trip."""
    import torch

    return {
        "None": None, "True": True, "False": False,
        "zero": 0, "int": -3, "huge int": 2**200, "huger int": -(10**400),
        "float": 1.5, "negative zero": -0.0, "nan": math.nan, "inf": math.inf, "-inf": -math.inf,
        "complex": 1 + 2j, "complex nan": complex(math.nan, 1.0),
        "empty str": "", "str": "ValueError",
        "empty list": [], "empty tuple": (), "empty dict": {},
        "0-d float array": np.array(2.5), "0-d int array": np.array(7, dtype=np.int32),
        "vector": np.array([1.0, 2.0, 3.0]), "float32 vector": np.array([1.0, 2.0, 3.0], dtype=np.float32),
        "int vector": np.array([1, 2, 3]), "uint8 vector": np.array([1, 2, 255], dtype=np.uint8),
        "bool vector": np.array([True, False, True]), "complex vector": np.array([1 + 1j, 2, 3]),
        "float16 matrix": np.ones((2, 3), dtype=np.float16), "matrix": np.arange(6.0).reshape(2, 3),
        "nan vector": np.array([math.nan, 1.0, math.inf]), "empty array": np.zeros((0,)),
        "empty matrix": np.zeros((0, 3)), "one-element vector": np.array([1.5]),
        "np.float64": np.float64(1.5), "np.float32": np.float32(1.5), "np.int64": np.int64(-3),
        "np.uint8": np.uint8(200), "np.bool_": np.bool_(True), "np.complex128": np.complex128(1 + 2j),
        "np.float64 nan": np.float64(math.nan),
        "tensor": torch.tensor([1.0, 2.0], dtype=torch.float64),
        "tensor requiring grad": torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True),
        "0-d tensor": torch.tensor(1.5),
        "object": object(), "AutoDiff": AutoDiff(),
    }


def _nested() -> dict[str, Any]:
    """Arrays and scalars inside containers, as vectorised answers come back."""
    import torch

    vector = np.array([1.0, 2.0, 3.0])
    return {
        "(value, array)": (1.5, vector),
        "(array, array)": (vector, 2 * vector),
        "(array, array) swapped": (2 * vector, vector),
        "[array, array]": [vector, 2 * vector],
        "(0-d array, float)": (np.array(1.5), 1.0),
        "(float, float)": (1.5, 1.0),
        "(float, nan)": (1.5, math.nan),
        "(str, str)": ("ValueError", "log of a negative number"),
        "(str, float)": ("ValueError", 1.0),
        "{value, gradient arrays}": {"value": vector, "gradient": np.eye(3)},
        "{value, gradient floats}": {"value": 1.5, "gradient": 2.0},
        "{other keys}": {"val": vector, "grad": np.eye(3)},
        "deep": [(vector, {"k": [np.float32(1.0), (np.array(2), None)]}), "tail"],
        "deep, one number off": [(vector, {"k": [np.float32(1.0), (np.array(3), None)]}), "tail"],
        "deep AutoDiff": [(AutoDiff(), vector)],
        "tuple of huge ints": (2**100, -(2**100)),
        "(tensor, float)": (torch.tensor([1.0]), 1.0),
        "(array of shape 2, array of shape 3)": (np.array([1.0, 2.0]), vector),
        "list of one array": [vector],
        "nested empties": [[], (), {}],
    }


ORIGINALS = {**_leaves(), **_nested()}
#: Every value exactly as the grader rebuilds it from a student's answer.
VALUES = {name: plaindata.round_trip(value) for name, value in ORIGINALS.items()}
NAMES = sorted(VALUES)


def test_the_matrix_holds_every_kind_of_value_the_codec_rebuilds():
    kinds = {type(value) for value in VALUES.values()}
    assert {type(None), bool, int, float, complex, str, list, tuple, dict, np.ndarray, np.float64, np.float32,
            np.int64, np.uint8, np.bool_, np.complex128, TensorRecord, Opaque} <= kinds


def _outcome(check: Callable[..., object], *args: object, **kwargs: object) -> str:
    """'pass' or 'fail' for `check(*args, **kwargs)` (a teaching message for the task); anything else
    propagates and fails the test."""
    token = expect.current_task.set(TASK)
    try:
        check(*args, **kwargs)
    except ExpectationFailed as failure:
        assert str(failure).startswith(f"Task {TASK}: `"), str(failure)
        return "fail"
    finally:
        expect.current_task.reset(token)
    return "pass"


COMPARISONS: dict[str, Callable[[Any, Any], None]] = {
    "equal": lambda got, expected: expect.equal("f(x)", got, expected, hint="a hint"),
    "close": lambda got, expected: expect.close("f(x)", got, expected, hint="a hint"),
    "close, strict container": lambda got, expected: expect.close("f(x)", got, expected, strict_container=True),
    "close, loose tolerance": lambda got, expected: expect.close("f(x)", got, expected, rtol=0.5, atol=0.5),
}
SINGLE_CHECKS: dict[str, Callable[[Any], None]] = {
    "is_float": lambda got: expect.is_float("f(x)", got),
    "rejects": lambda got: expect.rejects("f(x)", got, "ValueError", mentions=("negative",)),
    "fail": lambda got: expect.fail("f(x)", got, "something else", "a hint"),
}


@pytest.mark.parametrize("comparison", COMPARISONS)
@pytest.mark.parametrize("expected_name", NAMES)
def test_comparing_any_answer_with_any_expectation_passes_or_teaches(comparison, expected_name):
    compare, expected = COMPARISONS[comparison], VALUES[expected_name]
    for got_name in NAMES:
        outcome = _outcome(compare, VALUES[got_name], expected)
        assert outcome in ("pass", "fail"), (got_name, expected_name)


@pytest.mark.parametrize("name", NAMES)
def test_every_value_equals_itself_after_its_own_round_trip(name):
    """Equal answers pass, NaN in the same place included: the student sent the same value."""
    value, again = VALUES[name], plaindata.round_trip(ORIGINALS[name])
    assert _outcome(expect.equal, "f(x)", again, value) == "pass"
    assert _outcome(expect.close, "f(x)", again, value, strict_container=True) == "pass"


@pytest.mark.parametrize("name", NAMES)
def test_equal_values_are_also_close(name):
    """`equal` is the stricter check: whatever it accepts, `close` accepts too."""
    for other in NAMES:
        if _outcome(expect.equal, "f(x)", VALUES[other], VALUES[name]) == "pass":
            assert _outcome(expect.close, "f(x)", VALUES[other], VALUES[name]) == "pass", other


@pytest.mark.parametrize("check", SINGLE_CHECKS)
def test_single_value_checks_pass_or_teach_for_every_value(check):
    for name in NAMES:
        assert _outcome(SINGLE_CHECKS[check], VALUES[name]) in ("pass", "fail"), name


def test_close_tells_numbers_apart_by_value_and_structure():
    cases = [  # (got, expected, passes)
        ((1.5, np.array([1.0, 2.0, 3.0])), (1.5, np.array([1.0, 2.0, 3.0 + 1e-13])), True),
        ((1.5, np.array([1.0, 2.0, 3.0])), (1.5, np.array([1.0, 2.0, 3.1])), False),
        ((1.5, np.array([1.0, 2.0])), (1.5, np.array([1.0, 2.0, 3.0])), False),
        ([np.array(1.5)], [1.5], False),
        (2**200, 2**200, True), (2**200, 2**200 + 1, True), (2**200, 2**201, False), (10**400, math.inf, False),
        (1 + 2j, 1 + 2j, True), (1 + 2j, 1 - 2j, False),
        (np.array([1 + 1j, 2]), np.array([1 + 1j, 2]), True), (np.array([1 + 1j, 2]), np.array([1.0, 2.0]), False),
        (np.array([math.nan, 1.0]), np.array([math.nan, 1.0]), True), (math.nan, 1.0, False),
        ({"a": 1.0, "b": ("x", None)}, {"b": ("x", None), "a": 1.0}, True),
        ({"a": 1.0, "b": ("x", None)}, {"a": 1.0, "b": ("y", None)}, False),
        (True, 1.0, False), (1.0, True, False), (np.uint8(200), 200.0, True),
        (AutoDiff(), 1.5, False),
    ]
    for got, expected, passes in cases:
        got, expected = plaindata.round_trip(got), plaindata.round_trip(expected)
        assert _outcome(expect.close, "f(x)", got, expected) == ("pass" if passes else "fail"), (got, expected)


def test_equal_wants_the_same_type_and_every_element_equal():
    vector = np.array([1.0, 2.0])
    cases = [  # (got, expected, passes)
        ((vector, "ok"), (vector.copy(), "ok"), True),
        ((vector, "ok"), (vector + 1e-15, "ok"), False),
        (vector, vector.reshape(2, 1), False),
        (vector, np.array([1, 2], dtype=np.uint8), True),  # numbers compare by value, as in Python
        ([3, 0.25, "kept"], [3.0, 0.25, "kept"], True),
        ([np.int64(3), np.float32(0.25)], [3, 0.25], True),
        ([True], [1], False),
        ([None], [0], False),
        ((1, 2), [1, 2], False),
        (np.int64(3), 3, False),  # but the answer itself must be of the expected type
        (np.array([math.nan]), np.array([math.nan]), True),
        ([math.nan, 2**200], [math.nan, 2**200], True),
        ([2**200], [float(2**200)], True),
        ([2**200 + 1], [float(2**200)], False),
        ([complex(math.nan, 1.0)], [complex(math.nan, 2.0)], False),
        ({"a": vector}, {"a": vector.copy()}, True),
        ({"a": vector}, {"b": vector}, False),
    ]
    for got, expected, passes in cases:
        got, expected = plaindata.round_trip(got), plaindata.round_trip(expected)
        assert _outcome(expect.equal, "f(x)", got, expected) == ("pass" if passes else "fail"), (got, expected)


def test_rejects_teaches_when_the_snippet_gave_something_other_than_an_error_report():
    assert _outcome(expect.rejects, "f(x)", ("ValueError", "negative input"), "ValueError",
                                           mentions=("negative",)) == "pass"
    for got in [("ValueError",), ("ValueError", 3), ["ValueError", "negative"], np.array([1.0, 2.0]), "ValueError"]:
        assert _outcome(expect.rejects, "f(x)", plaindata.round_trip(got), "ValueError") == "fail", got


# -- the snippet's namespace ----------------------------------------------------------------

SHADOWING_MODULE = """
import math as np          # a student's slip: 'np' is the math module here
math = None                # and 'math' is nothing at all


class FakeNumpy:
    def allclose(self, *args, **kwargs):
        return True        # every comparison 'passes'


fake = FakeNumpy()
__builtins__ = {"len": lambda value: 99}


def add(left, right):
    return (left[0] + right[0], left[1] + right[1])
"""


def _module(source: str) -> Any:
    module = ModuleType("student_module")
    exec(compile(source, "student_module.py", "exec"), vars(module))  # noqa: S102 - the kit's own test text
    return module


def test_a_snippet_always_sees_the_tests_np_math_and_builtins_after_the_modules_names():
    module = _module(SHADOWING_MODULE)
    assert run_snippet(module, "np.zeros(2).shape, math.pi, len([1, 2])", {}) == ((2,), math.pi, 2)
    assert run_snippet(module, "add((1.0, 2.0), (3.0, 4.0))", {}) == (4.0, 6.0)  # the module's own names


def test_a_fake_numpy_in_the_module_cannot_make_a_snippets_comparison_pass():
    module = _module(SHADOWING_MODULE + "\nnp = fake\n")
    assert run_snippet(module, "bool(np.allclose(add((1.0, 0.0), (1.0, 0.0)), (3.0, 0.0)))", {}) is False


def test_a_students_pytest_run_keeps_the_tests_np_too(tmp_path):
    topic = topic_by_module("ex01_forward_autodiff")
    (tmp_path / topic.filename).write_text("import math as np\nmath = 'not math'\n")
    submission = InProcessSubmission(topic, tmp_path, module_name="ex01_shadowing_np")
    try:
        assert submission.run("np.arange(3).tolist(), math.sqrt(4.0)") == ([0, 1, 2], 2.0)
    finally:
        submission.close()
