"""Assertions that teach.

Every failure says which task, what was called, what came back, what was
expected and, when the test knows the usual mistake, a hint:

    Task 1.2: `(AutoDiff(2.0) * AutoDiff(3.0, 0.0)).gradient` gave 2.0; expected 3.0.
    Hint: the product rule has two terms, u'v + uv'.

The task id comes from the running test's ``@pytest.mark.task`` marker (the
pytest plugin records it), so tests do not repeat it.
"""

from __future__ import annotations

from contextvars import ContextVar
from fractions import Fraction
from typing import Any

import numpy as np

from hardway.outcomes import with_task
from hardway.plaindata import Opaque, TensorRecord
from hardway.snippets import one_line

current_task: ContextVar[str] = ContextVar("current_task", default="")


class ExpectationFailed(AssertionError):
    """A test's expectation was not met; the message is written for the student."""


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=10, threshold=12)
        return f"array({text}, dtype={value.dtype})"
    if isinstance(value, (float, np.floating)) and not isinstance(value, np.ndarray):
        return repr(float(value))
    if type(value) in (tuple, list) and len(value) <= 12:
        inner = ", ".join(_show(item) for item in value)
        return f"({inner}{',' if len(value) == 1 else ''})" if type(value) is tuple else f"[{inner}]"
    if isinstance(value, TensorRecord):
        flags = ", requires_grad=True" if value.requires_grad else ""
        return f"tensor({np.array2string(value.data, precision=10, threshold=12)}{flags}) on {value.device}"
    if isinstance(value, Opaque):
        return f"{value.text} (a {value.type_name})"
    text = repr(value)
    return text if len(text) < 400 else text[:397] + "..."


def fail(call: str, got: Any, expected: str, hint: str = "") -> None:
    """Raise the standard teaching message."""
    __tracebackhide__ = True
    task = current_task.get()
    message = with_task(task, f"`{one_line(call, limit=1000)}` gave {_show(got)}; expected {expected}.")
    if hint:
        message += f"\nHint: {hint}"
    raise ExpectationFailed(message)


def _is_number(value: Any) -> bool:
    """A real number: int (any size), float or a numpy integer or float scalar, never a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _is_complex(value: Any) -> bool:
    return isinstance(value, (complex, np.complexfloating))


def _numbers_close(got: Any, expected: Any, rtol: float, atol: float) -> bool:
    """Two numbers or two arrays within ``atol + rtol * |expected|`` of each other, NaN matching NaN.

    Ints too large for a float (the codec keeps them exact) compare in exact arithmetic.
    """
    if type(got) is int or type(expected) is int:
        exact = _exactly_close(_python_number(got), _python_number(expected), rtol, atol)
        if exact is not None:
            return exact
    got_array, expected_array = np.asarray(got), np.asarray(expected)
    if got_array.shape != expected_array.shape:
        return False
    # Compare in one wide dtype, so uint8 cannot wrap and a complex part is never dropped.
    wide = np.complex128 if "c" in (got_array.dtype.kind, expected_array.dtype.kind) else np.float64
    with np.errstate(all="ignore"):
        return bool(np.allclose(got_array.astype(wide), expected_array.astype(wide), rtol=rtol, atol=atol,
                                equal_nan=True))


def _python_number(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (exactly), anything else unchanged."""
    return value.item() if isinstance(value, np.generic) else value


def _exactly_close(got: Any, expected: Any, rtol: float, atol: float) -> bool | None:
    """The tolerance test in exact fractions when an int would overflow a float; None when floats will do."""
    try:
        float(got), float(expected)
        return None
    except OverflowError:
        pass
    try:
        got_exact, expected_exact = Fraction(got), Fraction(expected)
    except (ValueError, OverflowError):  # an inf or a NaN is never close to a finite int
        return False
    return abs(got_exact - expected_exact) <= Fraction(atol) + Fraction(rtol) * abs(expected_exact)


def _shape_of(value: Any) -> Any:
    """The nesting structure of a value: where numbers sit, as a comparable key."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape)
    if isinstance(value, TensorRecord):
        return ("tensor", value.data.shape)
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(key), _shape_of(item)) for key, item in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_shape_of(item) for item in value))
    if _is_number(value):
        return "number"
    if _is_complex(value):
        return "complex number"
    return ("other", type(value).__name__)


def close(call: str, got: Any, expected: Any, *, hint: str = "", rtol: float = 1e-9, atol: float = 1e-12,
          strict_container: bool = False) -> None:
    """`got` equals `expected` to within tolerance, with the same structure.

    Numbers compare with ``|got - expected| <= atol + rtol * |expected|``; anything
    else inside (a string, None, a bool) must be exactly equal.
    Tuples and lists must have the same length (and, with `strict_container`, the same type);
    dicts the same keys; a TensorRecord compares by its data (check its flags separately).
    """
    __tracebackhide__ = True
    want = _show(expected)
    if _shape_of(got) != _shape_of(expected):
        if not strict_container and _loose_shape(got) == _loose_shape(expected):
            pass
        elif _is_number(expected) and not _is_number(got):
            fail(call, got, f"a number, {want}", hint or "return a plain float here, not an object or a container")
        elif isinstance(expected, np.ndarray):
            fail(call, got, f"a numpy array of shape {expected.shape}, {want}", hint)
        else:
            fail(call, got, f"{want} (a {type(expected).__name__} of this structure)", hint)
    if not _all_close(got, expected, rtol, atol):
        fail(call, got, want, hint)


def _loose_shape(value: Any) -> Any:
    """Like `_shape_of`, but a list and a tuple of the same items look alike."""
    if isinstance(value, (list, tuple)):
        return ("sequence", tuple(_loose_shape(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(key), _loose_shape(item)) for key, item in value.items())))
    return _shape_of(value)


def _all_close(got: Any, expected: Any, rtol: float, atol: float) -> bool:
    """Walk two values of the same structure: numbers within tolerance, everything else exactly equal."""
    if isinstance(got, TensorRecord) and isinstance(expected, TensorRecord):
        got, expected = got.data, expected.data
    if isinstance(got, dict) and isinstance(expected, dict):
        return got.keys() == expected.keys() and all(_all_close(got[key], expected[key], rtol, atol)
                                                     for key in expected)
    if isinstance(got, (list, tuple)) and isinstance(expected, (list, tuple)):
        return len(got) == len(expected) and all(_all_close(g, e, rtol, atol)
                                                 for g, e in zip(got, expected, strict=True))
    both_arrays = isinstance(got, np.ndarray) and isinstance(expected, np.ndarray)
    both_numbers = _is_number(got) and _is_number(expected)
    both_complex = _is_complex(got) and _is_complex(expected)
    if both_arrays or both_numbers or both_complex:
        return _numbers_close(got, expected, rtol, atol)
    return _same(got, expected)


def _same(got: Any, expected: Any) -> bool:
    """The same value, as `equal` means it, without ever asking an array for its truth value.

    Real numbers compare by value, as Python's ``==`` does (3 == 3.0), arrays by shape and every
    element, and NaN equals NaN in the same place (the student sent the same value); containers
    must be of the same kind, and bools, strings, None and descriptions exactly equal.
    """
    if _is_number(got) and _is_number(expected):
        return _same_real(_python_number(got), _python_number(expected))
    if _is_complex(got) and _is_complex(expected):
        return _same_real(got.real, expected.real) and _same_real(got.imag, expected.imag)
    if isinstance(got, np.ndarray) and isinstance(expected, np.ndarray):
        inexact = "f" in (got.dtype.kind, expected.dtype.kind) or "c" in (got.dtype.kind, expected.dtype.kind)
        return got.shape == expected.shape and bool(np.array_equal(got, expected, equal_nan=inexact))
    if isinstance(got, (bool, np.bool_)) and isinstance(expected, (bool, np.bool_)):
        return bool(got) is bool(expected)
    if type(got) is not type(expected):
        return False
    if isinstance(expected, (list, tuple)):
        return len(got) == len(expected) and all(_same(g, e) for g, e in zip(got, expected, strict=True))
    if isinstance(expected, dict):
        return got.keys() == expected.keys() and all(_same(got[key], expected[key]) for key in expected)
    if isinstance(expected, TensorRecord):
        return _same(got.data, expected.data) and all(
            getattr(got, name) == getattr(expected, name)
            for name in ("dtype", "device", "requires_grad", "is_leaf", "has_grad_fn"))
    try:  # None, a str, an Opaque description, or a value the test built itself
        return bool(got == expected)
    except (TypeError, ValueError):  # an == with no single answer is not equality
        return False


def _same_real(got: Any, expected: Any) -> bool:
    """Python's exact comparison of two real numbers (an int of any size included), NaN equal to NaN."""
    return bool(got == expected) or (got != got and expected != expected)  # only NaN differs from itself


def equal(call: str, got: Any, expected: Any, *, hint: str = "") -> None:
    """`got == expected` exactly (for booleans, strings, exception names, shapes, lists of losses).

    `got` must be of `expected`'s type; inside containers, see `_same`.
    """
    __tracebackhide__ = True
    if type(got) is not type(expected) or not _same(got, expected):
        fail(call, got, _show(expected), hint)


def is_float(call: str, got: Any, *, hint: str = "") -> None:
    """`got` is a real Python float (not an array, an AutoDiff or a numpy scalar)."""
    __tracebackhide__ = True
    if type(got) is not float:
        fail(call, got, "a Python float", hint or "convert the result with float(...) before returning it")


def rejects(call: str, got: Any, error_type: str, *, mentions: tuple[str, ...] = (), hint: str = "") -> None:
    """`got` (from the snippet helper ``raised(...)``) shows `error_type` whose message names why."""
    __tracebackhide__ = True
    if got is None:
        fail(call, "no error", f"a {error_type}", hint)
    if type(got) is not tuple or len(got) != 2 or not all(type(part) is str for part in got):
        fail(call, got, f"a {error_type} (the test's `raised(...)` gives (error name, message))", hint)
    name, message = got
    if name != error_type:
        fail(call, f"{name}: {message}", f"a {error_type}", hint)
    if not message.strip():
        fail(call, f"{name} with an empty message", f"a {error_type} whose message says what went wrong", hint)
    lowered = message.lower()
    if mentions and not any(word.lower() in lowered for word in mentions):
        options = " or ".join(repr(word) for word in mentions)
        fail(call, f"{name}: {message}", f"a message that says why (mentioning {options})", hint)


__all__ = ["ExpectationFailed", "close", "current_task", "equal", "fail", "is_float", "rejects"]
